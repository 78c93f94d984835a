// RunLog: the `runs` table. A run is claimed by inserting its row (status running) before its
// SQL starts; the unique key (job, scheduled_for, attempt) makes the insert the claim, so with
// several daemons on one database each slot runs once. The row is finished after the SQL ends.
//
// Error contract: methods throw mysql::DbError on database failure; claim() returns nullopt
// (not an error) when another instance already holds the slot.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/run_outcome.hpp"
#include "core/run_status.hpp"
#include "mysql/session.hpp"
#include "schedule/schedule.hpp"

namespace sqlcron::runlog {

struct Claim {
  std::string job;
  schedule::Instant scheduled_for;
  int attempt = 1;
  core::RunCause cause = core::RunCause::schedule;
  std::string instance;
  std::uint64_t connection_id = 0;
  std::chrono::system_clock::time_point started_at;
  std::int64_t chain_run_id = 0;  // 0: not part of a chain (or its root)
  bool chain_root = false;        // a run of a job that others run after: its chain is its id
  std::int64_t run_id = 0;        // a row read back (abandon_orphans): its id
};

struct RunFilter {
  std::optional<std::string> job;
  std::optional<std::string> status;
  std::optional<std::chrono::system_clock::time_point> since;  // scheduled_for >= since
  std::optional<std::chrono::system_clock::time_point> until;  // scheduled_for < until
  std::optional<std::int64_t> chain;  // the runs of one pipeline instance (any of its run ids)
  int limit = 20;
};

// One job's recent history, for `sqlcrond status`.
struct JobSummary {
  std::string job;
  std::string last_status;
  std::string last_started_at;  // UTC DATETIME text
  std::optional<std::string> last_duration_ms;
  std::int64_t failures_24h = 0;  // failed slots, not attempts
};

// What the run log holds for one slot of one job.
struct SlotState {
  int attempts = 0;                           // the highest attempt recorded (0: none)
  std::optional<std::int64_t> succeeded_run;  // a succeeded run of the slot
  std::int64_t chain_root = 0;                // that run's pipeline instance (its root run)
  std::optional<std::int64_t> running_run;    // an attempt of the slot still `running`
};

class RunLog {
 public:
  explicit RunLog(const std::string& state_schema);

  // The new run_id, or nullopt when the slot is already claimed (duplicate key).
  std::optional<std::int64_t> claim(mysql::Session& s, const Claim& claim) const;
  // Claims many slots with one multi-row insert (slots due in the same instant): for each claim,
  // in order, its run_id, or nullopt if another instance holds it. All claims must share
  // `instance` and `started_at` (that pair finds the rows this call inserted).
  std::vector<std::optional<std::int64_t>> claim_batch(mysql::Session& s,
                                                       const std::vector<Claim>& claims) const;
  // A chain root's runs are their own chain: chain_run_id = run_id (one statement).
  void mark_roots(mysql::Session& s, const std::vector<std::int64_t>& run_ids) const;
  // Idempotent: only a row still running (or marked abandoned by another instance while this
  // one could not reach the database) is finished.
  void finish(mysql::Session& s, std::int64_t run_id, const core::RunOutcome& outcome,
              std::chrono::system_clock::time_point finished_at) const;
  // The latest recorded scheduled_for per job (any status) up to `until`: the base of misfire
  // decisions for the slots in (that, until].
  std::vector<std::pair<std::string, schedule::Instant>> last_slots(mysql::Session& s,
                                                                    schedule::Instant until) const;
  // Deletes at most `batch` finished runs that started before `cutoff`, oldest first, in one
  // short statement (no long locks); returns how many. Call until it returns < batch.
  std::int64_t purge(mysql::Session& s, std::chrono::system_clock::time_point cutoff,
                     int batch) const;
  // True if the server is read-only (a replica): nothing may fire.
  static bool server_read_only(mysql::Session& s);
  // A slot decided not to run: a finished row with status skipped and the reason.
  void record_skipped(mysql::Session& s, const Claim& claim, const std::string& reason) const;
  // Which of `jobs` have a succeeded run for `slot` (a chain step is ready when all its upstream
  // jobs have); `first_chain`, if given, gets the smallest pipeline instance (root run id) of them.
  std::vector<std::string> succeeded_for(mysql::Session& s, const std::vector<std::string>& jobs,
                                         schedule::Instant slot,
                                         std::int64_t* first_chain = nullptr) const;
  // Slots since `since` for which every job of `upstream` succeeded but `job` has no run row: a
  // chain step whose trigger was lost (the daemon stopped between the two); manual runs (run-now,
  // backfill without --chain) start no chain. With the smallest
  // upstream run id of each slot.
  std::vector<std::pair<schedule::Instant, std::int64_t>> pending_chain_slots(
      mysql::Session& s, const std::string& job, const std::vector<std::string>& upstream,
      schedule::Instant since) const;
  SlotState slot_state(mysql::Session& s, const std::string& job, schedule::Instant slot) const;
  // The scheduled_for of the job's latest succeeded run.
  std::optional<schedule::Instant> last_success(mysql::Session& s, const std::string& job) const;
  // Latest runs first: run_id, job, scheduled_for, attempt, cause,
  // status, started_at, duration_ms, rows_affected, error_code, sql_state, error_message,
  // chain_run_id.
  mysql::ResultSet list(mysql::Session& s, const RunFilter& filter) const;
  // The latest run of every job and its failed slots of the last 24 hours: slots with a
  // failed, timed_out, abandoned or cancelled run that ended in that time (whatever the slot's
  // own time: a backfill's failures count) and no succeeded attempt; retries count once.
  std::vector<JobSummary> summaries(mysql::Session& s) const;
  // Marks `running` rows of instances other than `self` that stopped, whose heartbeat is older
  // than `stale_after`, or that never registered, as abandoned; returns the runs this call
  // abandoned (another instance sweeping at the same time gets the others).
  std::vector<Claim> abandon_orphans(mysql::Session& s, const std::string& self,
                                     std::chrono::seconds stale_after) const;
  // A claim of `self` whose reply was lost (the insert may have committed, the client got an
  // error): if its row exists and is `running`, it is marked abandoned ("the claim's reply was
  // lost: it did not start"); true if so.
  bool abandon_in_doubt(mysql::Session& s, const Claim& c) const;

 private:
  std::string runs_;       // `schema`.runs
  std::string instances_;  // `schema`.instances
};

}  // namespace sqlcron::runlog
