#include "runlog/run_finisher.hpp"

#include <date/date.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <optional>
#include <unordered_map>

#include "mysql/db_error.hpp"
#include "schedule/time_format.hpp"
#include "util/crash_point.hpp"
#include "util/sql_time.hpp"
#include "util/utf8.hpp"

namespace sqlcron::runlog {

namespace {

constexpr std::size_t kMaxMessage = 4000;

// "(SELECT ? AS a, ? AS b UNION ALL SELECT ?, ? ...)": `rows` rows of bound values as a derived
// table, so that one UPDATE ... JOIN writes them all.
std::string values_table(const std::vector<std::string>& columns, std::size_t rows) {
  std::string out = "(SELECT ";
  for (std::size_t c = 0; c < columns.size(); ++c) {
    out += (c == 0 ? "? AS " : ", ? AS ") + columns[c];
  }
  std::string more = " UNION ALL SELECT ?";
  for (std::size_t c = 1; c < columns.size(); ++c) more += ", ?";
  for (std::size_t r = 1; r < rows; ++r) out += more;
  return out + ")";
}

}  // namespace

RunFinisher::RunFinisher(const std::string& state_schema, Open open, Spool& spool,
                         const mysql::Connector* connector)
    : state_schema_(state_schema),
      runs_(mysql::quote_identifier(state_schema) + ".runs"),
      jobs_(mysql::quote_identifier(state_schema) + ".jobs"),
      open_(std::move(open)),
      spool_(spool),
      connector_(connector),
      writer_([this] { write_loop(); }) {}

RunFinisher::~RunFinisher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void RunFinisher::finish_async(FinishedRun run, Done done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(Pending{std::move(run), std::move(done)});
  }
  queued_.notify_one();
}

void RunFinisher::record_started(std::int64_t run_id, std::uint64_t connection_id,
                                 std::chrono::system_clock::time_point started_at) {
  {
    std::lock_guard lock(mutex_);
    starts_.push_back(Started{run_id, connection_id, started_at});
  }
  queued_.notify_one();
}

void RunFinisher::record_skipped(Claim claim, std::string reason) {
  {
    std::lock_guard lock(mutex_);
    skips_.push_back(Skip{std::move(claim), std::move(reason)});
  }
  queued_.notify_one();
}

void RunFinisher::write_skips(const std::vector<Skip>& skips) {
  const RunLog log(state_schema_);
  for (const auto& skip : skips) {
    for (int attempt = 1;; ++attempt) {
      try {
        if (!session_) session_ = open_();
        log.record_skipped(*session_, skip.claim, skip.reason);
        spdlog::info("skipped job {} slot {}: {}", skip.claim.job,
                     schedule::format_utc(skip.claim.scheduled_for), skip.reason);
        break;
      } catch (const mysql::DbError& e) {
        session_.reset();
        if (attempt == 2) {
          // Kept in the spool, written when the database is back: no slot goes unaccounted.
          if (spool_.keep_skip(skip.claim, skip.reason)) {
            spdlog::warn("job {}: the skipped slot {} ({}) is spooled: {}", skip.claim.job,
                         schedule::format_utc(skip.claim.scheduled_for), skip.reason, e.what());
          }
          break;
        }
      }
    }
  }
}

void RunFinisher::write_starts(const std::vector<Started>& starts) {
  // One statement for all of them; best effort: on failure they are dropped (each run's finish
  // writes its start details anyway).
  for (std::size_t from = 0; from < starts.size(); from += kMaxRows) {
    const auto to = std::min(starts.size(), from + kMaxRows);
    std::vector<mysql::Value> params;
    params.reserve((to - from) * 3);
    for (auto i = from; i < to; ++i) {
      params.emplace_back(starts[i].run_id);
      params.emplace_back(static_cast<std::int64_t>(starts[i].connection_id));
      params.emplace_back(util::to_sql_datetime(starts[i].at));
    }
    try {
      if (!session_) session_ = open_();
      session_->execute("UPDATE " +
                            values_table({"run_id", "connection_id", "started_at"}, to - from) +
                            " v STRAIGHT_JOIN " + runs_ +
                            " r ON r.run_id = v.run_id SET r.connection_id = v.connection_id,"
                            " r.started_at = v.started_at WHERE r.status = 'running'",
                        params);
    } catch (const mysql::DbError& e) {
      session_.reset();
      spdlog::warn("cannot record where {} long runs started: {}", starts.size() - from, e.what());
      return;
    }
  }
}

