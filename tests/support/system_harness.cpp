#include "support/system_harness.hpp"

#include <date/date.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <thread>

#include "support/test_database.hpp"

namespace sqlcron::test {

std::string database_yaml(const mysql::ConnectionSettings& s, const std::string& schema) {
  const std::string where = s.socket.empty()
                                ? "  host: " + s.host + "\n  port: " + std::to_string(s.port) + "\n"
                                : "  socket: " + s.socket + "\n";
  return "database:\n" + where + "  user: " + s.user + "\n  schema: " + schema + "\n";
}

std::string at_in(std::chrono::seconds seconds) {
  const auto t =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + seconds;
  return "schedule: \"at " + date::format("%F %T", t) + "\"";
}

std::string write_config(const TempDir& dir, const ConfigSpec& spec, const std::string& file) {
  const auto db =
      spec.database.empty() ? database_yaml(test_settings(), spec.work_schema) : spec.database;
  return dir.write(file, db + "scheduler:\n  state_schema: " + spec.state_schema +
                             "\n  shutdown_grace: " + spec.grace +
                             "\n  state_dir: " + (dir.path() / "state").string() + "\n" +
                             spec.scheduler_extra + "http:\n  listen: \"" + spec.http_listen +
                             "\"\n" + spec.top_extra + "jobs:\n" + spec.jobs);
}

// SQLCRON_TEST_SQLCROND names another binary to test (e.g. an older build, to see a new test
// fail on it first); by default the one built with the tests.
std::string sqlcrond_path() {
  const char* other = std::getenv("SQLCRON_TEST_SQLCROND");
  return other != nullptr && *other != 0 ? other : SQLCROND_PATH;
}

Completed sqlcrond(const std::vector<std::string>& args) {
  std::vector<std::string> argv{sqlcrond_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

std::vector<std::string> serve_argv(const std::string& config) {
  return {sqlcrond_path(), "--config", config, "serve"};
}

std::chrono::milliseconds wait_for(mysql::Session& db, const std::string& sql,
                                   const std::string& expected, std::chrono::seconds limit) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const auto rs = db.query(sql);
    if (!rs.rows.empty() && rs.rows[0][0] == expected) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
    }
    INFO(sql << " did not return " << expected << " within " << limit.count() << " s");
    REQUIRE(std::chrono::steady_clock::now() - start < limit);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void wait_for_log(const std::string& log, const std::string& text, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (read_text(log).find(text) == std::string::npos) {
    INFO("the log does not show '" << text << "':\n" << read_text(log));
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void prepare_schemas(const std::string& state, const std::string& work) {
  fresh_schema(state);
  auto w = fresh_schema(work);
  w->execute_raw("CREATE TABLE ticks (slot DATETIME, at DATETIME(6), job VARCHAR(64))");
  w->execute_raw(
      "CREATE PROCEDURE tick(IN p_slot DATETIME) INSERT INTO ticks VALUES (p_slot, NOW(6), NULL)");
  w->execute_raw("CREATE TABLE locked (id INT PRIMARY KEY) ENGINE=InnoDB");
  w->execute_raw("INSERT INTO locked VALUES (1)");
  w->execute_raw("CREATE PROCEDURE blocked() SELECT * FROM locked WHERE id = 1 FOR UPDATE");
  w->execute_raw(
      "CREATE PROCEDURE busy() BEGIN DECLARE i INT DEFAULT 0; "
      "WHILE i < 600 DO DO SLEEP(0.1); SET i = i + 1; END WHILE; END");
  w->execute_raw(
      "CREATE PROCEDURE flaky(IN p_attempt INT) BEGIN "
      "IF p_attempt = 1 THEN SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'Deadlock found when "
      "trying to get lock', MYSQL_ERRNO = 1213; END IF; "
      "INSERT INTO ticks VALUES (NULL, NOW(6), 'flaky'); END");
}

std::unique_ptr<mysql::Session> hold_lock(const std::string& work) {
  auto s = connect(work);
  s->execute_raw("START TRANSACTION");
  s->execute_raw("SELECT * FROM locked WHERE id = 1 FOR UPDATE");
  return s;
}

std::int64_t count(mysql::Session& db, const std::string& sql) {
  return std::stoll(db.query(sql).rows.at(0).at(0).value_or("0"));
}

}  // namespace sqlcron::test
