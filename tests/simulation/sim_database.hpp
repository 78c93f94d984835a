// SimDatabase: the state schema as the simulation's daemons see it - the runs table with its
// claim key (job, scheduled_for, attempt), the overlap leases, instances and their heartbeats -
// and the server's availability (up, down, frozen, read-only). It also keeps the ground truth the
// invariants are checked against: every execution of SQL, when it started and ended, by whom.
//
// Error contract: a broken invariant is recorded in violations() with the simulated time; the
// test fails on the first one and prints the seed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "core/run_order.hpp"
#include "core/scheduler_event.hpp"
#include "sim_world.hpp"
#include "slot_index.hpp"

namespace sqlcron::sim {

enum class Availability { up, down, frozen, read_only };

struct Row {
  std::int64_t id = 0;
  std::string job;
  schedule::Instant slot;
  int attempt = 1;
  core::RunStatus status = core::RunStatus::running;
  core::RunCause cause = core::RunCause::schedule;
  std::string instance;
  std::int64_t chain = 0;
  std::int64_t failure_of = 0;  // a failure hook: the run that failed
};

struct Execution {
  std::int64_t run_id = 0;
  std::string job;
  schedule::Instant slot;
  int attempt = 1;
  Nanos start{0};
  std::optional<Nanos> end;
  bool succeeded = false;
};

class SimDatabase {
 public:
  static constexpr Nanos kStaleAfter = std::chrono::seconds(60);

  explicit SimDatabase(SimWorld& world) : world_(world) {}

  Availability availability = Availability::up;
  // The share of claims whose reply is lost: the row is inserted, the client gets error 2013.
  double lost_replies = 0.0;

  // The runs table.
  std::optional<std::int64_t> claim(const core::RunOrder& order, const std::string& instance);
  bool take_lease(const std::string& job, std::int64_t run_id, int limit);
  void finish(std::int64_t run_id, core::RunStatus status);
  void skip(const core::RunOrder& order, const std::string& instance);
  std::vector<core::AbandonedRun> sweep(const std::string& instance);
  bool abandon_in_doubt(const std::string& job, schedule::Instant slot, int attempt,
                        const std::string& instance);
  void heartbeat(const std::string& instance) { heartbeats_[instance] = world_.steady(); }
  void mark_stopped(const std::string& instance) { stopped_.insert(instance); }
  std::vector<std::pair<std::string, schedule::Instant>> last_slots(schedule::Instant until) const;
  std::vector<std::pair<schedule::Instant, std::int64_t>> pending_chain(
      const std::string& step, const std::vector<std::string>& upstream,
      schedule::Instant since) const;
  std::optional<std::int64_t> upstream_done(const std::vector<std::string>& upstream,
                                            schedule::Instant slot) const;
  [[nodiscard]] const std::vector<Row>& rows() const { return rows_; }
  [[nodiscard]] const Row& row(std::int64_t id) const { return rows_.at(id - 1); }

  // Whether the job's slot has a row (any attempt, any status).
  [[nodiscard]] bool has_slot(const std::string& job, schedule::Instant slot) const;
  // The rows still `running`, by id.
  [[nodiscard]] const std::set<std::int64_t>& running() const { return running_; }

  // Ground truth: SQL started and ended (checks the invariants of both).
  void executing(const std::shared_ptr<const config::Config>& config, std::int64_t run_id,
                 Nanos start);
  void executed(std::int64_t run_id, bool succeeded);
  void hooked(std::int64_t failed_run);  // a notify command ran for that failure
  void violation(std::string what);
  [[nodiscard]] const std::vector<std::string>& violations() const { return violations_; }
  [[nodiscard]] const std::vector<Execution>& executions() const { return executions_; }
  [[nodiscard]] bool is_executing(std::int64_t run_id) const { return executing_.contains(run_id); }
  [[nodiscard]] const std::map<std::int64_t, int>& notified() const { return notified_; }

 private:
  SimWorld& world_;
  std::vector<Row> rows_;           // run_id = index + 1
  std::set<std::int64_t> running_;  // ids of the rows whose status is `running`
  // By job, then slot: the rows of the slot (any attempt), and when a success of it ended.
  struct JobRows {
    SlotIndex slots;
  };
  JobRows& rows_of(const std::string& job) { return by_job_[job]; }
  void set_status(Row& r, core::RunStatus status);
  const config::JobConfig* job_config(const std::shared_ptr<const config::Config>& config,
                                      const std::string& name);
  [[nodiscard]] std::optional<std::int64_t> find(const std::string& job, schedule::Instant slot,
                                                 int attempt) const;
  std::unordered_map<std::string, JobRows> by_job_;
  std::map<std::string, std::vector<std::int64_t>> leases_;  // job -> holders
  std::unordered_map<std::string, Nanos> heartbeats_;
  std::unordered_set<std::string> stopped_;
  std::vector<Execution> executions_;
  std::map<std::int64_t, std::size_t> executing_;  // run id -> index in executions_
  std::vector<bool> executed_;  // by run id - 1: its SQL ran (a run id is one attempt of a slot)
  // The jobs of the config last asked about, by name.
  std::shared_ptr<const config::Config> indexed_;
  std::unordered_map<std::string_view, const config::JobConfig*> jobs_;
  std::map<std::tuple<std::string, std::int64_t, int>, int>
      hook_runs_;                         // hook, failed run, attempt
  std::map<std::int64_t, int> notified_;  // failed run id -> notify commands run
  std::vector<std::string> violations_;
};

}  // namespace sqlcron::sim
