#include "runtime/daemon.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <csignal>
#include <string_view>
#include <unordered_set>

#include "config/config_error.hpp"
#include "util/overloaded.hpp"

namespace sqlcron::runtime {

namespace {

core::Now clocks() { return {std::chrono::system_clock::now(), std::chrono::steady_clock::now()}; }

core::SchedulerOptions scheduler_options(const DaemonOptions& o) {
  core::SchedulerOptions s;
  s.instance = o.instance;
  s.heartbeat_interval = o.heartbeat_interval;
  s.kill_grace = o.kill_grace;
  s.reconnect_min = o.reconnect_min;
  s.reconnect_max = o.reconnect_max;
  s.seed = std::random_device{}();
  return s;
}

}  // namespace

Daemon::Daemon(const mysql::Connector& connector, mysql::ConnectionPool& pool,
               std::shared_ptr<const config::Config> config, DaemonOptions options)
    : options_(std::move(options)),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      tick_timer_(io_),
      watchdog_timer_(io_),
      spool_(config->scheduler.state_dir + "/runs.spool"),
      scheduler_(std::move(config), scheduler_options(options_), clocks()),
      control_(
          connector, pool, scheduler_.config().scheduler, options_.instance, spool_,
          board_.metrics(),
          [this](core::Event e) { boost::asio::post(io_, [this, e = std::move(e)] { feed(e); }); }),
      watchers_(io_,
                [this](const std::string& job, const std::string& file) {
                  feed(core::event::FileArrived{job, file});
                }),
      launcher_(connector, pool, scheduler_.config(), options_.instance, spool_,
                [this](core::Event e) {
                  boost::asio::post(io_, [this, e = std::move(e)] { feed(e); });
                }) {}

Daemon::~Daemon() {
  launcher_.stop();
  control_.stop();
  board_.stop_http();
}

bool Daemon::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) on_signal(signo);
  });
  board_.start_http(scheduler_.config().http);
  tick();
  feed(core::event::Begin{});
  watchdog();
  io_.run();
  board_.stop_http();
  if (forced_) return false;  // workers may be stuck on the server: not joined
  watchers_.clear();
  launcher_.stop();
  control_.stop();
  spdlog::info("stopped");
  return true;
}

void Daemon::feed(const core::Event& event) {
  const auto now = clocks();
  observe(event, now);
  for (const auto& action : scheduler_.handle(event, now)) perform(action);
  board_.metrics().set_running(static_cast<int>(scheduler_.running()));
  board_.set_database(scheduler_.database_up(), scheduler_.read_only());
  if (scheduler_.stopping()) {
    launcher_.stopping();
    watchdog_timer_.cancel();
  }
}

void Daemon::observe(const core::Event& event, const core::Now& now) {
  auto& m = board_.metrics();
  if (const auto* s = std::get_if<core::event::Started>(&event)) {
    if (const auto* order = scheduler_.order(s->key)) {
      // A slot claimed ahead of its instant (kLead) reports no negative lag.
      m.run_started(order->job_config().name, std::max<std::chrono::system_clock::duration>(
                                                  now.wall - order->scheduled_for,
                                                  std::chrono::system_clock::duration::zero()));
    }
  } else if (const auto* f = std::get_if<core::event::Finished>(&event)) {
    launcher_.forget(f->order.key);
    if (f->lost_database) m.set_results_lost(spool_.lost());
    if (f->report.claimed) {
      const auto& name = f->order.job_config().name;
      m.run_finished(name, core::to_string(f->report.outcome.status), f->report.outcome.duration);
      if (f->report.outcome.status == core::RunStatus::succeeded) {
        m.set_last_success(name, now.wall);
      }
    }
  } else if (const auto* h = std::get_if<core::event::HealthChecked>(&event)) {
    board_.check_answered(h->health.error);
    m.set_results_lost(spool_.lost());
  }
}

void Daemon::perform(const core::Action& action) {
  std::visit(util::Overloaded{
                 [&](const core::action::Start& a) { launcher_.start(a.runs); },
                 [&](const core::action::Claim& a) { launcher_.claim(a.run); },
                 [&](const core::action::RecordSkip& a) {
                   board_.metrics().run_finished(a.run.job_config().name, "skipped",
                                                 std::chrono::duration<double>(0));
                   launcher_.skip(a.run, a.reason);
                 },
                 [&](const core::action::GiveUp& a) { launcher_.give_up(a.run, a.reason); },
                 [&](const core::action::Kill& a) { kill(a); },
                 [&](const core::action::RecordStarted& a) { launcher_.record_started(a); },
                 [&](const core::action::ArmTimer& a) { arm(a.timer, a.after); },
                 [&](const core::action::CancelTimer& a) { cancel(a.timer); },
                 [&](const core::action::CheckHealth&) {
                   board_.check_posted();
                   control_.check_health();
                 },
                 [&](const core::action::CheckKillPrivilege&) { control_.check_kill_privilege(); },
                 [&](const core::action::ResolveInDoubt& a) { control_.resolve_in_doubt(a.runs); },
                 [&](const core::action::ReadLastSlots& a) { control_.read_last_slots(a.until); },
                 [&](const core::action::ReadPendingChain& a) { control_.read_pending_chain(a); },
                 [&](const core::action::CheckUpstream& a) { control_.check_upstream(a); },
                 [&](const core::action::RunNotify& a) { control_.run_notify(a); },
                 [&](const core::action::Log& a) {
                   const auto level = a.level == core::LogLevel::error  ? spdlog::level::err
                                      : a.level == core::LogLevel::warn ? spdlog::level::warn
                                                                        : spdlog::level::info;
                   spdlog::log(level, "{}", a.text);
                 },
                 [&](const core::action::SystemdNotify& a) {
                   if (options_.notify) options_.notify(a.state);
                 },
                 [&](const core::action::SyncMirror&) { sync_mirror(); },
                 [&](const core::action::WatchDirs&) { watchers_.watch(scheduler_.config()); },
                 [&](const core::action::Rescan& a) { watchers_.rescan(a.job); },
                 [&](const core::action::NextFires& a) { next_fires(a.jobs); },
                 [&](const core::action::Exit& a) {
                   forced_ = a.forced;
                   signals_.cancel();
                   io_.stop();
                 },
             },
             action);
}

