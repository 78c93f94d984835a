#include "support/test_database.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "migrate/sql_script.hpp"
#include "mysql/connector.hpp"
#include "util/file_text.hpp"

namespace sqlcron::test {

namespace {

std::string env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

using util::read_file;

// Runs a script statement by statement, as the mysql client would.
void run_script(mysql::Session& s, const std::string& script) {
  for (const auto& st : migrate::SqlScript::split(script)) s.execute_raw(st.text);
}

}  // namespace

mysql::ConnectionSettings test_settings(const std::string& schema) {
  mysql::ConnectionSettings s;
  s.host = env("SQLCRON_TEST_DB_HOST", "127.0.0.1");
  s.port = std::stoi(env("SQLCRON_TEST_DB_PORT", "3306"));
  s.socket = env("SQLCRON_TEST_DB_SOCKET");
  s.user = env("SQLCRON_TEST_DB_USER", "root");
  s.password = env("SQLCRON_TEST_DB_PASSWORD");
  s.schema = schema;
  if (s.socket.empty() && std::getenv("SQLCRON_TEST_DB_PORT") == nullptr) {
    throw std::runtime_error(
        "no test database: set SQLCRON_TEST_DB_SOCKET or _HOST/_PORT "
        "(scripts/test starts a sandbox and sets them)");
  }
  return s;
}

std::unique_ptr<mysql::Session> connect(const std::string& schema) {
  const mysql::Connector connector;
  return connector.open(test_settings(schema));
}

std::unique_ptr<mysql::Session> fresh_schema(const std::string& schema) {
  auto s = connect();
  s->execute_raw("DROP DATABASE IF EXISTS " + mysql::quote_identifier(schema));
  s->execute_raw("CREATE DATABASE " + mysql::quote_identifier(schema) +
                 " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci");
  s->set_schema(schema);
  return s;
}

void load_chinook(const std::string& schema) {
  auto script = read_file(source_path("tests/data/chinook/Chinook_MySql.sql"));
  // The vendored script creates and uses `Chinook`; point it at `schema`.
  const std::string from = "`Chinook`";
  const std::string to = mysql::quote_identifier(schema);
  for (std::size_t pos = 0, n = 0; n < 3 && (pos = script.find(from, pos)) != std::string::npos;
       ++n) {
    script.replace(pos, from.size(), to);
    pos += to.size();
  }
  auto s = connect();
  run_script(*s, script);
}

void apply_chinook_pack(const std::string& schema) { apply_pack(schema, "migrations/chinook"); }

void apply_pack(const std::string& schema, const std::string& directory) {
  auto s = connect(schema);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(source_path(directory))) {
    if (e.path().extension() == ".sql") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) run_script(*s, read_file(f));
}

std::string source_path(const std::string& relative) {
  return std::string(SQLCRON_SOURCE_DIR) + "/" + relative;
}

}  // namespace sqlcron::test
