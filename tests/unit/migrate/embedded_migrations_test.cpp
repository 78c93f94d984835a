#include "migrate/embedded_migrations.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "migrate/migrator.hpp"

TEST_CASE("the embedded state schema is migrations/sqlcron, byte for byte", "[migrate]") {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> on_disk;
  for (const auto& entry :
       fs::directory_iterator(fs::path(SQLCRON_SOURCE_DIR) / "migrations" / "sqlcron")) {
    if (entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    on_disk[entry.path().filename().string()] = text.str();
  }
  REQUIRE(!on_disk.empty());
  const auto embedded = sqlcron::migrate::embedded_state_migrations();
  std::vector<std::string> names;
  names.reserve(embedded.size());
  for (const auto& f : embedded) names.push_back(f.name);
  std::vector<std::string> disk_names;
  disk_names.reserve(on_disk.size());
  for (const auto& [name, text] : on_disk) disk_names.push_back(name);
  CHECK(names == disk_names);  // the same files, in name order
  for (const auto& f : embedded) {
    INFO(f.name);
    CHECK(f.content == on_disk[f.name]);
    // What schema_migrations holds for a file applied from disk matches the embedded copy.
    CHECK(sqlcron::migrate::Migrator::checksum(f.content) ==
          sqlcron::migrate::Migrator::checksum(on_disk[f.name]));
  }
}
