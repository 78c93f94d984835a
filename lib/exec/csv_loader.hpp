// CsvLoader: what a `load_csv:` job runs. Every regular file of the directory whose name matches
// the pattern (names starting with '.' are ignored: write elsewhere or under a dot-name, then
// rename) and whose content this job has not loaded before goes into the table, oldest name
// first, each file in ONE transaction with its record in `loaded_files`: a file is loaded
// completely or not at all, and once. Each row gets the file name, its line, the load time, the
// run id and the run's slot (columns source_file, source_line, ingested_at, ingest_run_id,
// ingest_slot, which the table must have besides the configured ones). Lines that cannot be
// parsed or have the wrong number of fields are not loaded: they go to `load_rejects` with the
// reason. Values are bound, never spliced; identifiers were validated by the config loader.
//
// Error contract: throws mysql::DbError when the database fails (the file being loaded is rolled
// back; files before it stay loaded) and std::runtime_error when a file cannot be read.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "mysql/session.hpp"

namespace sqlcron::exec {

struct LoadSummary {
  int files = 0;          // files loaded by this run
  int files_seen = 0;     // matching files already loaded before (skipped)
  std::int64_t rows = 0;  // rows inserted
  std::int64_t rejected = 0;
};

class CsvLoader {
 public:
  static constexpr std::size_t kBatchRows = 500;

  CsvLoader(mysql::Session& session, const config::JobConfig& job,
            const std::string& default_schema, const std::string& state_schema);

  LoadSummary load(std::int64_t run_id, schedule::Instant slot);

 private:
  // Loads one file; false if this job loaded the same content before.
  bool load_file(const std::string& path, std::int64_t run_id, schedule::Instant slot,
                 LoadSummary& summary);

  mysql::Session& s_;
  const config::JobConfig& job_;
  const config::LoadCsvConfig& csv_;
  std::string insert_prefix_;  // INSERT INTO `schema`.`table` (...) VALUES
  std::string row_placeholders_;
  std::string loaded_files_;
  std::string load_rejects_;
};

}  // namespace sqlcron::exec
