// JobRunner: executes one run on a pooled connection - claim the slot by inserting its runs row,
// bind the arguments, run the CALL or statement, roll back whatever transaction the job left
// open (as the end of an event's session would), and finish the row. Runs on worker threads;
// const and thread-safe.
//
// Error contract: run() never throws for a job's own failure (that is the outcome); it throws
// mysql::DbError only when the run log itself cannot be written (no connection).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/run_outcome.hpp"
#include "mysql/connection_pool.hpp"
#include "runlog/run_log.hpp"
#include "runtime/run_request.hpp"

namespace sqlcron::runtime {

struct RunReport {
  bool claimed = false;  // false: another instance holds the slot; nothing ran
  std::int64_t run_id = 0;
  core::RunOutcome outcome;
};

class JobRunner {
 public:
  // Called once the run is claimed, with its run id and connection id (to kill it).
  using OnStarted = std::function<void(std::int64_t run_id, std::uint64_t connection_id)>;

  JobRunner(mysql::ConnectionPool& pool, std::string state_schema, std::string instance);

  RunReport run(const RunRequest& request, const OnStarted& on_started) const;
  void skip(const RunRequest& request, const std::string& reason) const;

 private:
  core::RunOutcome execute(mysql::Session& s, const RunRequest& r, std::int64_t run_id) const;
  void finish(mysql::ConnectionPool::Lease& lease, const RunRequest& r, std::int64_t run_id,
              const core::RunOutcome& outcome) const;

  mysql::ConnectionPool& pool_;
  runlog::RunLog log_;
  std::string jobs_table_;
  std::string instance_;
};

}  // namespace sqlcron::runtime
