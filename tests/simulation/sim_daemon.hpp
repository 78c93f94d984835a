// SimDaemon: one `sqlcrond serve` in the simulation - the real core::Scheduler, fed events on the
// simulated clock, with a simulated executor performing its actions against the SimDatabase:
// claims, leases, runs that take time and fail as their job's behaviour says, kills, the spool,
// health checks, the reads. It can be killed (kill -9: nothing it had in flight reports back,
// its connections close) and started again as a new instance of the same host.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/scheduler.hpp"
#include "sim_database.hpp"

namespace sqlcron::sim {

// How the simulated SQL of a job behaves.
struct Behaviour {
  Nanos min_duration = std::chrono::milliseconds(50);
  Nanos max_duration = std::chrono::seconds(2);
  double transient = 0.0;  // fails with deadlock (1213)
  double permanent = 0.0;  // fails with a syntax error (1064)
  double hang = 0.0;       // runs for an hour unless killed
};

struct SimStats {
  std::uint64_t events = 0;
  std::uint64_t crashes = 0;
  std::uint64_t restarts = 0;
  std::uint64_t reloads = 0;
  std::uint64_t kills = 0;
  std::array<std::uint64_t, std::variant_size_v<core::Event>> by_kind{};  // events by type
};

class SimDaemon {
 public:
  SimDaemon(SimWorld& world, SimDatabase& db, std::string host,
            std::shared_ptr<const config::Config> config, std::map<std::string, Behaviour> jobs,
            SimStats& stats, Nanos health_every = std::chrono::seconds(2));

  void boot();
  void crash();      // kill -9
  void terminate();  // SIGTERM
  void reload(std::shared_ptr<const config::Config> config);
  void file_arrived(const std::string& job);
  void thaw();         // the database answers again: what waited for it proceeds
  void server_down();  // the server went away: the SQL of its runs ended with 2013
  [[nodiscard]] bool alive() const { return alive_; }
  [[nodiscard]] const core::Scheduler* scheduler() const { return scheduler_.get(); }
  [[nodiscard]] const std::string& instance() const { return instance_; }

 private:
  struct Spooled {
    std::int64_t run_id = 0;  // 0: a skip row
    core::RunStatus status = core::RunStatus::succeeded;
    core::RunOrder skip;
  };
  struct Executing {
    std::int64_t run_id = 0;
    core::RunOrder order;
    std::uint64_t token = 0;
  };

  void feed(const core::Event& event);
  void trace(const std::string& text) const;
  void trace_action(const core::Action& action) const;
  void perform(const core::Action& action);
  // Runs `fn` after a round trip to the server, unless this daemon died meanwhile; a frozen
  // server answers when it thaws.
  // (Templates, defined in sim_daemon.cpp where they are used: the callback is stored once, in
  // the world's queue, not wrapped in a std::function per layer.)
  template <typename Fn>
  void db(Fn&& fn);
  template <typename Fn>
  void later(Nanos delay, Fn&& fn);
  void start(core::RunOrder order);
  void execute(core::RunOrder order, std::int64_t run_id);
  void end(std::uint64_t key, core::RunStatus status, int error_code);
  void record(const core::RunOrder& order, core::RunReport report);
  void kill(const core::action::Kill& k);
  void health();

  SimWorld& world_;
  SimDatabase& db_;
  std::string host_;
  std::string instance_;
  std::shared_ptr<const config::Config> config_;
  std::map<std::string, Behaviour> behaviour_;
  SimStats& stats_;
  Nanos health_every_;
  // SQLCRON_SIM_TRACE=<text>: print what the daemons do about it (a job's name, say).
  const char* trace_filter_;
  std::unique_ptr<core::Scheduler> scheduler_;
  bool alive_ = false;
  std::uint64_t generation_ = 0;
  std::uint64_t next_token_ = 0;
  // Outages of the server seen: a connection held across one (a run claimed ahead of its
  // instant, waiting for it) is dead, and its SQL fails with 2013 instead of running.
  std::uint64_t server_downs_ = 0;
  std::map<core::TimerId, std::uint64_t> timers_;  // armed timer -> its token
  std::map<std::uint64_t, Executing> executing_;   // by run key
  std::vector<Spooled> spool_;
  std::vector<std::function<void()>> frozen_;  // waiting for the server to thaw
};

}  // namespace sqlcron::sim
