// Planner: decides which job slots are due and whether each starts, waits or is skipped. Pure:
// it is given `now` and run start/finish events and returns decisions; no I/O, no clock, no
// threads. The runtime sleeps until next_wakeup() and then asks due(now).
//
// Rules (docs/semantics.md):
//  - A job's first slot is the first fire instant after the moment it was loaded. Slots missed
//    before that (daemon down, database unreachable) are offered separately (offer()) by the
//    runtime, which decides them from the run log with the misfire policy.
//  - Each slot is decided once, in scheduled order (then job order).
//  - A slot more than `late_limit` late when decided (the wall clock jumped forward, the process
//    was suspended) is a misfire: the job's misfire policy picks which of its late slots run
//    (cause catchup); the others are dropped.
//  - Overlap, while the job has runs in progress: skip -> the slot is skipped with a reason;
//    queue -> it waits (at most one waiting slot per job; further ones are skipped) and starts
//    when the running one finishes; allow -> it starts if fewer than max_instances run.
//    A retry (of a run abandoned by a dead instance) always waits, as with queue. Catch-up slots
//    (offer() with cause catchup) wait too, all of them, and run one after another.
//  - A late slot the misfire policy does not run is returned as a skip decision with its reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "core/run_status.hpp"

namespace sqlcron::core {

using TimePoint = std::chrono::system_clock::time_point;

struct Slot {
  std::size_t job = 0;  // index into the jobs the planner was loaded with
  schedule::Instant scheduled_for;
  RunCause cause = RunCause::schedule;
  int attempt = 1;
  std::int64_t chain_run_id = 0;  // a chain step: the run id of its pipeline's root run
  std::shared_ptr<const config::FailureInfo> failure{};  // a failure hook: what failed
};

struct Decision {
  enum class Action { start, skip, queued };  // queued: starts when the running run ends
  Action action = Action::start;
  Slot slot;
  std::string reason;  // why skipped
};

class Planner {
 public:
  static constexpr std::chrono::seconds kDefaultLateLimit{10};

  // `jobs` must outlive the planner. Disabled jobs are never due.
  Planner(const std::vector<config::JobConfig>& jobs, TimePoint now,
          std::chrono::seconds late_limit = kDefaultLateLimit);

  // Every slot <= now, each exactly once, advancing each job to its next slot. A start decision
  // counts as a run in progress until run_finished() is called for it.
  std::vector<Decision> due(TimePoint now);
  // Decides a slot that did not come from the schedule pass (a catch-up, a manual run).
  Decision offer(const Slot& slot);
  // A run ended; returns the queued slot of the job, now started, if there was one.
  std::optional<Decision> run_finished(std::size_t job);
  // A queued slot (queued decision) that will not run after all (its claim failed).
  void forget_queued(std::size_t job, schedule::Instant slot);
  // The wall clock went back: recompute every job's next slot from `now` (slots already run are
  // kept from running twice by the run log's claim key).
  void rebase(TimePoint now);

  // When the earliest pending slot is due; nullopt when no job will ever fire again.
  [[nodiscard]] std::optional<schedule::Instant> next_wakeup() const;
  [[nodiscard]] std::optional<schedule::Instant> next_fire(std::size_t job) const;
  [[nodiscard]] int running(std::size_t job) const { return running_[job]; }
  [[nodiscard]] int running_total() const;
  [[nodiscard]] bool has_queued(std::size_t job) const { return queued_.count(job) != 0; }

  // Carries runs in progress (and queued slots) over from `old` for jobs of the same name.
  void adopt_running(const Planner& old);

 private:
  struct Entry {
    schedule::Instant at;
    std::size_t job;
    bool operator>(const Entry& o) const { return at != o.at ? at > o.at : job > o.job; }
  };

  void push_next(std::size_t job, schedule::Instant after);
  void seed(TimePoint now);
  // The late slots that run (cause catchup); the others go to `dropped` as skip decisions.
  std::vector<Slot> apply_misfire(std::size_t job, std::vector<Slot> late, TimePoint now,
                                  std::vector<Decision>& dropped) const;

  const std::vector<config::JobConfig>& jobs_;
  std::chrono::seconds late_limit_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::vector<std::optional<schedule::Instant>> next_;
  std::vector<int> running_;
  std::unordered_map<std::size_t, Slot> queued_;  // by job; few at a time, so not a vector
  // Catch-up slots waiting for the job's running run, oldest first: run_all runs them all.
  std::unordered_map<std::size_t, std::deque<Slot>> catchups_;
};

}  // namespace sqlcron::core
