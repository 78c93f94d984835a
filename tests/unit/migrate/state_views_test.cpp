// The views of the state schema (migrations/sqlcron) name their columns, and each is recreated
// after the last migration that changes `runs`: a view made with `SELECT *` keeps the columns the
// table had when the view was created (issue 16: recent_failures never showed chain_run_id).
#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <string>

#include "migrate/embedded_migrations.hpp"

TEST_CASE("state views name their columns and follow the last change of runs", "[migrate]") {
  const auto files = sqlcron::migrate::embedded_state_migrations();
  const std::regex view(R"(CREATE\s+OR\s+REPLACE\s+VIEW\s+(\w+)\s+AS\s+([^;]*);)",
                        std::regex::icase);
  const std::regex alter_runs(R"(ALTER\s+TABLE\s+runs\b)", std::regex::icase);
  std::size_t last_alter = 0;
  std::map<std::string, std::size_t> defined_in;  // view -> index of its latest definition
  std::map<std::string, std::string> body;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string text(files[i].content);
    if (std::regex_search(text, alter_runs)) last_alter = i;
    for (std::sregex_iterator it(text.begin(), text.end(), view), end; it != end; ++it) {
      defined_in[(*it)[1]] = i;
      body[(*it)[1]] = (*it)[2];
    }
  }
  REQUIRE(defined_in.size() == 3);
  for (const auto& [name, index] : defined_in) {
    INFO(name << " (latest definition in " << files[index].name << ")");
    CHECK(index >= last_alter);
    CHECK_FALSE(std::regex_search(body[name], std::regex(R"(SELECT\s+(\w+\.)?\*)")));
    CHECK(body[name].find("chain_run_id") != std::string::npos);
  }
  // Failures count by when they happened, not by their slot: backfill failures show.
  CHECK(body["recent_failures"].find("scheduled_for >=") == std::string::npos);
  CHECK(body["recent_failures"].find("finished_at") != std::string::npos);
}
