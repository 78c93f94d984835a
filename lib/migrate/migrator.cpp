#include "migrate/migrator.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "migrate/migration_error.hpp"
#include "migrate/sql_script.hpp"
#include "mysql/db_error.hpp"
#include "util/directory.hpp"
#include "util/fnv1a.hpp"

namespace sqlcron::migrate {

namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MigrationError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad() || ss.bad()) throw MigrationError("cannot read " + path + ": read error");
  return ss.str();
}

// A file saved with a UTF-8 byte order mark (some Windows editors write one) runs and is
// recognised as repeatable without it; its checksum stays that of its bytes.
std::string_view without_bom(std::string_view content) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (content.substr(0, kBom.size()) == kBom) content.remove_prefix(kBom.size());
  return content;
}

}  // namespace

Migrator::Migrator(mysql::Session& session, std::string state_schema)
    : session_(session), state_schema_(std::move(state_schema)) {}

std::string Migrator::checksum(std::string_view content) { return util::fnv1a_hex(content); }

bool Migrator::repeatable(std::string_view content) {
  content = without_bom(content);
  auto line = content.substr(0, content.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line == kRepeatableMarker;
}

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

std::vector<MigrationFile> Migrator::read_directory(const std::string& directory) {
  std::error_code ec;
  const auto entries = util::list_directory(directory, ec);
  if (ec) throw MigrationError("cannot list " + directory + ": " + ec.message());
  std::vector<MigrationFile> files;
  for (const auto& entry : entries) {
    if (fs::path(entry.name).extension() != ".sql") continue;
    if (entry.error) {
      throw MigrationError("cannot read " + entry.path + ": " + entry.error.message());
    }
    if (entry.regular_file) files.push_back(MigrationFile{entry.name, read_file(entry.path)});
  }
  return files;
}

MigrationReport Migrator::apply(const MigrationSet& set) {
  return apply(set, read_directory(set.directory));
}

MigrationReport Migrator::apply(const MigrationSet& set, std::vector<MigrationFile> files) {
  bootstrap();
  // One migrate at a time per target schema, whatever state schema records it: two at once
  // would both apply a new file, or re-create the same procedure (1304), and the last to record
  // a repeatable one would win whatever the other installed.
  const std::string lock = "sqlcron_migrate." + set.target_schema.substr(0, 40);
  const auto got = session_.query("SELECT GET_LOCK(?, ?)", {lock, kLockWaitSeconds}).rows;
  if (got.empty() || got[0][0].value_or("0") != "1") {
    throw MigrationError("another migrate into schema " + set.target_schema + " is running (" +
                         std::to_string(kLockWaitSeconds) + " s waited for its lock)");
  }
  try {
    auto report = apply_locked(set, std::move(files));
    session_.query("SELECT RELEASE_LOCK(?)", {lock});
    return report;
  } catch (...) {
    try {
      session_.query("SELECT RELEASE_LOCK(?)", {lock});
    } catch (const mysql::DbError&) {
      // The connection is gone, and the lock with it.
    }
    throw;
  }
}

MigrationReport Migrator::apply_locked(const MigrationSet& set, std::vector<MigrationFile> files) {
  std::sort(files.begin(), files.end(),
            [](const MigrationFile& a, const MigrationFile& b) { return a.name < b.name; });
  const auto shown = [&](const std::string& name) { return set.directory + "/" + name; };

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
    std::string name;
    std::string content;
    std::string sum;
    bool again;
  };
  std::vector<Pending> pending;
  MigrationReport report;
  for (auto& f : files) {
    auto sum = checksum(f.content);
    const auto& name = f.name;
    const auto it = recorded.find(name);
    if (it == recorded.end()) {
      pending.push_back(Pending{name, std::move(f.content), std::move(sum), false});
    } else if (it->second != sum && repeatable(f.content)) {
      pending.push_back(Pending{name, std::move(f.content), std::move(sum), true});
    } else if (it->second != sum) {
      throw MigrationError(shown(name) + " was changed after it was applied to " +
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
      statements = SqlScript::split(without_bom(p.content));
    } catch (const std::invalid_argument& e) {
      throw MigrationError(shown(p.name) + ": " + e.what());
    }
    if (p.again) {
      // Until it has run to its end, the file counts as changed: a re-apply that fails half-way
      // (a procedure dropped, not yet created) is applied again by the next migrate, whatever
      // version of the file that one brings.
      session_.execute("UPDATE " + table +
                           " SET checksum = ? WHERE scope = ? AND target_schema = ?"
                           " AND filename = ?",
                       {std::string(kUnfinished), set.scope, set.target_schema, p.name});
    }
    const auto started = std::chrono::steady_clock::now();
    for (const auto& st : statements) {
      try {
        session_.execute_raw(st.text);
      } catch (const mysql::DbError& e) {
        throw MigrationError(shown(p.name) + ":" + std::to_string(st.line) + ": error " +
                             std::to_string(e.code()) + " (" + e.sql_state() + "): " + e.what());
      }
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    if (p.again) {
      session_.execute(
          "UPDATE " + table +
              " SET checksum = ?, applied_at = UTC_TIMESTAMP(6), duration_ms = ?"
              " WHERE scope = ? AND target_schema = ? AND filename = ?",
          {p.sum, static_cast<std::int64_t>(ms), set.scope, set.target_schema, p.name});
    } else {
      session_.execute(
          "INSERT INTO " + table +
              " (scope, target_schema, filename, checksum, applied_at, duration_ms)"
              " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6), ?)",
          {set.scope, set.target_schema, p.name, p.sum, static_cast<std::int64_t>(ms)});
    }
    report.applied.push_back(p.name);
    if (p.again) report.reapplied.push_back(p.name);
  }
  return report;
}

}  // namespace sqlcron::migrate