bool RunFinisher::finish(const FinishedRun& run) {
  std::promise<bool> written;
  auto result = written.get_future();
  finish_async(run, [&written](bool ok) { written.set_value(ok); });
  return result.get();
}

void RunFinisher::write_loop() {
  std::optional<mysql::Connector::ThreadScope> scope;
  if (connector_ != nullptr) scope.emplace(*connector_);
  std::unique_lock lock(mutex_);
  const auto pending = [&] {
    return !queue_.empty() || !starts_.empty() || !skips_.empty() || stopping_;
  };
  auto last_retry = std::chrono::steady_clock::now();
  for (;;) {
    // Results neither written nor spooled are tried again every kRetryUnwritten, and once more
    // when stopping: the run log may be back.
    const bool stopping = stopping_ && queue_.empty() && starts_.empty() && skips_.empty();
    if (!unwritten_.empty() &&
        (stopping || std::chrono::steady_clock::now() - last_retry >= kRetryUnwritten)) {
      lock.unlock();
      retry_unwritten();
      last_retry = std::chrono::steady_clock::now();
      lock.lock();
    }
    if (unwritten_.empty()) {
      queued_.wait(lock, pending);
    } else {
      queued_.wait_for(lock, kRetryUnwritten, pending);
    }
    if (queue_.empty() && starts_.empty() && skips_.empty()) {
      if (!stopping_) continue;
      if (!unwritten_.empty() && !stopping) continue;  // one last try first
      session_.reset();  // stopping, all written: closed on the thread that used it
      return;
    }
    if (!skips_.empty()) {
      std::vector<Skip> skips;
      skips.swap(skips_);
      lock.unlock();
      write_skips(skips);
      lock.lock();
      continue;
    }
    if (queue_.empty()) {  // only start details: they never hold up a result
      std::vector<Started> starts;
      starts.swap(starts_);
      lock.unlock();
      write_starts(starts);
      lock.lock();
      continue;
    }
    // Gather for a moment: when many runs end together, a few large statements cost the server
    // far less than many small ones, and leave the CPU to the runs still starting.
    queued_.wait_for(lock, kGather, [&] { return queue_.size() >= kMaxRows || stopping_; });
    // Everything queued so far is one batch; results arriving meanwhile wait for the next.
    std::vector<Pending> batch;
    batch.swap(queue_);
    lock.unlock();
    const bool ok = write_or_spool(batch);
    for (auto& p : batch) {
      try {
        if (p.done) p.done(ok);
      } catch (const std::exception& e) {
        spdlog::error("run {}: reporting its end failed: {}", p.run.run_id, e.what());
      }
    }
    lock.lock();
  }
}

bool RunFinisher::write_or_spool(const std::vector<Pending>& batch) {
  for (int attempt = 1; attempt <= 2; ++attempt) {
    try {
      if (!session_) session_ = open_();
      write(*session_, batch);
      util::crash_point("written");
      return true;
    } catch (const std::exception& e) {
      session_.reset();  // a connection in an unknown state is not reused
      if (attempt == 1) {
        spdlog::warn("recording {} run results failed ({}); retrying on a new connection",
                     batch.size(), e.what());
        continue;
      }
      std::size_t lost = 0;
      for (const auto& p : batch) {
        // Each result is kept or, if the spool fails too, counted and logged as lost - and held
        // here, written as soon as the run log answers again (retry_unwritten), so that a run
        // of a live daemon never stays `running` (nor holds its job's overlap lease).
        if (!spool_.keep(p.run.run_id, p.run.job, p.run.outcome, p.run.finished_at)) {
          ++lost;
          if (unwritten_.size() < kMaxUnwritten) unwritten_.push_back(Pending{p.run, nullptr});
        }
      }
      util::crash_point("spooled");
      if (lost == 0) {
        spdlog::error("cannot write the run log ({}); {} run results spooled to {}", e.what(),
                      batch.size(), spool_.path());
      } else {
        spdlog::critical(
            "cannot write the run log ({}) and the spool {} failed: {} of {} run results are "
            "lost (each logged above)",
            e.what(), spool_.path(), lost, batch.size());
      }
    }
  }
  return false;
}

