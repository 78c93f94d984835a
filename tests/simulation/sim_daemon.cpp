#include "sim_daemon.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "util/overloaded.hpp"

namespace sqlcron::sim {

namespace {

constexpr Nanos kRoundTrip = std::chrono::milliseconds(1);

int lease_limit(const core::RunOrder& o) {
  if (o.cause == core::RunCause::failure_hook || o.cause == core::RunCause::manual) return 0;
  const auto& job = o.job_config();
  return job.overlap == config::Overlap::allow ? job.max_instances : 1;
}

}  // namespace

template <typename Fn>
void SimDaemon::later(Nanos delay, Fn&& fn) {
  world_.after(delay, [this, gen = generation_, fn = std::forward<Fn>(fn)]() mutable {
    if (alive_ && gen == generation_) fn();
  });
}

template <typename Fn>
void SimDaemon::db(Fn&& fn) {
  world_.after(kRoundTrip, [this, gen = generation_, fn = std::forward<Fn>(fn)]() mutable {
    if (!alive_ || gen != generation_) return;
    if (db_.availability == Availability::frozen) {
      frozen_.emplace_back(std::move(fn));
    } else {
      fn();
    }
  });
}

SimDaemon::SimDaemon(SimWorld& world, SimDatabase& db, std::string host,
                     std::shared_ptr<const config::Config> config,
                     std::map<std::string, Behaviour> jobs, SimStats& stats, Nanos health_every)
    : world_(world),
      db_(db),
      host_(std::move(host)),
      config_(std::move(config)),
      behaviour_(std::move(jobs)),
      stats_(stats),
      health_every_(health_every),
      trace_filter_(std::getenv("SQLCRON_SIM_TRACE")) {}

void SimDaemon::boot() {
  const auto gen = ++generation_;
  if (db_.availability != Availability::up) {
    // `serve` exits 69 without a database; systemd starts it again.
    world_.after(std::chrono::seconds(5), [this, gen] {
      if (!alive_ && gen == generation_) boot();
    });
    return;
  }
  if (!instance_.empty()) db_.mark_stopped(instance_);  // mark_dead_local: its pid is gone
  instance_ = fmt::format("{}#{}", host_, stats_.restarts++);
  alive_ = true;
  db_.heartbeat(instance_);
  core::SchedulerOptions options;
  options.instance = instance_;
  options.seed = world_.rng()();
  options.health_every = std::chrono::duration_cast<std::chrono::milliseconds>(health_every_);
  scheduler_ = std::make_unique<core::Scheduler>(config_, options, world_.now());
  feed(core::event::Begin{});
}

void SimDaemon::crash() {
  if (!alive_) return;
  ++stats_.crashes;
  alive_ = false;
  ++generation_;
  // Its connections close: the server ends their SQL. Rows stay `running` until swept.
  for (const auto& [key, e] : executing_) db_.executed(e.run_id, false);
  executing_.clear();
  timers_.clear();
  frozen_.clear();
  scheduler_.reset();  // the spool is a file: it survives
}

void SimDaemon::terminate() { feed(core::event::Stop{"SIGTERM"}); }

void SimDaemon::reload(std::shared_ptr<const config::Config> config) {
  config_ = config;
  ++stats_.reloads;
  feed(core::event::Reload{std::move(config)});
}

void SimDaemon::file_arrived(const std::string& job) {
  feed(core::event::FileArrived{job, "data.csv"});
}

void SimDaemon::thaw() {
  auto waiting = std::move(frozen_);
  frozen_.clear();
  for (auto& fn : waiting) later(kRoundTrip, std::move(fn));
}

void SimDaemon::server_down() {
  ++server_downs_;
  std::vector<std::uint64_t> keys;
  for (const auto& [key, e] : executing_) keys.push_back(key);
  for (const auto key : keys) end(key, core::RunStatus::failed, 2013);
}

void SimDaemon::trace(const std::string& text) const {
  if (trace_filter_ == nullptr || text.find(trace_filter_) == std::string::npos) return;
  std::printf(
      "%12.3f %s %s  %s\n", std::chrono::duration<double>(world_.steady()).count(),
      date::format("%FT%TZ", std::chrono::floor<std::chrono::milliseconds>(world_.wall())).c_str(),
      instance_.c_str(), text.c_str());
}

void SimDaemon::feed(const core::Event& event) {
  if (!alive_) return;
  ++stats_.events;
  ++stats_.by_kind[event.index()];
  // The trace's text is made only when it is asked for: formatting it costs more than the rest.
  const bool tracing = trace_filter_ != nullptr;
  if (const auto* f = std::get_if<core::event::Finished>(&event); tracing && f != nullptr) {
    trace(fmt::format(
        "finished {} {} attempt {} run {} claimed {} status {} lost {} overlapped '{}'",
        f->order.job_config().name, date::format("%FT%TZ", f->order.scheduled_for),
        f->order.attempt, f->report.run_id, f->report.claimed,
        core::to_string(f->report.outcome.status), f->lost_database, f->report.overlapped_by));
  }
  for (const auto& action : scheduler_->handle(event, world_.now())) {
    if (!alive_) return;
    if (tracing) trace_action(action);
    perform(action);
  }
}

void SimDaemon::trace_action(const core::Action& action) const {
  if (const auto* l = std::get_if<core::action::Log>(&action)) trace(l->text);
  if (const auto* s = std::get_if<core::action::Start>(&action)) {
    for (const auto& o : s->runs) {
      trace(fmt::format("start {} {} attempt {} cause {}", o.job_config().name,
                        date::format("%FT%TZ", o.scheduled_for), o.attempt,
                        core::to_string(o.cause)));
    }
  }
  if (const auto* s = std::get_if<core::action::RecordSkip>(&action)) {
    trace(fmt::format("skip {} {}: {}", s->run.job_config().name,
                      date::format("%FT%TZ", s->run.scheduled_for), s->reason));
  }
}

void SimDaemon::perform(const core::Action& action) {
  std::visit(
      util::Overloaded{
          [&](const core::action::Start& a) {
            for (const auto& o : a.runs) start(o);
          },
          [&](const core::action::Claim& a) {
            db([this, run = a.run] {
              if (db_.availability != Availability::up) {
                feed(core::event::Claimed{run.key, std::nullopt, true});
                return;
              }
              const auto id = db_.claim(run, instance_);
              if (id && world_.uniform() < db_.lost_replies) {  // inserted; the reply is lost
                feed(core::event::Claimed{run.key, std::nullopt, true});
                return;
              }
              feed(core::event::Claimed{run.key, id, false});
            });
          },
          [&](const core::action::RecordSkip& a) {
            db([this, run = a.run] {
              if (db_.availability == Availability::up) {
                db_.skip(run, instance_);
              } else {
                spool_.push_back({0, core::RunStatus::skipped, run});
              }
            });
          },
          [&](const core::action::GiveUp& a) {
            core::RunReport report;
            report.claimed = true;
            report.run_id = a.run.claimed_run_id.value_or(0);
            report.scheduled_for = a.run.scheduled_for;
            report.outcome.status = core::RunStatus::skipped;
            record(a.run, report);
          },
          [&](const core::action::Kill& a) { kill(a); },
          [&](const core::action::ArmTimer& a) {
            const auto token = ++next_token_;
            timers_[a.timer] = token;
            later(a.after, [this, id = a.timer, token] {
              const auto it = timers_.find(id);
              if (it == timers_.end() || it->second != token) return;
              timers_.erase(it);
              feed(core::event::TimerFired{id});
            });
          },
          [&](const core::action::CancelTimer& a) { timers_.erase(a.timer); },
          [&](const core::action::CheckHealth&) { health(); },
          [&](const core::action::ResolveInDoubt& a) {
            db([this, runs = a.runs] {
              if (db_.availability != Availability::up) return;
              core::event::Resolved resolved;
              for (const auto& r : runs) {
                if (db_.abandon_in_doubt(r.job_config().name, r.scheduled_for, r.attempt,
                                         instance_)) {
                  resolved.abandoned.push_back(
                      {r.job_config().name, r.scheduled_for, r.attempt, r.chain_run_id});
                }
              }
              if (!resolved.abandoned.empty()) feed(resolved);
            });
          },
          [&](const core::action::ReadLastSlots& a) {
            db([this, until = a.until] {
              if (db_.availability == Availability::down) return;
              feed(core::event::LastSlots{until, db_.last_slots(until)});
            });
          },
          [&](const core::action::ReadPendingChain& a) {
            db([this, a] {
              if (db_.availability == Availability::down) return;
              auto slots = db_.pending_chain(a.step, a.upstream, a.since);
              if (!slots.empty()) feed(core::event::PendingChainSlots{a.step, std::move(slots)});
            });
          },
          [&](const core::action::CheckUpstream& a) {
            db([this, a] {
              if (db_.availability == Availability::down) return;
              if (const auto first = db_.upstream_done(a.upstream, a.slot)) {
                feed(core::event::UpstreamDone{a.step, a.slot, std::min(*first, a.chain)});
              }
            });
          },
          [&](const core::action::RunNotify& a) { db_.hooked(a.failure->run_id); },
          [&](const core::action::Exit& a) {
            alive_ = false;
            ++generation_;
            for (const auto& [key, e] : executing_) db_.executed(e.run_id, false);
            executing_.clear();
            timers_.clear();
            if (!a.forced) db_.mark_stopped(instance_);
          },
          [&](const auto&) {},  // logs, sd_notify, the mirror, watchers: nothing to simulate
      },
      action);
}

void SimDaemon::start(core::RunOrder order) {
  db([this, order]() mutable {
    if (db_.availability != Availability::up) {  // the claim fails: error 2013 or 1290
      feed(core::event::Finished{order, {}, true});
      return;
    }
    const bool claiming = !order.claimed_run_id;
    const auto run_id = claiming ? db_.claim(order, instance_) : order.claimed_run_id;
    if (!run_id) {
      feed(core::event::Finished{order, {}, false});
      return;
    }
    if (claiming && world_.uniform() < db_.lost_replies) {  // inserted, but the reply is lost
      feed(core::event::Finished{order, {}, true});
      return;
    }
    order.claimed_run_id = *run_id;
    const int limit = lease_limit(order);
    if (limit > 0 && !db_.take_lease(order.job_config().name, *run_id, limit)) {
      core::RunReport report;
      report.claimed = true;
      report.run_id = *run_id;
      report.scheduled_for = db_.row(*run_id).slot;
      const auto& job = order.job_config();
      if (job.overlap == config::Overlap::queue || order.cause == core::RunCause::retry ||
          order.cause == core::RunCause::catchup) {
        report.overlapped_by = "another run";
        feed(core::event::Finished{order, report, false});
        return;
      }
      db_.finish(*run_id, core::RunStatus::skipped);
      report.outcome.status = core::RunStatus::skipped;
      feed(core::event::Finished{order, report, false});
      return;
    }
    execute(order, *run_id);
  });
}

void SimDaemon::execute(core::RunOrder order, std::int64_t run_id) {
  const auto wait = order.not_before ? *order.not_before - world_.wall() : Nanos::zero();
  later(std::chrono::duration_cast<Nanos>(wait), [this, order, run_id, downs = server_downs_] {
    const core::event::Started started{order.key, run_id, static_cast<std::uint64_t>(run_id),
                                       world_.wall()};
    if (downs != server_downs_ || db_.availability == Availability::down) {
      // The connection it claimed on died with the server while it waited for its instant:
      // its SQL fails with 2013 (as the real worker's, which sends it on that connection).
      feed(started);
      if (!alive_) return;
      core::RunReport report;
      report.claimed = true;
      report.run_id = run_id;
      report.scheduled_for = db_.row(run_id).slot;
      report.outcome.status = core::RunStatus::failed;
      report.outcome.error_code = 2013;
      record(order, report);
      return;
    }
    db_.executing(config_, run_id, world_.steady());
    feed(started);
    const auto& b = behaviour_[order.job_config().name];
    const double r = world_.uniform();
    auto status = core::RunStatus::succeeded;
    int code = 0;
    Nanos duration = b.min_duration + std::chrono::duration_cast<Nanos>(
                                          (b.max_duration - b.min_duration) * world_.uniform());
    if (r < b.hang) {
      duration = std::chrono::hours(1);
    } else if (r < b.hang + b.transient) {
      status = core::RunStatus::failed;
      code = 1213;
    } else if (r < b.hang + b.transient + b.permanent) {
      status = core::RunStatus::failed;
      code = 1064;
    }
    const auto token = ++next_token_;
    executing_[order.key] = Executing{run_id, order, token};
    later(duration, [this, key = order.key, token, status, code] {
      const auto it = executing_.find(key);
      if (it != executing_.end() && it->second.token == token) end(key, status, code);
    });
  });
}

void SimDaemon::end(std::uint64_t key, core::RunStatus status, int error_code) {
  auto e = executing_.at(key);
  executing_.erase(key);
  if (db_.availability == Availability::down) {  // its connection died with the server
    status = core::RunStatus::failed;
    error_code = 2013;
  }
  db_.executed(e.run_id, status == core::RunStatus::succeeded);
  core::RunReport report;
  report.claimed = true;
  report.run_id = e.run_id;
  report.scheduled_for = db_.row(e.run_id).slot;
  report.outcome.status = status;
  report.outcome.error_code = error_code;
  record(e.order, report);
}

void SimDaemon::record(const core::RunOrder& order, core::RunReport report) {
  db([this, order, report]() mutable {
    if (db_.availability == Availability::up) {
      db_.finish(report.run_id, report.outcome.status);
      feed(core::event::Finished{order, report, false});
      return;
    }
    spool_.push_back({report.run_id, report.outcome.status, {}});
    report.spooled = true;
    feed(core::event::Finished{order, report, true});
  });
}

void SimDaemon::kill(const core::action::Kill& k) {
  db([this, k] {
    if (db_.availability == Availability::down) return;  // the KILL cannot be sent
    if (!executing_.contains(k.key)) return;             // its SQL has ended
    ++stats_.kills;
    end(k.key,
        k.reason == core::StopReason::timeout ? core::RunStatus::timed_out
                                              : core::RunStatus::cancelled,
        1927);
  });
}

void SimDaemon::health() {
  db([this] {
    core::HealthReport h;
    if (db_.availability == Availability::down) {
      h.error = "error 2003: cannot connect";
    } else {
      db_.heartbeat(instance_);
      h.up = true;
      h.read_only = db_.availability == Availability::read_only;
      if (!h.read_only) {
        for (const auto& s : spool_) {
          if (s.run_id != 0) {
            db_.finish(s.run_id, s.status);
          } else {
            db_.skip(s.skip, instance_);
          }
        }
        h.replayed = spool_.size();
        spool_.clear();
        h.abandoned = db_.sweep(instance_);
      }
    }
    feed(core::event::HealthChecked{std::move(h)});
  });
}

}  // namespace sqlcron::sim
