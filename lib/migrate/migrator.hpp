// Migrator: applies the .sql files of a directory, in file-name order, each once, recording
// each with its checksum in `<state_schema>`.schema_migrations. Files run with `target_schema`
// as the default schema and should name no schema themselves.
//
// Error contract: throws MigrationError when an applied file has changed (checked for every
// file before anything runs, so nothing is applied) or a statement fails (the files before it
// stay applied and recorded; the failing file is not recorded); DbError for connection loss.
#pragma once

#include <string>
#include <vector>

#include "mysql/session.hpp"

namespace sqlcron::migrate {

struct MigrationSet {
  std::string scope;          // e.g. "sqlcron", "chinook": names the set in schema_migrations
  std::string directory;      // absolute
  std::string target_schema;  // default schema while the files run (created if missing)
};

struct MigrationReport {
  std::vector<std::string> applied;
  std::vector<std::string> unchanged;
};

class Migrator {
 public:
  Migrator(mysql::Session& session, std::string state_schema);

  MigrationReport apply(const MigrationSet& set);

  // Stable 64-bit FNV-1a of the file's bytes, as 16 hex digits.
  static std::string checksum(std::string_view content);

 private:
  void bootstrap();

  mysql::Session& session_;
  std::string state_schema_;
  bool bootstrapped_ = false;
};

}  // namespace sqlcron::migrate
