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
// Which files are ready (matching, complete) and what becomes of them afterwards (archive,
// delete) is FileInbox's. A file with every line rejected, or more than `max_reject_ratio` of
// them, is refused: nothing of it is loaded, it is recorded in `rejected_files` (its rejected
// lines in `load_rejects`) and the summary says so - the run fails. Later runs skip a refused
// file until `sqlcrond forget-file` (forget()) clears it.
//
// A file that is gone by the time it is read, or is a symbolic link or special file, is logged
// and skipped; one that cannot be read (permissions) or is over 1 GiB is refused for this run
// only (the run fails naming it; the next run tries again). Files are opened without following
// a symbolic link (a link dropped in could point at any file the daemon may read).
//
// Error contract: throws mysql::DbError when the database fails (the file being loaded is rolled
// back; files before it stay loaded) and std::runtime_error when the directory cannot be listed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mysql/session.hpp"

namespace sqlcron::exec {

struct LoadSummary {
  int files = 0;          // files loaded by this run
  int files_seen = 0;     // matching files already loaded before (skipped)
  std::int64_t rows = 0;  // rows inserted
  std::int64_t rejected = 0;
  int files_refused = 0;  // refused now: the run fails
  int files_refused_before = 0;
  int files_unsettled = 0;  // still changing: left for a later run
  int files_settling = 0;   // of those, changed less than settle ago: ready within settle
  std::string refusals;     // "name: why; ..." of the files refused now
};

// What forget() cleared.
struct ForgetResult {
  std::int64_t loaded = 0;     // loaded_files rows deleted
  std::int64_t rejected = 0;   // rejected_files rows deleted
  std::int64_t same_name = 0;  // by name: records of that name (more than 1: nothing deleted)
};

class CsvLoader {
 public:
  static constexpr std::size_t kBatchRows = 500;

  CsvLoader(mysql::Session& session, const config::JobConfig& job,
            const std::string& default_schema, const std::string& state_schema);

  LoadSummary load(std::int64_t run_id, schedule::Instant slot);

  // Forgets that this job loaded or refused the content of `path` (or, when it cannot be read,
  // the one record of that file name - none when several contents had that name), so that the
  // next run loads it again.
  static ForgetResult forget(mysql::Session& session, const std::string& state_schema,
                             const std::string& job, const std::string& path);

 private:
  enum class FileResult { loaded, seen, refused, refused_before, skipped };
  struct Reject {
    int line;
    std::string reason;
    std::string raw;
  };

  FileResult load_file(const std::string& path, std::int64_t run_id, schedule::Instant slot,
                       LoadSummary& summary);
  void insert_rejects(std::int64_t run_id, const std::string& name,
                      const std::vector<Reject>& rejects);
  // The file was refused: its rejected lines and its rejected_files row, in a transaction.
  void record_refusal(std::int64_t run_id, const std::string& name, const std::string& checksum,
                      std::size_t size, std::int64_t rows, const std::vector<Reject>& rejects,
                      const std::string& reason);

  mysql::Session& s_;
  const config::JobConfig& job_;
  const config::LoadCsvConfig& csv_;
  std::string insert_prefix_;  // INSERT INTO `schema`.`table` (...) VALUES
  std::string row_placeholders_;
  std::string loaded_files_;
  std::string load_rejects_;
  std::string rejected_files_;
};

}  // namespace sqlcron::exec
