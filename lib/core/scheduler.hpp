// Scheduler: every scheduling decision of `sqlcrond serve`, as a pure state machine in the
// sans-io style. The executor (runtime::Daemon) feeds it events with the time it read once for
// each, performs the actions it returns, and feeds their results back as events. No I/O, no
// clock, no threads: the deterministic simulation (tests/simulation) drives several of them
// against a simulated database and clock.
//
// It owns (docs/semantics.md, docs/pipelines.md): which slots are due and when to wake (Planner),
// overlap (local view, and the cross-daemon lease through RunReport::overlapped_by), retries of
// transient errors with backoff, misfire catch-up at start and after the database comes back,
// chains, joins and transitive skips, failure hooks and notify commands, pausing while the
// database is unreachable or read-only, reloads, wall-clock jumps, timeouts, the shutdown grace
// and the kills after it, and the rows of slots that do not run.
//
// Each run it ordered is in one state (RunState) from Start until its final Finished.
//
// Error contract: handle() does not throw for anything an event can carry; it throws only on a
// broken invariant (std::logic_error), which is a bug.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/job_graph.hpp"
#include "core/failure_follow_up.hpp"
#include "core/planner.hpp"
#include "core/scheduler_action.hpp"
#include "core/scheduler_event.hpp"

namespace sqlcron::core {

struct SchedulerOptions {
  std::string instance;
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(10)};
  // After the KILLs at the end of the shutdown grace, how long runs may take to end.
  std::chrono::milliseconds kill_grace{std::chrono::seconds(5)};
  // Database checks while it is unreachable: the wait doubles from min to max.
  std::chrono::milliseconds reconnect_min{std::chrono::milliseconds(500)};
  std::chrono::milliseconds reconnect_max{std::chrono::seconds(5)};
  // How often the database is checked while it is up (a frozen server shows in /healthz within
  // this); it is also the heartbeat, so it must stay well under the 60 s after which an
  // instance is taken for dead.
  std::chrono::milliseconds health_every{std::chrono::seconds(2)};
  std::uint64_t seed = 0;  // retry jitter
};

enum class RunState {
  queued,         // waits for the job's running run; its row is claimed (Claim) meanwhile
  starting,       // ordered (Start): being claimed, or waiting for a worker
  running,        // its SQL started (Started)
  waiting_turn,   // claimed; another daemon's run of the job holds the overlap lease
  retry_backoff,  // failed with a transient error; the next attempt waits for its backoff
};

class Scheduler {
 public:
  using Actions = std::vector<Action>;

  Scheduler(std::shared_ptr<const config::Config> config, SchedulerOptions options, Now now);

  Actions handle(const Event& event, Now now);

  // For the executor's status, metrics and health endpoint.
  [[nodiscard]] const config::Config& config() const { return *plan_.config; }
  [[nodiscard]] const std::shared_ptr<const config::Config>& shared_config() const {
    return plan_.config;
  }
  [[nodiscard]] std::optional<schedule::Instant> next_fire(std::size_t job) const {
    return plan_.planner->next_fire(job);
  }
  [[nodiscard]] bool stopping() const { return stopping_; }
  [[nodiscard]] bool database_up() const { return db_up_; }
  [[nodiscard]] bool read_only() const { return read_only_; }
  [[nodiscard]] std::size_t running() const;  // runs whose SQL started
  [[nodiscard]] std::size_t in_flight() const { return runs_.size(); }
  [[nodiscard]] std::string status() const;
  [[nodiscard]] const RunOrder* order(std::uint64_t key) const {  // a run not over, or nullptr
    const auto it = runs_.find(key);
    return it == runs_.end() ? nullptr : &it->second.order;
  }  // one line for systemd's STATUS=

 private:
  struct Plan {
    std::shared_ptr<const config::Config> config;
    std::unique_ptr<Planner> planner;
    std::unique_ptr<config::JobGraph> graph;
    std::unordered_map<std::string_view, std::size_t> index;  // job name -> index in config
    // When each job entered the plan (start or the reload that added it): a job with no row
    // yet catches up from there.
    std::vector<TimePoint> since;
  };
  struct Run {
    RunState state = RunState::starting;
    RunOrder order;
    std::int64_t run_id = 0;
    std::uint64_t connection_id = 0;
    std::chrono::system_clock::time_point started_at{};
    bool killed = false;            // KILL sent
    bool start_unrecorded = false;  // batch-claimed: its row learns connection and start later
    RunReport previous;             // retry_backoff: the attempt that failed
    std::string holder;             // waiting_turn: who holds the lease
    bool release_pending = false;   // queued: its turn came before its claim was answered
    std::string give_up;            // queued: not to run after all (why), once claimed
  };

