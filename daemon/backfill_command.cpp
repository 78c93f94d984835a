// backfill: runs a job for every slot of its schedule in [--from, --to], oldest first, in this
// process (the daemon need not run), through the same JobRunner as the daemon. Slots that already
// succeeded are skipped unless --force; a new run of a slot takes the next attempt number, so
// the run log keeps every earlier attempt. With --chain the job's chain steps run after it for
// each slot (cause chain, tied to the slot's root run), each once all its upstream jobs have
// succeeded for that slot; the steps below a failure are recorded as skipped.
#include <date/date.h>

#include <iostream>
#include <map>
#include <thread>

#include "commands.hpp"
#include "config/job_graph.hpp"
#include "core/chain_readiness.hpp"
#include "core/retry_policy.hpp"
#include "core/run_outcome.hpp"
#include "exec/manual_runner.hpp"
#include "interval_anchors.hpp"
#include "mysql/connector.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "time_argument.hpp"
#include "util/utf8.hpp"

namespace sqlcron::daemon {

namespace {

constexpr std::size_t kMaxSlots = 100000;

std::string when(schedule::Instant t) { return date::format("%F %T", t); }

struct Totals {
  int ran = 0;
  int succeeded = 0;
  int failed = 0;
  int already = 0;
  int skipped = 0;
};

class Backfill {
 public:
  Backfill(std::shared_ptr<const config::Config> config, const BackfillOptions& o)
      : config_(std::move(config)),
        o_(o),
        graph_(config_->jobs),
        runner_(config_, connection_settings(config_->database), hostname(), "backfill") {}

  // Runs `job` and (with --chain) its steps for `slot`.
  void slot(std::size_t job, schedule::Instant slot) {
    std::int64_t chain = 0;
    why_not_.clear();
    const bool root_ok = step(job, slot, core::RunCause::manual, chain);
    if (!o_.chain) return;
    for (const auto d : graph_.descendants(job)) {
      std::vector<std::string> ups;
      for (const auto u : graph_.upstream(d)) ups.push_back(config_->jobs[u].name);
      auto lease = runner_.session();
      const auto done = runner_.log().succeeded_for(*lease, ups, slot);
      lease.release();
      if (const auto missing = core::missing_upstream(ups, done); !root_ok || !missing.empty()) {
        skip(d, slot, chain,
             reason(missing.empty() ? std::vector{config_->jobs[job].name} : missing));
        continue;
      }
      step(d, slot, core::RunCause::chain, chain);
    }
  }

  [[nodiscard]] const Totals& totals() const { return totals_; }

 private:
  // Why a step whose upstream jobs `missing` did not succeed is skipped: the daemon's words
  // (core/chain_readiness.hpp) for what happened to the first of them in this slot.
  std::string reason(const std::vector<std::string>& missing) const {
    for (const auto& u : missing) {
      if (const auto it = why_not_.find(u); it != why_not_.end()) return it->second;
    }
    return core::upstream_missing(missing);
  }

  // One job for one slot, with its retries; true if it succeeded (now or before). Sets `chain`
  // to the slot's root run when it is the root.
  bool step(std::size_t job, schedule::Instant slot, core::RunCause cause, std::int64_t& chain) {
    const auto& j = config_->jobs[job];
    auto lease = runner_.session();
    const auto state = runner_.log().slot_state(*lease, j.name, slot);
    lease.release();
    if (state.succeeded_run && !o_.force) {
      if (chain == 0) chain = state.chain_root;
      ++totals_.already;
      std::cout << when(slot) << "  " << j.name << ": already succeeded (run "
                << *state.succeeded_run << ")\n";
      return true;
    }
    exec::RunRequest r;
    r.config = config_;
    r.job = job;
    r.scheduled_for = slot;
    r.cause = cause;
    r.chain_run_id = chain;
    for (r.attempt = state.attempts + 1;; ++r.attempt) {
      r.control = std::make_shared<exec::RunControl>();
      const auto report = runner_.run(r);
      if (!report.claimed) {
        std::cout << when(slot) << "  " << j.name << ": attempt " << r.attempt
                  << " is claimed by another instance; not run\n";
        ++totals_.skipped;
        return false;
      }
      if (chain == 0) chain = report.run_id;
      ++totals_.ran;
      const auto& out = report.outcome;
      std::cout << when(slot) << "  " << j.name << ": run " << report.run_id << " "
                << core::to_string(out.status) << " in "
                << static_cast<double>(out.duration.count()) / 1000.0 << " ms";
      if (out.status != core::RunStatus::succeeded) std::cout << ": " << core::failure_text(out);
      std::cout << '\n';
      if (out.status == core::RunStatus::succeeded) {
        ++totals_.succeeded;
        return true;
      }
      const int tries = r.attempt - state.attempts;
      if (!core::retried(out, tries, j.retry)) {
        ++totals_.failed;
        why_not_[j.name] =
            core::upstream_failed(j.name, core::to_string(out.status), report.run_id);
        return false;
      }
      std::this_thread::sleep_for(core::retry_delay(j.retry, tries + 1, 0.5));
      r.cause = core::RunCause::retry;
    }
  }

