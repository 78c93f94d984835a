#include "simulation.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include <set>

namespace sqlcron::sim {

namespace {

const auto kStart = date::sys_days{date::year{2027} / 1 / 4} + std::chrono::seconds(17);

Nanos between(SimWorld& w, Nanos lo, Nanos hi) {
  return lo + std::chrono::duration_cast<Nanos>((hi - lo) * w.uniform());
}

config::JobConfig job(std::string name) {
  config::JobConfig j;
  j.name = std::move(name);
  j.sql = "SELECT 1";
  return j;
}

}  // namespace

std::shared_ptr<const config::Config> generated_config(
    std::mt19937_64& rng, int jobs, std::map<std::string, Behaviour>& behaviour) {
  auto c = std::make_shared<config::Config>();
  c->scheduler.zone = date::locate_zone("UTC");
  const auto zone = c->scheduler.zone;
  const auto defined = std::chrono::floor<std::chrono::seconds>(kStart);
  const auto uniform = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  std::vector<std::string> roots;  // hourly or rarer jobs chains hang from
  std::vector<std::string> hooks;
  for (int i = 0; i < jobs; ++i) {
    auto j = job(fmt::format("job_{:03}", i));
    Behaviour b;
    const double kind = uniform();
    std::string expr;
    if (i < 2) {
      expr = "* * * * *";  // every minute, runs that sometimes outlast it: overlap
      b.max_duration = std::chrono::seconds(90);
    } else if (kind < 0.10) {
      expr = fmt::format("{}/15 * * * *", i % 15);
    } else if (kind < 0.45) {
      expr = fmt::format("{} * * * *", i % 60);
    } else if (kind < 0.55) {
      expr = fmt::format("{} */6 * * *", i % 60);
    } else if (kind < 0.62) {
      expr = fmt::format("{} {} * * *", i % 60, i % 24);
    } else if (kind < 0.80 && !roots.empty()) {
      j.after = {roots[static_cast<std::size_t>(uniform() * static_cast<double>(roots.size()))]};
      if (kind > 0.75) {  // a diamond join: after the root and one of its steps
        for (const auto& other : c->jobs) {
          if (other.after == j.after) {
            j.after.push_back(other.name);
            break;
          }
        }
      }
    } else if (kind < 0.88) {
      hooks.push_back(j.name);  // a failure hook: runs only when another job finally fails
    } else if (kind < 0.93) {
      j.watch = fmt::format("/sim/inbox/{}", i);
    } else {
      expr = fmt::format("{} {} * * *", (i * 7) % 60, (i * 5) % 24);
    }
    if (!expr.empty()) {
      j.schedule = schedule::Schedule::parse(expr, zone, defined);
      if (kind < 0.62 && kind >= 0.10) roots.push_back(j.name);
    }
    j.overlap = i % 7 == 0    ? config::Overlap::queue
                : i % 11 == 0 ? config::Overlap::allow
                              : config::Overlap::skip;
    j.max_instances = j.overlap == config::Overlap::allow ? 2 : 1;
    j.misfire = i % 3 == 0   ? config::Misfire::run_all
                : i % 3 == 1 ? config::Misfire::run_once
                             : config::Misfire::skip;
    j.misfire_grace = std::chrono::hours(6);
    if (i % 4 == 0) {
      j.retry = config::RetryPolicy{3, std::chrono::seconds(1), std::chrono::seconds(20)};
    }
    if (i % 5 == 0) {
      j.timeout = std::chrono::seconds(60);
      b.hang = 0.01;
    }
    if (i % 6 == 0) j.notify = std::make_shared<const config::NotifyConfig>();
    if (i % 9 == 0 && !hooks.empty()) {
      j.on_failure = {hooks[static_cast<std::size_t>(i) % hooks.size()]};
    }
    if (i % 17 == 0) {
      b.min_duration = std::chrono::seconds(30);
      b.max_duration = std::chrono::minutes(20);
    }
    b.transient = 0.03;
    b.permanent = 0.01;
    behaviour[j.name] = b;
    c->jobs.push_back(std::move(j));
  }
  return c;
}

Simulation::Simulation(std::uint64_t seed, int jobs, int daemons, Faults faults)
    : seed_(seed), faults_(faults), world_(seed, kStart), db_(world_), start_(kStart) {
  std::map<std::string, Behaviour> behaviour;
  config_ = generated_config(world_.rng(), jobs, behaviour);
  for (int i = 0; i < daemons; ++i) {
    daemons_.push_back(std::make_unique<SimDaemon>(world_, db_, fmt::format("host{}", i), config_,
                                                   behaviour, stats_, faults.health_every));
  }
  boot();
}

Simulation::Simulation(std::uint64_t seed, std::shared_ptr<const config::Config> config,
                       const std::map<std::string, Behaviour>& behaviour, int daemons)
    : seed_(seed), world_(seed, kStart), db_(world_), config_(std::move(config)), start_(kStart) {
  for (int i = 0; i < daemons; ++i) {
    daemons_.push_back(std::make_unique<SimDaemon>(world_, db_, fmt::format("host{}", i), config_,
                                                   behaviour, stats_));
  }
  boot();
}

void Simulation::boot() {
  for (std::size_t i = 0; i < daemons_.size(); ++i) {
    world_.after(std::chrono::milliseconds(7 * i), [this, i] { daemons_[i]->boot(); });
  }
  if (faults_.every > Nanos::zero()) next_fault();
}

void Simulation::run_for(Nanos time) { world_.run_until(world_.steady() + time); }

void Simulation::next_fault() {
  const auto wait = std::chrono::duration_cast<Nanos>(
      faults_.every * std::exponential_distribution<double>(1.0)(world_.rng()));
  world_.after(wait, [this] {
    if (!faulting_) return;
    fault();
    next_fault();
  });
}

void Simulation::set_availability(Availability a) {
  const bool thawing = db_.availability == Availability::frozen && a != Availability::frozen;
  db_.availability = a;
  if (a == Availability::down) {
    for (auto& d : daemons_) d->server_down();
  }
  if (thawing) {
    for (auto& d : daemons_) d->thaw();
  }
}

void Simulation::database_down(Nanos for_time) {
  ++outages_;
  set_availability(Availability::down);
  world_.after(for_time, [this] {
    --outages_;
    set_availability(Availability::up);
  });
}

void Simulation::database_frozen(Nanos for_time) {
  ++outages_;
  set_availability(Availability::frozen);
  world_.after(for_time, [this] {
    --outages_;
    set_availability(Availability::up);
  });
}

void Simulation::database_read_only(Nanos for_time) {
  ++outages_;
  set_availability(Availability::read_only);
  world_.after(for_time, [this] {
    --outages_;
    set_availability(Availability::up);
  });
}

void Simulation::lost_replies(double share, Nanos for_time) {
  ++outages_;
  db_.lost_replies = share;
  world_.after(for_time, [this] {
    --outages_;
    db_.lost_replies = 0;
  });
}

void Simulation::fault() {
  ++faults_injected_;
  const double kind = world_.uniform();
  auto& d =
      *daemons_[static_cast<std::size_t>(world_.uniform() * static_cast<double>(daemons_.size()))];
  if (kind < 0.3 && faults_.database) {
    if (outages_ > 0) return;
    const double which = world_.uniform();
    if (which < 0.1) {
      lost_replies(0.3, between(world_, std::chrono::seconds(10), std::chrono::minutes(5)));
    } else if (which < 0.4) {
      database_down(between(world_, std::chrono::seconds(5), std::chrono::minutes(15)));
    } else if (which < 0.7) {
      database_frozen(between(world_, std::chrono::seconds(1), std::chrono::seconds(40)));
    } else {
      database_read_only(between(world_, std::chrono::seconds(10), std::chrono::minutes(10)));
    }
  } else if (kind < 0.6 && faults_.crashes) {
    d.crash();
    world_.after(between(world_, std::chrono::seconds(1), std::chrono::minutes(10)), [&d] {
      if (!d.alive()) d.boot();
    });
  } else if (kind < 0.7 && faults_.crashes) {
    d.terminate();
    world_.after(between(world_, std::chrono::seconds(65), std::chrono::minutes(3)), [&d] {
      if (d.alive()) d.crash();  // still waiting for its runs: systemd's stop timeout
      d.boot();
    });
  } else if (kind < 0.8 && faults_.reloads) {
    if (d.alive()) d.reload(config_);
  } else if (kind < 0.9 && faults_.clock_jumps) {
    const auto by = between(world_, std::chrono::seconds(3), std::chrono::minutes(10));
    world_.jump_wall(world_.uniform() < 0.5 ? -by : by);
  } else {
    for (const auto& j : config_->jobs) {
      if (!j.watch.empty() && world_.uniform() < 0.5) d.file_arrived(j.name);
    }
  }
}

void Simulation::settle(Nanos time) {
  faulting_ = false;
  world_.after(Nanos::zero(), [this] {
    set_availability(Availability::up);
    for (auto& d : daemons_) {
      if (!d->alive()) d->boot();
    }
  });
  // Outages still scheduled to end do so; nothing new starts.
  run_for(std::chrono::minutes(20));
  set_availability(Availability::up);
  for (auto& d : daemons_) {
    if (!d->alive()) d->boot();
  }
  run_for(time);
}

void Simulation::finish() {
  for (auto& d : daemons_) {
    if (d->alive()) d->terminate();
  }
  run_for(std::chrono::minutes(3));
}

std::vector<std::string> Simulation::check() const {
  std::vector<std::string> out;
  const auto prefix = fmt::format("seed {}: ", seed_);
  for (const auto& v : db_.violations()) out.push_back(prefix + v);
  // Every due slot has a row: from shortly after the start to shortly before the end.
  const auto from = std::chrono::floor<std::chrono::seconds>(start_ + std::chrono::minutes(10));
  const auto until =
      std::chrono::floor<std::chrono::seconds>(world_.wall() - std::chrono::minutes(30));
  for (const auto& j : config_->jobs) {
    if (!j.schedule || !j.enabled) continue;
    int missing = 0;
    std::string first;
    for (auto t = j.schedule->next_after(from); t && *t < until; t = j.schedule->next_after(*t)) {
      if (db_.has_slot(j.name, *t)) continue;
      if (missing++ == 0) first = date::format("%FT%TZ", *t);
    }
    if (missing > 0) {
      out.push_back(prefix + fmt::format("{} ({}): {} due slots have no row, the first {}", j.name,
                                         j.schedule->expression(), missing, first));
    }
  }
  // Nothing `running` after recovery and a clean stop (finish()).
  for (const auto id : db_.running()) {
    if (!db_.is_executing(id)) {
      out.push_back(prefix + fmt::format("run {} of {} is still `running` after recovery", id,
                                         db_.row(id).job));
    }
  }
  return out;
}

Figures Simulation::figures() const {
  Figures f;
  f.simulated_days = std::chrono::duration<double>(world_.steady()).count() / 86400.0;
  for (const auto& r : db_.rows()) {
    if (r.cause == core::RunCause::schedule || r.cause == core::RunCause::catchup) ++f.slots;
  }
  f.rows = db_.rows().size();
  f.executions = db_.executions().size();
  f.faults = faults_injected_;
  f.events = stats_.events;
  f.stats = stats_;
  return f;
}

}  // namespace sqlcron::sim
