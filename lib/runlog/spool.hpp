// Spool: run results that could not be written to the run log (the database was unreachable
// when the run ended) are appended to a local file, fsync'd, and written to `runs` when the
// database is back - in order, and idempotently (a run already finished is not touched), so no
// run is lost from the log.
//
// Error contract: append() throws std::system_error if the record cannot be made durable;
// replay() throws mysql::DbError when the database fails mid-way (records not yet written stay
// in the spool). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/run_outcome.hpp"
#include "mysql/session.hpp"
#include "runlog/run_log.hpp"

namespace sqlcron::runlog {

class Spool {
 public:
  explicit Spool(std::string path);

  void append(std::int64_t run_id, const core::RunOutcome& outcome,
              std::chrono::system_clock::time_point finished_at);
  // Writes every spooled record through `log`; returns how many. The file is emptied after.
  std::size_t replay(mysql::Session& s, const RunLog& log);
  [[nodiscard]] bool empty() const;
  [[nodiscard]] std::size_t records() const;  // lines waiting in the file
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  mutable std::mutex mutex_;
};

}  // namespace sqlcron::runlog