  void skip(std::size_t job, schedule::Instant slot, std::int64_t chain, const std::string& why) {
    const auto& j = config_->jobs[job];
    why_not_[j.name] = why;  // the steps below it are skipped for the same reason
    auto lease = runner_.session();
    const auto state = runner_.log().slot_state(*lease, j.name, slot);
    lease.release();
    if (state.succeeded_run) return;  // nothing to say: it ran before
    exec::RunRequest r;
    r.config = config_;
    r.job = job;
    r.scheduled_for = slot;
    r.cause = core::RunCause::chain;
    r.chain_run_id = chain;
    r.attempt = state.attempts + 1;
    runner_.runner().skip(r, why);
    ++totals_.skipped;
    std::cout << when(slot) << "  " << j.name << ": skipped: " << why << '\n';
  }

  std::shared_ptr<const config::Config> config_;
  const BackfillOptions& o_;
  config::JobGraph graph_;
  exec::ManualRunner runner_;
  Totals totals_;
  std::map<std::string, std::string> why_not_;  // this slot's jobs that did not succeed: why
};

}  // namespace

int backfill_command(const CommandContext& ctx, const BackfillOptions& o) {
  auto loaded = read_config_or_report(ctx.config_path);
  if (!loaded) return to_int(ExitCode::config);
  std::optional<std::size_t> job;
  {
    const config::JobGraph graph(loaded->jobs);
    job = graph.index(o.job);
    if (!job) {
      std::cerr << "sqlcrond backfill: no job named '" << util::escape_for_message(o.job) << "' in "
                << loaded->file << '\n';
      return to_int(ExitCode::usage);
    }
    const auto& j = loaded->jobs[*job];
    if (!j.schedule) {
      std::string roots;
      for (const auto r : graph.roots(*job)) {
        if (r != *job) roots += (roots.empty() ? "" : ", ") + loaded->jobs[r].name;
      }
      std::cerr << "sqlcrond backfill: " << o.job << " has no schedule (" << j.trigger() << ")"
                << (roots.empty() ? "" : "; backfill its root job with --chain: " + roots) << '\n';
      return to_int(ExitCode::usage);
    }
  }
  schedule::Instant from{};
  schedule::Instant to{};
  try {
    const auto now = std::chrono::system_clock::now();
    from = std::chrono::floor<std::chrono::seconds>(parse_time_argument(o.from, now));
    to = std::chrono::floor<std::chrono::seconds>(parse_time_argument(o.to, now));
  } catch (const std::invalid_argument& e) {
    std::cerr << "sqlcrond backfill: " << e.what() << '\n';
    return to_int(ExitCode::usage);
  }
  if (to < from) {
    std::cerr << "sqlcrond backfill: --to " << when(to) << " is before --from " << when(from)
              << '\n';
    return to_int(ExitCode::usage);
  }
  try {
    // The daemon's grid: an interval job counts from its stored anchor (read, never written).
    const mysql::Connector connector;
    read_anchors(*loaded, *connector.open(connection_settings(loaded->database)),
                 loaded->scheduler.state_schema);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond backfill: " << e.what() << '\n';
    return to_int(mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure);
  }
  const auto config = std::make_shared<const config::Config>(std::move(*loaded));
  loaded.reset();
  const auto& j = config->jobs[*job];
  std::vector<schedule::Instant> slots;
  for (auto t = j.schedule->next_after(from - std::chrono::seconds(1)); t && *t <= to;
       t = j.schedule->next_after(*t)) {
    if (slots.size() == kMaxSlots) {
      std::cerr << "sqlcrond backfill: more than " << kMaxSlots
                << " slots in the range; backfill a shorter one\n";
      return to_int(ExitCode::usage);
    }
    slots.push_back(*t);
  }
  if (slots.empty()) {
    std::cout << o.job << " has no slot between " << when(from) << " and " << when(to) << " UTC";
    if (const auto anchor = j.schedule->anchor(); anchor && *anchor > from) {
      std::cout << " (its schedule counts from its first definition, " << when(*anchor) << " UTC)";
    }
    std::cout << '\n';
    return to_int(ExitCode::ok);
  }
  try {
    Backfill backfill(config, o);
    for (const auto t : slots) backfill.slot(*job, t);
    const auto& n = backfill.totals();
    std::cout << slots.size() << " slots: " << n.ran << " runs (" << n.succeeded << " succeeded, "
              << n.failed << " failed), " << n.already << " already succeeded, " << n.skipped
              << " skipped\n";
    return n.failed == 0 && n.skipped == 0 ? to_int(ExitCode::ok) : to_int(ExitCode::failure);
  } catch (const mysql::DbError& e) {
    std::cerr << "sqlcrond backfill: " << e.what() << '\n';
    return to_int(mysql::is_unreachable(e.code()) ? ExitCode::unavailable : ExitCode::failure);
  }
}

}  // namespace sqlcron::daemon
