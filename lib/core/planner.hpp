// Planner: decides which job slots are due and whether each may start. Pure: it is given `now`
// and run start/finish events and returns decisions; no I/O, no clock, no threads. The runtime
// layer sleeps until next_wakeup() and then asks due(now).
//
// Rules (docs/semantics.md):
//  - A job's first slot is the first fire instant after the moment it was loaded; slots that
//    passed before that are not fired (misfire handling decides about them separately).
//  - Each slot is decided once. If the job still has a run in progress, the slot is skipped
//    (overlap: skip), with the reason recorded.
//  - Slots due in the same pass are returned in scheduled order (then by job order).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace sqlcron::core {

using TimePoint = std::chrono::system_clock::time_point;

struct Slot {
  std::size_t job = 0;  // index into the jobs the planner was loaded with
  schedule::Instant scheduled_for;
};

struct Decision {
  enum class Action { start, skip };
  Action action = Action::start;
  Slot slot;
  std::string reason;  // why skipped
};

class Planner {
 public:
  // `jobs` must outlive the planner. Disabled jobs are never due.
  Planner(const std::vector<config::JobConfig>& jobs, TimePoint now);

  // Every slot <= now, each exactly once, advancing each job to its next slot. A start decision
  // counts as a run in progress until run_finished() is called for it.
  std::vector<Decision> due(TimePoint now);
  // When the earliest pending slot is due; nullopt when no job will ever fire again.
  [[nodiscard]] std::optional<schedule::Instant> next_wakeup() const;
  [[nodiscard]] std::optional<schedule::Instant> next_fire(std::size_t job) const;

  void run_started(std::size_t job);  // a run not decided by due(), e.g. run-now
  void run_finished(std::size_t job);
  [[nodiscard]] int running(std::size_t job) const { return running_[job]; }
  [[nodiscard]] int running_total() const;

  // Carries run-in-progress counts over from `old` for jobs of the same name (config reload).
  void adopt_running(const Planner& old);

 private:
  struct Entry {
    schedule::Instant at;
    std::size_t job;
    bool operator>(const Entry& o) const { return at != o.at ? at > o.at : job > o.job; }
  };

  void push_next(std::size_t job, schedule::Instant after);

  const std::vector<config::JobConfig>& jobs_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::vector<std::optional<schedule::Instant>> next_;
  std::vector<int> running_;
};

}  // namespace sqlcron::core
