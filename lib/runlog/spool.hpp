// Spool: run results that could not be written to the run log (the database was unreachable
// when the run ended) are appended to a local file, fsync'd, and written to `runs` when the
// database is back - in order, and idempotently (a run already finished is not touched), so no
// run is lost from the log.
//
// The file holds one record per line (SpoolRecord). Each append is one write() of the whole line
// under an exclusive flock, so that records of this daemon and of `run-now` / `backfill` never
// interleave; a write cut short (disk full) is truncated away, so no torn line stays; a line
// torn by a crash is closed off by the next append. On replay a line that is not a record, or
// that the server refuses as data (a value out of range), is set aside in `<path>.bad` with a
// warning, never dropped, and never stops the replay.
//
// Error contract: append() throws std::system_error if the record cannot be made durable (the
// file is left as it was). keep() never throws: a result it cannot keep is counted (lost()) and
// logged at error level with everything needed to finish its row by hand. replay() throws
// mysql::DbError only, when the database fails mid-way (records not yet written stay in the
// spool); it never throws for the file's content. check_writable() throws std::system_error.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/run_outcome.hpp"
#include "mysql/session.hpp"
#include "runlog/run_log.hpp"

namespace sqlcron::runlog {

class Spool {
 public:
  explicit Spool(std::string path);

  void append(std::int64_t run_id, const core::RunOutcome& outcome,
              std::chrono::system_clock::time_point finished_at);
  // append(), for a result nothing else holds: true if it is in the spool; false if it is lost.
  bool keep(std::int64_t run_id, std::string_view job, const core::RunOutcome& outcome,
            std::chrono::system_clock::time_point finished_at) noexcept;
  // A slot decided not to run whose `skipped` row could not be written: kept like a result, and
  // inserted (RunLog::record_skipped, idempotent) at replay. False if it is lost (counted).
  bool keep_skip(const Claim& claim, const std::string& reason) noexcept;
  // Writes every spooled record through `log`; returns how many. The file is emptied after.
  std::size_t replay(mysql::Session& s, const RunLog& log);
  // At start: creates the folder and opens the file for appending (creating it), or throws.
  void check_writable() const;
  [[nodiscard]] bool empty() const;
  [[nodiscard]] std::size_t records() const;                         // lines waiting in the file
  [[nodiscard]] std::uint64_t lost() const { return lost_.load(); }  // results keep() lost
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string bad_path() const { return path_ + ".bad"; }

 private:
  // Appends one record's line durably (see append()).
  void write_line(const std::string& line);
  // Appends `line` to `<path>.bad` unless it is there already; false if it could not.
  bool set_aside(const std::string& line, std::string_view why) const;

  std::string path_;
  mutable std::mutex mutex_;
  std::atomic<std::uint64_t> lost_{0};
};

}  // namespace sqlcron::runlog
