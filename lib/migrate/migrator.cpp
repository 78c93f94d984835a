#include "migrate/migrator.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "migrate/migration_error.hpp"
#include "migrate/sql_script.hpp"
#include "mysql/db_error.hpp"
#include "util/fnv1a.hpp"

namespace sqlcron::migrate {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw MigrationError("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Migrator::Migrator(mysql::Session& session, std::string state_schema)
    : session_(session), state_schema_(std::move(state_schema)) {}

std::string Migrator::checksum(std::string_view content) { return util::fnv1a_hex(content); }

void Migrator::bootstrap() {
  if (bootstrapped_) return;
  const auto schema = mysql::quote_identifier(state_schema_);
  session_.execute_raw("CREATE DATABASE IF NOT EXISTS " + schema +
                       " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
  session_.execute_raw("CREATE TABLE IF NOT EXISTS " + schema +
                       ".schema_migrations ("
                       " scope VARCHAR(64) NOT NULL,"
                       " target_schema VARCHAR(64) NOT NULL,"
                       " filename VARCHAR(255) NOT NULL,"
                       " checksum CHAR(16) NOT NULL,"
                       " applied_at DATETIME(6) NOT NULL,"
                       " duration_ms INT NOT NULL,"
                       " PRIMARY KEY (scope, target_schema, filename)"
                       ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  bootstrapped_ = true;
}

MigrationReport Migrator::apply(const MigrationSet& set) {
  bootstrap();
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(set.directory, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".sql")
      files.push_back(entry.path());
  }
  if (ec) throw MigrationError("cannot list " + set.directory + ": " + ec.message());
  std::sort(files.begin(), files.end());

  const auto table = mysql::quote_identifier(state_schema_) + ".schema_migrations";
  std::map<std::string, std::string> recorded;
  for (const auto& row : session_
                             .query("SELECT filename, checksum FROM " + table +
                                        " WHERE scope = ? AND target_schema = ?",
                                    {set.scope, set.target_schema})
                             .rows) {
    recorded[row[0].value_or("")] = row[1].value_or("");
  }

  // First check everything, so that a changed file stops the run before anything is applied.
  struct Pending {
    fs::path path;
    std::string content;
    std::string sum;
  };
  std::vector<Pending> pending;
  MigrationReport report;
  for (const auto& f : files) {
    auto content = read_file(f);
    auto sum = checksum(content);
    const auto name = f.filename().string();
    const auto it = recorded.find(name);
    if (it == recorded.end()) {
      pending.push_back(Pending{f, std::move(content), std::move(sum)});
    } else if (it->second != sum) {
      throw MigrationError(f.string() + " was changed after it was applied to " +
                           set.target_schema + " (recorded checksum " + it->second + ", now " +
                           sum + "); applied migrations must not change: add a new file instead");
    } else {
      report.unchanged.push_back(name);
    }
  }
  if (pending.empty()) return report;

  session_.execute_raw("CREATE DATABASE IF NOT EXISTS " +
                       mysql::quote_identifier(set.target_schema));
  session_.set_schema(set.target_schema);
  for (const auto& p : pending) {
    std::vector<SqlStatement> statements;
    try {
      statements = SqlScript::split(p.content);
    } catch (const std::invalid_argument& e) {
      throw MigrationError(p.path.string() + ": " + e.what());
    }
    const auto started = std::chrono::steady_clock::now();
    for (const auto& st : statements) {
      try {
        session_.execute_raw(st.text);
      } catch (const mysql::DbError& e) {
        throw MigrationError(p.path.string() + ":" + std::to_string(st.line) + ": error " +
                             std::to_string(e.code()) + " (" + e.sql_state() + "): " + e.what());
      }
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    session_.execute("INSERT INTO " + table +
                         " (scope, target_schema, filename, checksum, applied_at, duration_ms)"
                         " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6), ?)",
                     {set.scope, set.target_schema, p.path.filename().string(), p.sum,
                      static_cast<std::int64_t>(ms)});
    report.applied.push_back(p.path.filename().string());
  }
  return report;
}

}  // namespace sqlcron::migrate
