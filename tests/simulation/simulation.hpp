// Simulation: N daemons (the real core::Scheduler each) against one SimDatabase on a simulated
// clock, with seeded random faults - the database down, frozen or read-only, a daemon killed and
// started again, SIGTERM and restart, reloads, wall-clock jumps both ways, slow, failing and hung
// runs, file arrivals. Invariants are checked as it goes (SimDatabase) and at the end (check()).
// The same seed replays the same run exactly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim_daemon.hpp"

namespace sqlcron::sim {

struct Faults {
  Nanos every{0};  // mean time between random faults; zero: none
  bool database = true;
  bool crashes = true;
  bool clock_jumps = true;
  bool reloads = true;
  // The daemons' database checks (2 s in production): coarser makes long runs faster; it must
  // stay well under the 60 s after which an instance is taken for dead.
  Nanos health_every = std::chrono::seconds(2);
};

struct Figures {
  double simulated_days = 0;
  std::uint64_t slots = 0;  // rows of scheduled jobs' slots
  std::uint64_t rows = 0;
  std::uint64_t executions = 0;
  std::uint64_t faults = 0;
  std::uint64_t events = 0;
  SimStats stats;
};

class Simulation {
 public:
  // `jobs` jobs of every kind (cron, chains, joins, hooks, notify, watched) on `daemons` daemons.
  Simulation(std::uint64_t seed, int jobs, int daemons, Faults faults);
  // A hand-made config instead of the generated one.
  Simulation(std::uint64_t seed, std::shared_ptr<const config::Config> config,
             const std::map<std::string, Behaviour>& behaviour, int daemons);

  void run_for(Nanos time);
  // Ends the faults, lets everything recover, then checks what must hold at the end.
  void settle(Nanos time = std::chrono::hours(2));
  // SIGTERM to every daemon, and the time to stop: then nothing is left `running`.
  void finish();
  // Every invariant broken so far, with the seed (empty: none).
  [[nodiscard]] std::vector<std::string> check() const;
  [[nodiscard]] Figures figures() const;

  SimWorld& world() { return world_; }
  SimDatabase& database() { return db_; }
  SimDaemon& daemon(int i) { return *daemons_.at(i); }
  [[nodiscard]] const config::Config& config() const { return *config_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }

  // Faults the cases use by hand.
  void database_down(Nanos for_time);
  void database_frozen(Nanos for_time);
  void database_read_only(Nanos for_time);
  void lost_replies(double share, Nanos for_time);

 private:
  void boot();
  void next_fault();
  void fault();
  void set_availability(Availability a);

  std::uint64_t seed_;
  Faults faults_;
  SimWorld world_;
  SimDatabase db_;
  std::shared_ptr<const config::Config> config_;
  std::vector<std::unique_ptr<SimDaemon>> daemons_;
  std::chrono::system_clock::time_point start_;
  bool faulting_ = true;
  std::uint64_t faults_injected_ = 0;
  int outages_ = 0;  // database faults in progress
  SimStats stats_;
};

// The generated workload: its config and how each job's SQL behaves.
std::shared_ptr<const config::Config> generated_config(std::mt19937_64& rng, int jobs,
                                                       std::map<std::string, Behaviour>& behaviour);

}  // namespace sqlcron::sim
