#include "runtime/control_link.hpp"

#include <date/date.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/chain_readiness.hpp"
#include "exec/notify_command.hpp"
#include "exec/run_kill.hpp"
#include "mysql/db_error.hpp"
#include "runlog/notification_log.hpp"
#include "util/mysql_error_codes.hpp"
#include "util/result_format.hpp"

namespace sqlcron::runtime {

ControlLink::ControlLink(const mysql::Connector& connector, const mysql::ConnectionPool& pool,
                         const config::SchedulerConfig& scheduler, std::string instance,
                         runlog::Spool& spool, metrics::Metrics& metrics, EventSink sink)
    : instance_(std::move(instance)),
      metrics_(metrics),
      sink_(std::move(sink)),
      watch_(connector, pool.settings(), scheduler.state_schema, instance_, spool,
             scheduler.run_log_retention),
      control_pool_(connector, 1, "control"),
      notify_pool_(connector, 2, "notify") {}

void ControlLink::check_health() {
  control_pool_.post([this] {
    Health h;
    try {
      h = watch_.check();
    } catch (const std::exception& e) {  // never let one bad pass end the health loop
      h.error = std::string("health check failed: ") + e.what();
    }
    core::HealthReport r{h.up, h.read_only, h.error, h.replayed, h.purged, {}};
    if (h.up) metrics_.set_spooled(h.spooled);
    for (const auto& c : h.abandoned) {
      r.abandoned.push_back({c.job, c.scheduled_for, c.attempt, c.chain_run_id, c.run_id, c.cause});
    }
    sink_(core::event::HealthChecked{std::move(r)});
  });
}

void ControlLink::resolve_in_doubt(std::vector<core::RunOrder> runs) {
  control_pool_.post([this, runs = std::move(runs)] {
    core::event::Resolved resolved;
    for (const auto& r : runs) {
      try {
        if (watch_.abandon_in_doubt(r.job_config().name, r.scheduled_for, r.attempt)) {
          spdlog::warn("job {} slot {}: the reply to its claim was lost; its row is abandoned",
                       r.job_config().name, date::format("%FT%TZ", r.scheduled_for));
          resolved.abandoned.push_back(
              {r.job_config().name, r.scheduled_for, r.attempt, r.chain_run_id});
        }
      } catch (const mysql::DbError& e) {
        spdlog::error("job {}: cannot check a claim whose reply was lost: {}", r.job_config().name,
                      e.what());
      }
    }
    if (!resolved.abandoned.empty()) sink_(std::move(resolved));
  });
}

void ControlLink::check_kill_privilege() {
  control_pool_.post([this] {
    try {
      const bool granted = watch_.may_kill_any_thread();
      metrics_.set_kill_privilege(granted);
      if (!granted) {
        spdlog::error(
            "this account may not kill other users' threads: timeouts and shutdown cannot stop "
            "runs of SQL SECURITY DEFINER procedures of another definer. Grant CONNECTION ADMIN "
            "(MariaDB 10.5+) or CONNECTION_ADMIN (MySQL 8) on *.* (docs/security.md)");
      }
    } catch (const mysql::DbError& e) {
      spdlog::warn("cannot check whether this account may kill runs: {}", e.what());
    }
  });
}

void ControlLink::kill(std::int64_t run_id, std::uint64_t connection_id,
                       exec::RunControl::Reason why, std::shared_ptr<exec::RunControl> control) {
  control_pool_.post([this, run_id, connection_id, why, control = std::move(control)] {
    try {
      const auto r = exec::kill_run(*control, why, connection_id,
                                    [&](const std::string&) { watch_.kill(connection_id, true); });
      if (r.kind == exec::KillResult::Kind::sent) {
        spdlog::warn("run {}: KILL CONNECTION {}", run_id, connection_id);
      } else if (r.kind == exec::KillResult::Kind::refused) {
        metrics_.kill_failed();
        spdlog::error("run {}: {}{}", run_id, r.message,
                      r.error_code == util::mysql_code::kNotOwnerOfThread
                          ? " (the account needs CONNECTION ADMIN to kill runs of SQL SECURITY "
                            "DEFINER procedures: docs/security.md)"
                          : "");
      }
    } catch (const std::exception& e) {  // the control thread lives on
      spdlog::error("run {}: cannot kill it: {}", run_id, e.what());
    }
  });
}

void ControlLink::read_last_slots(schedule::Instant until) {
  control_pool_.post([this, until] {
    try {
      sink_(core::event::LastSlots{until, watch_.last_slots(until)});
    } catch (const mysql::DbError& e) {
      spdlog::warn("cannot read the run log for misfire decisions: {}", e.what());
    }
  });
}

void ControlLink::read_pending_chain(const core::action::ReadPendingChain& a) {
  control_pool_.post([this, a] {
    try {
      auto slots = watch_.pending_chain_slots(a.step, a.upstream, a.since);
      if (!slots.empty()) sink_(core::event::PendingChainSlots{a.step, std::move(slots)});
    } catch (const mysql::DbError& e) {
      spdlog::warn("cannot read the run log for chain steps of {}: {}", a.step, e.what());
    }
  });
}

void ControlLink::check_upstream(const core::action::CheckUpstream& a) {
  control_pool_.post([this, a] {
    try {
      std::int64_t first = 0;
      const auto done = watch_.succeeded_for(a.upstream, a.slot, &first);
      if (!core::missing_upstream(a.upstream, done).empty()) return;
      // A join of several roots belongs to the smallest of their pipeline instances.
      const auto instance = first != 0 ? std::min(first, a.chain) : a.chain;
      sink_(core::event::UpstreamDone{a.step, a.slot, instance});
    } catch (const mysql::DbError& e) {
      spdlog::error("job {} slot {}: cannot check its upstream jobs: {}", a.step,
                    date::format("%FT%TZ", a.slot), e.what());
    }
  });
}

void ControlLink::run_notify(const core::action::RunNotify& a) {
  notify_pool_.post([this, a] {
    auto n = exec::perform_notify(a);
    control_pool_.post([this, n = std::move(n)] {
      try {
        watch_.record_notification(n);
      } catch (const mysql::DbError& e) {
        spdlog::error("cannot record the notify result of run {}: {}", n.run_id, e.what());
      }
    });
  });
}

void ControlLink::sync_mirror(std::vector<runlog::JobMirrorEntry> entries,
                              std::shared_ptr<const config::Config> keep) {
  control_pool_.post([this, entries = std::move(entries), keep = std::move(keep)] {
    try {
      watch_.sync_jobs(entries);
    } catch (const mysql::DbError& e) {
      spdlog::warn("could not update the jobs table: {}", e.what());
    }
  });
}

void ControlLink::stop() {
  notify_pool_.stop();
  control_pool_.post([this] {
    try {
      watch_.mark_stopped();
    } catch (const mysql::DbError& e) {
      spdlog::warn("could not mark instance {} stopped: {}", instance_, e.what());
    }
  });
  control_pool_.stop();
}

}  // namespace sqlcron::runtime