  static Plan make_plan(std::shared_ptr<const config::Config> config, TimePoint from);
  // scheduler.cpp: firing.
  void begin();
  void wake();
  void detect_clock_jump();
  void arm();
  void dispatch(const std::vector<Decision>& decisions);
  void release(const std::string& job);  // the job's run (with its retries) is over
  // scheduler_runs.cpp: the life of a run.
  void started(const event::Started& e);
  void claimed(const event::Claimed& e);
  void start_queued(Run& run);
  Run* queued_run(const std::string& job, schedule::Instant slot);
  void finished(const event::Finished& e);
  void timer(const TimerId& t);
  void retry(Run& run, const RunReport& report);
  void wait_for_turn(Run& run, const RunReport& report);
  void drop_retry(std::uint64_t key);
  void kill(Run& run, StopReason why);
  void tick();
  // scheduler_pipeline.cpp: what follows a run's final outcome; watched directories.
  void follow_up(const RunOrder& order, const RunReport& report);
  void start_downstream(std::size_t job, schedule::Instant slot, std::int64_t chain);
  void offer_chain(std::size_t job, schedule::Instant slot, std::int64_t chain);
  void skip_downstream(std::size_t job, schedule::Instant slot, std::int64_t chain,
                       const std::string& reason);
  void fire_hooks(const FailureFollowUp& f);
  void fire_pending_hooks();
  void catch_up_chains(schedule::Instant now);
  void pending_chain(const event::PendingChainSlots& e);
  void file_arrived(const event::FileArrived& e);
  // scheduler_control.cpp: the database, signals, reload, shutdown.
  void health_checked(const HealthReport& h);
  void retry_abandoned(const std::vector<AbandonedRun>& abandoned);
  void catch_up();
  void last_slots(const event::LastSlots& e);
  void check_health(std::chrono::milliseconds after);
  void lost_database();
  void stop(const std::string& signal);
  void grace_over();
  void maybe_stop();
  void reload(std::shared_ptr<const config::Config> config);

  [[nodiscard]] std::optional<std::size_t> job_index(std::string_view name) const;
  [[nodiscard]] bool paused() const { return !db_up_ || read_only_; }
  [[nodiscard]] RunOrder order_of(const Slot& slot);
  template <typename A>
  void act(A&& a) {
    out_.emplace_back(std::forward<A>(a));
  }
  void log(LogLevel level, std::string text) { act(action::Log{level, std::move(text)}); }

  SchedulerOptions options_;
  Plan plan_;
  Now now_{};
  Actions out_;  // what handle() returns
  // How long before a slot's instant the loop wakes to claim it (kLead, more for big batches).
  std::chrono::microseconds lead_;
  // The furthest time the plan has been asked for due slots: a new plan (reload) starts there.
  TimePoint horizon_{};
  std::map<std::uint64_t, Run> runs_;  // by key: every run ordered and not over
  std::uint64_t next_key_ = 1;
  // Chain steps offered, so that two upstream jobs finishing together start a step once.
  std::set<std::pair<std::string, schedule::Instant>> chained_;
  std::map<std::string, schedule::Instant> last_watch_slot_;
  // Claims whose reply was lost: their rows may exist, `running`, started by no one. Resolved
  // (abandoned, and retried if attempts remain) once the database answers again.
  std::vector<RunOrder> in_doubt_;
  // Failure hooks (by name) due while the database was away.
  std::vector<std::pair<std::string, Slot>> pending_hooks_;
  std::mt19937_64 rng_;
  bool stopping_ = false;
  bool grace_over_ = false;
  bool db_up_ = true;
  bool read_only_ = false;
  std::chrono::milliseconds backoff_;
  std::chrono::steady_clock::time_point down_since_{};
  Now last_{};  // the clocks at the previous wake, to notice wall-clock jumps
};

}  // namespace sqlcron::core
