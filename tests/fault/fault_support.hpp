// Shared pieces of the fault suite (tests/fault): a migrated config and a running daemon whose
// output goes to a log file, against the sandbox MariaDB of scripts/test.
#pragma once

#include <date/date.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

namespace sqlcron::test::fault {

using namespace std::chrono_literals;

// Starts `sqlcrond --config config serve`; its output goes to `dir`/`name`.log.
struct Daemon {
  Daemon(const TempDir& dir, const std::string& config, const std::string& name = "serve")
      : log((dir.path() / (name + ".log")).string()), process(serve_argv(config), log) {}
  // SIGTERM, and the exit code within `limit` (-1 if it did not exit).
  int stop(std::chrono::seconds limit = 30s) {
    process.signal(SIGTERM);
    return process.wait(limit).value_or(-1);
  }
  std::string log;
  Process process;
};

// A config of `jobs` against the test server (see ConfigSpec for the rest).
inline ConfigSpec spec_of(const std::string& state, const std::string& work,
                          const std::string& jobs) {
  ConfigSpec s;
  s.state_schema = state;
  s.work_schema = work;
  s.jobs = jobs;
  return s;
}

// Writes the config and migrates its state schema.
inline std::string migrated(const TempDir& dir, const ConfigSpec& spec) {
  auto config = write_config(dir, spec);
  const auto m = sqlcrond({"--config", config, "migrate"});
  INFO(m.output);
  REQUIRE(m.exit_code == 0);
  return config;
}

inline std::string cell(mysql::Session& db, const std::string& sql) {
  const auto rs = db.query(sql);
  if (rs.rows.empty() || rs.rows[0].empty()) return "";
  return rs.rows[0][0].value_or("NULL");
}

}  // namespace sqlcron::test::fault

namespace sqlcron::test::fault {

// A MariaDB server of the test's own (scripts/mysql-sandbox), so that stopping or freezing it
// disturbs no other test; stopped (and thawed) when destroyed.
class PrivateServer {
 public:
  explicit PrivateServer(const TempDir& dir)
      : script_(source_path("scripts/mysql-sandbox")), dir_((dir.path() / "db").string()) {
    REQUIRE(run({script_, "start", dir_}).exit_code == 0);
    settings_.socket = dir_ + "/mysqld.sock";
    settings_.user = "root";
  }
  ~PrivateServer() {
    signal(SIGCONT);
    run({script_, "stop", dir_});
  }
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;

  [[nodiscard]] const mysql::ConnectionSettings& settings() const { return settings_; }
  // SIGSTOP freezes it (connections stay open, nothing answers), SIGCONT thaws it.
  void signal(int signo) const {
    const auto pid = read_text(dir_ + "/mysqld.pid");
    if (!pid.empty()) ::kill(std::stoi(pid), signo);
  }

 private:
  std::string script_;
  std::string dir_;
  mysql::ConnectionSettings settings_;
};

// The port of the daemon's /metrics and /healthz, from its log line.
inline unsigned short http_port(const std::string& log) {
  wait_for_log(log, "serving /metrics and /healthz on http://127.0.0.1:", 20s);
  const auto text = read_text(log);
  const auto at = text.find("http://127.0.0.1:");
  return static_cast<unsigned short>(std::stoi(text.substr(at + 17)));
}

}  // namespace sqlcron::test::fault