void Daemon::arm(const core::TimerId& id, std::chrono::steady_clock::duration after) {
  auto& timer = timers_[id];
  if (!timer) timer = std::make_unique<boost::asio::steady_timer>(io_);
  timer->expires_after(after);
  timer->async_wait([this, id](const boost::system::error_code& ec) {
    if (ec) return;
    if (id.kind != core::TimerId::Kind::wake && id.kind != core::TimerId::Kind::health &&
        id.kind != core::TimerId::Kind::grace) {
      timers_.erase(id);  // one-shot: a run's timeout, retry or turn
    }
    feed(core::event::TimerFired{id});
  });
}

void Daemon::cancel(const core::TimerId& id) {
  const auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

void Daemon::kill(const core::action::Kill& k) {
  const auto control = launcher_.control(k.key);
  // Once, and only while its SQL runs: its connection may serve another run after that.
  if (!control || control->ended()) return;
  control_.kill(k.run_id, k.connection_id,
                k.reason == core::StopReason::timeout ? exec::RunControl::Reason::timeout
                                                      : exec::RunControl::Reason::shutdown,
                control);
}

void Daemon::sync_mirror() {
  const auto& jobs = scheduler_.config().jobs;
  std::vector<runlog::JobMirrorEntry> entries;
  entries.reserve(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    entries.push_back(runlog::JobMirrorEntry{&jobs[i], scheduler_.next_fire(i)});
  }
  // The entries point into the config: the control thread keeps it alive while it writes them.
  control_.sync_mirror(std::move(entries), scheduler_.shared_config());
}

void Daemon::next_fires(const std::vector<std::size_t>& jobs) {
  const auto& all = scheduler_.config().jobs;
  const auto set = [&](std::size_t i) {
    const auto next = scheduler_.next_fire(i);
    board_.metrics().set_next_fire(all[i].name, next ? std::optional(*next) : std::nullopt);
  };
  if (jobs.empty()) {
    for (std::size_t i = 0; i < all.size(); ++i) set(i);
  }
  for (const auto i : jobs) set(i);
}

void Daemon::on_signal(int signo) {
  if (signo == SIGHUP) {
    reload();
  } else {
    feed(core::event::Stop{signo == SIGTERM ? "SIGTERM" : "SIGINT"});
  }
  if (!io_.stopped()) {
    signals_.async_wait([this](const boost::system::error_code& ec, int s) {
      if (!ec) on_signal(s);
    });
  }
}

void Daemon::reload() {
  if (scheduler_.stopping()) return;
  if (options_.notify) options_.notify("RELOADING=1");
  spdlog::info("received SIGHUP: reloading the configuration");
  std::shared_ptr<const config::Config> config;
  try {
    config = options_.reload();
  } catch (const config::ConfigError& e) {
    spdlog::error("reload rejected; the previous configuration stays in force:");
    // One log line per problem: a message never carries a line break (logging.hpp).
    std::string_view all = e.what();
    while (!all.empty()) {
      const auto end = all.find('\n');
      if (end != 0) spdlog::error("  {}", all.substr(0, end));
      all = end == std::string_view::npos ? std::string_view() : all.substr(end + 1);
    }
  } catch (const std::exception& e) {  // last resort: the loader turns what it meets into the above
    spdlog::error("reload rejected; the previous configuration stays in force: {}", e.what());
  }
  board_.metrics().config_reloaded(config != nullptr);
  if (config) {
    std::unordered_set<std::string_view> kept;
    kept.reserve(config->jobs.size());
    for (const auto& j : config->jobs) kept.insert(j.name);
    for (const auto& old : scheduler_.config().jobs) {
      if (!kept.contains(old.name)) board_.metrics().forget_job(old.name);
    }
    feed(core::event::Reload{std::move(config)});
  }
  if (options_.notify) options_.notify("READY=1");
}

void Daemon::tick() {
  board_.tick();  // proves the loop alive to /healthz
  feed(core::event::Tick{});
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void Daemon::watchdog() {
  if (options_.watchdog_interval.count() == 0 || !options_.notify) return;
  options_.notify("WATCHDOG=1");
  watchdog_timer_.expires_after(options_.watchdog_interval);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) watchdog();
  });
}

}  // namespace sqlcron::runtime
