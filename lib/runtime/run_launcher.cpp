#include "runtime/run_launcher.hpp"

#include <date/date.h>
#include <spdlog/spdlog.h>

namespace sqlcron::runtime {

namespace {

// Slots due together are claimed in chunks of 16, 32, 64, ... rows, each started as soon as it
// is claimed: the first runs need not wait for the insert of hundreds of rows.
constexpr std::size_t kFirstClaimChunk = 16;

std::string when(schedule::Instant t) { return date::format("%FT%TZ", t); }

}  // namespace

RunLauncher::RunLauncher(const mysql::Connector& connector, mysql::ConnectionPool& pool,
                         const config::Config& config, const std::string& instance,
                         runlog::Spool& spool, EventSink sink)
    : runner_(pool, config.scheduler.state_schema, instance, spool),
      sink_(std::move(sink)),
      workers_(connector, config.scheduler.max_concurrent_runs, "run"),
      claim_pool_(connector, 1, "claim") {}

exec::RunRequest RunLauncher::request(core::RunOrder order) {
  exec::RunRequest r(std::move(order));
  controls_[r.key] = r.control;
  return r;
}

std::shared_ptr<exec::RunControl> RunLauncher::control(std::uint64_t key) const {
  const auto it = controls_.find(key);
  return it == controls_.end() ? nullptr : it->second;
}

void RunLauncher::finished(const exec::RunRequest& request, const exec::RunReport& report,
                           bool lost) const {
  sink_(core::event::Finished{static_cast<const core::RunOrder&>(request), report, lost});
}

void RunLauncher::start(std::vector<core::RunOrder> orders) {
  if (orders.size() == 1) {
    run(request(std::move(orders.front())));
    return;
  }
  std::vector<exec::RunRequest> batch;
  batch.reserve(orders.size());
  for (auto& o : orders) batch.push_back(request(std::move(o)));
  claim_pool_.post([this, batch = std::move(batch)]() mutable {
    std::size_t chunk = kFirstClaimChunk;
    for (std::size_t from = 0; from < batch.size(); from += chunk, chunk *= 2) {
      const auto to = std::min(batch.size(), from + chunk);
      claim_chunk(std::vector<exec::RunRequest>(
          std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(from)),
          std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(to))));
    }
  });
}

void RunLauncher::claim(const core::RunOrder& order) {
  claim_pool_.post([this, order] {
    std::vector<exec::RunRequest> one{exec::RunRequest(order)};
    try {
      // No lease: the job's running run holds it, and this one takes it when its turn comes.
      runner_.claim_batch(one, false);
      sink_(core::event::Claimed{order.key, one.front().claimed_run_id, false});
    } catch (const mysql::DbError& e) {
      spdlog::error("job {} slot {}: not queued, the database is unreachable: error {}: {}",
                    order.job_config().name, when(order.scheduled_for), e.code(), e.what());
      sink_(core::event::Claimed{order.key, std::nullopt, true});
    }
  });
}

void RunLauncher::claim_chunk(std::vector<exec::RunRequest> part) {
  try {
    runner_.claim_batch(part);
  } catch (const mysql::DbError& e) {
    spdlog::error("{} slots: not run, the database is unreachable: error {}: {}", part.size(),
                  e.code(), e.what());
    for (const auto& r : part) finished(r, exec::RunReport{}, true);
    return;
  }
  for (auto& r : part) {
    if (r.claimed_run_id) {
      run(std::move(r));
    } else {
      spdlog::info("job {} slot {} is already claimed by another instance; not running it",
                   r.job_config().name, when(r.scheduled_for));
      finished(r, exec::RunReport{}, false);
    }
  }
}

void RunLauncher::run(exec::RunRequest request) {
  workers_.post([this, request = std::move(request)] {
    // The worker is free once the SQL ended; the loop learns the run is over once its row is.
    const auto on_done = [this, request](const exec::RunReport& report) {
      finished(request, report, report.spooled);
    };
    if (stopping_) {
      // SIGTERM came while it waited for a worker: no new runs. A slot its batch claimed gets
      // its row finished; one not claimed yet is simply not run.
      if (request.claimed_run_id) {
        runner_.give_up(request, "shutdown: the daemon stopped before the run started", on_done);
      } else {
        on_done(exec::RunReport{});
      }
      return;
    }
    try {
      runner_.run_async(
          request,
          [this, key = request.key](std::int64_t id, std::uint64_t connection,
                                    std::chrono::system_clock::time_point started_at) {
            sink_(core::event::Started{key, id, connection, started_at});
          },
          on_done);
    } catch (const mysql::DbError& e) {
      spdlog::error("job {} slot {}: not run, the database is unreachable: error {}: {}",
                    request.job_config().name, when(request.scheduled_for), e.code(), e.what());
      finished(request, exec::RunReport{}, true);
    }
  });
}

void RunLauncher::skip(const core::RunOrder& order, const std::string& reason) const {
  runner_.skip(exec::RunRequest(order), reason);  // queued for the run-log writer: never blocks
}

void RunLauncher::give_up(const core::RunOrder& order, const std::string& reason) {
  auto r = request(order);
  runner_.give_up(r, reason,
                  [this, r](const exec::RunReport& report) { finished(r, report, false); });
}

void RunLauncher::record_started(const core::action::RecordStarted& a) const {
  runner_.record_started(a.run_id, a.connection_id, a.started_at);
}

void RunLauncher::stop() {
  claim_pool_.stop();
  workers_.stop();
}

}  // namespace sqlcron::runtime
