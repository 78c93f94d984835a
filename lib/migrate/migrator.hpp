// Migrator: applies the .sql files of a directory (or a set given in memory, such as the state
// schema built into the binary), in file-name order, each once, recording each with its checksum
// in `<state_schema>`.schema_migrations. Files run with `target_schema` as the default schema and
// should name no schema themselves.
//
// Two kinds of file. A *version* (the default) is applied once and must never change: an applied
// version that changed is refused. A file whose first line is exactly kRepeatableMarker
// ("-- sqlcron: repeatable") holds only definitions that can be run again - DROP PROCEDURE IF
// EXISTS + CREATE PROCEDURE, CREATE TABLE IF NOT EXISTS, CREATE OR REPLACE VIEW - as a workload
// pack's procedures do: when it changed since it was applied it is applied again and its new
// checksum recorded, so a new release of a pack installs over an older one. A change to a
// table's shape still needs a new version file (CREATE TABLE IF NOT EXISTS leaves the old one).
//
// One apply() at a time per target schema (a named lock, waited for kLockWaitSeconds).
//
// Error contract: throws MigrationError when the directory or a file cannot be read (nothing is
// applied), an applied version has changed (checked for every file before anything runs, so
// nothing is applied), another migrate holds the lock past the wait, or a statement fails (the
// files before it stay applied and recorded; the failing file is not recorded, or, re-applied,
// recorded as kUnfinished so that the next migrate applies it again); DbError for connection
// loss. No std::filesystem exception.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mysql/session.hpp"

namespace sqlcron::migrate {

struct MigrationSet {
  std::string scope;          // e.g. "sqlcron", "chinook": names the set in schema_migrations
  std::string directory;      // absolute (for a set in memory: what messages call it)
  std::string target_schema;  // default schema while the files run (created if missing)
};

struct MigrationFile {
  std::string name;  // e.g. 001_run_log.sql
  std::string content;
};

struct MigrationReport {
  std::vector<std::string> applied;    // new files, and repeatable ones applied again
  std::vector<std::string> reapplied;  // those of `applied` that were applied before, changed
  std::vector<std::string> unchanged;
};

class Migrator {
 public:
  Migrator(mysql::Session& session, std::string state_schema);

  // The .sql files of set.directory.
  MigrationReport apply(const MigrationSet& set);
  // `files` (any order), named in messages as in set.directory.
  MigrationReport apply(const MigrationSet& set, std::vector<MigrationFile> files);

  // The .sql files of `directory` (regular files, symlinks followed), in name order.
  static std::vector<MigrationFile> read_directory(const std::string& directory);

  // Stable 64-bit FNV-1a of the file's bytes, as 16 hex digits.
  static std::string checksum(std::string_view content);

  static constexpr std::string_view kRepeatableMarker = "-- sqlcron: repeatable";
  // Recorded while a repeatable file is being applied again (never a checksum: not hex).
  static constexpr std::string_view kUnfinished = "(unfinished)....";
  // How long apply() waits for another migrate into the same target schema (a named lock).
  static constexpr std::int64_t kLockWaitSeconds = 60;
  // Whether the file's first line (without a trailing CR) is kRepeatableMarker.
  static bool repeatable(std::string_view content);

 private:
  void bootstrap();
  MigrationReport apply_locked(const MigrationSet& set, std::vector<MigrationFile> files);

  mysql::Session& session_;
  std::string state_schema_;
  bool bootstrapped_ = false;
};

}  // namespace sqlcron::migrate