void RunFinisher::retry_unwritten() {
  try {
    if (!session_) session_ = open_();
    write(*session_, unwritten_);
    spdlog::warn("wrote {} run results that were neither written nor spooled before",
                 unwritten_.size());
    unwritten_.clear();
  } catch (const std::exception& e) {
    session_.reset();
    spdlog::debug("{} unwritten run results: the run log is still unreachable: {}",
                  unwritten_.size(), e.what());
  }
}

void RunFinisher::write(mysql::Session& s, const std::vector<Pending>& batch) const {
  for (std::size_t from = 0; from < batch.size(); from += kMaxRows) {
    const auto to = std::min(batch.size(), from + kMaxRows);
    std::vector<mysql::Value> params;
    params.reserve((to - from) * 10);
    // The latest run of each job gives the job's row its last run.
    std::unordered_map<std::string_view, const FinishedRun*> last;
    for (auto i = from; i < to; ++i) {
      const auto& r = batch[i].run;
      const auto& o = r.outcome;
      params.emplace_back(r.run_id);
      params.emplace_back(std::string(core::to_string(o.status)));
      params.emplace_back(util::to_sql_datetime(r.finished_at));
      params.emplace_back(static_cast<double>(o.duration.count()) / 1000.0);
      params.emplace_back(o.status == core::RunStatus::succeeded ? mysql::Value{o.rows_affected}
                                                                 : mysql::Value{std::monostate{}});
      params.emplace_back(o.error_code == 0
                              ? mysql::Value{std::monostate{}}
                              : mysql::Value{static_cast<std::int64_t>(o.error_code)});
      params.emplace_back(mysql::null_if_empty(o.sql_state));
      params.emplace_back(
          mysql::null_if_empty(util::text_for_column(o.error_message, kMaxMessage)));
      // Unknown (zero) start details leave the row's as they are.
      params.emplace_back(r.connection_id == 0
                              ? mysql::Value{std::monostate{}}
                              : mysql::Value{static_cast<std::int64_t>(r.connection_id)});
      params.emplace_back(r.started_at.time_since_epoch().count() == 0
                              ? mysql::Value{std::monostate{}}
                              : mysql::Value{util::to_sql_datetime(r.started_at)});
      auto& l = last[r.job];
      if (!l || l->run_id < r.run_id) l = &r;
    }
    // Idempotent, as RunLog::finish: only a row still running (or abandoned by another instance
    // while this one could not reach the database) is finished.
    // The values drive the join (STRAIGHT_JOIN): each row is found and locked by its key.
    // Left to the optimizer, it scanned ix_runs_status for every running row, locking them all,
    // so runs starting meanwhile waited for the batch.
    s.execute("UPDATE " +
                  values_table(
                      {"run_id", "status", "finished_at", "duration_ms", "rows_affected",
                       "error_code", "sql_state", "error_message", "connection_id", "started_at"},
                      to - from) +
                  " v STRAIGHT_JOIN " + runs_ +
                  " r ON r.run_id = v.run_id SET r.status = v.status,"
                  " r.finished_at = v.finished_at, r.duration_ms = v.duration_ms,"
                  " r.rows_affected = v.rows_affected, r.error_code = v.error_code,"
                  " r.sql_state = v.sql_state, r.error_message = v.error_message,"
                  " r.connection_id = COALESCE(v.connection_id, r.connection_id),"
                  " r.started_at = COALESCE(v.started_at, r.started_at)"
                  " WHERE r.status IN ('running', 'abandoned')",
              params);
    params.clear();
    for (const auto& [job, r] : last) {
      params.emplace_back(r->job);
      params.emplace_back(r->run_id);
      params.emplace_back(std::string(core::to_string(r->outcome.status)));
      params.emplace_back(r->next_fire ? mysql::Value{date::format("%F %T", *r->next_fire)}
                                       : mysql::Value{std::monostate{}});
    }
    s.execute(
        "UPDATE " +
            values_table({"name", "last_run_id", "last_status", "next_fire_at"}, last.size()) +
            " v STRAIGHT_JOIN " + jobs_ +
            " j ON j.name = v.name COLLATE utf8mb4_bin SET j.last_run_id = v.last_run_id,"
            " j.last_status = v.last_status, j.next_fire_at = v.next_fire_at",
        params);
  }
}

}  // namespace sqlcron::runlog
