#include "exec/manual_pipeline.hpp"

#include <date/date.h>

#include <thread>

#include "core/chain_readiness.hpp"
#include "core/failure_follow_up.hpp"
#include "core/retry_policy.hpp"
#include "core/run_outcome.hpp"
#include "exec/notify_command.hpp"
#include "runlog/notification_log.hpp"
#include "util/utf8.hpp"

namespace sqlcron::exec {

namespace {

std::string when(schedule::Instant t) { return date::format("%F %T", t); }

}  // namespace

ManualPipeline::ManualPipeline(std::shared_ptr<const config::Config> config, ManualRunner& runner,
                               std::ostream& out)
    : config_(std::move(config)), runner_(runner), out_(out), graph_(config_->jobs) {}

bool ManualPipeline::step(std::size_t job, schedule::Instant slot, core::RunCause cause,
                          std::int64_t& chain, bool force,
                          const std::function<void(std::int64_t)>& on_claimed) {
  const auto& j = config_->jobs[job];
  if (runner_.interrupted()) {
    ++totals_.interrupted;
    out_ << when(slot) << "  " << j.name << ": not started: interrupted\n";
    for (const auto d : graph_.descendants(job)) blocked_.emplace(std::make_pair(d, slot), "");
    return false;
  }
  auto lease = runner_.session();
  const auto state = runner_.log().slot_state(*lease, j.name, slot);
  lease.release();
  if (state.succeeded_run && !force) {
    if (chain == 0) chain = state.chain_root;
    ++totals_.already;
    out_ << when(slot) << "  " << j.name << ": already succeeded (run " << *state.succeeded_run
         << ")\n";
    return true;
  }
  if (state.running_run) {
    // Another process runs the slot right now (a daemon, another command): starting it again
    // would run the slot twice; whoever runs it runs the steps below too.
    ++totals_.running;
    out_ << when(slot) << "  " << j.name << ": running (run " << *state.running_run
         << "); not started again\n";
    for (const auto d : graph_.descendants(job)) blocked_.emplace(std::make_pair(d, slot), "");
    return false;
  }
  RunRequest r;
  r.config = config_;
  r.job = job;
  r.scheduled_for = slot;
  r.cause = cause;
  r.chain_run_id = chain;
  r.attempt = state.attempts + 1;
  std::int64_t first_run = 0;  // the instance a root opens is its first attempt's run
  const auto report = run_with_retries(r, [&](std::int64_t id) {
    first_run = id;
    if (on_claimed) on_claimed(id);
  });
  if (!report.claimed) {
    out_ << when(slot) << "  " << j.name << ": claimed by another instance; not run\n";
    ++totals_.skipped;
    // That instance runs the steps below too: they are left to it, not recorded skipped here.
    for (const auto d : graph_.descendants(job)) blocked_.emplace(std::make_pair(d, slot), "");
    return false;
  }
  if (chain == 0) chain = first_run != 0 ? first_run : report.run_id;
  if (report.outcome.status == core::RunStatus::skipped) {  // the overlap rule (a chain step)
    ++totals_.skipped;
    return false;
  }
  ++totals_.ran;
  if (report.outcome.status == core::RunStatus::succeeded) {
    ++totals_.succeeded;
    if (report.outcome.no_new_data && !run_below_empty_loads_) {
      for (const auto d : graph_.descendants(job)) {
        blocked_.emplace(std::make_pair(d, slot), std::string(core::kNoNewData));
      }
    }
    return true;
  }
  ++totals_.failed;
  return false;
}

RunReport ManualPipeline::run_with_retries(RunRequest r,
                                           const std::function<void(std::int64_t)>& on_claimed) {
  const auto& j = r.job_config();
  const int first = r.attempt;
  for (;; ++r.attempt) {
    r.control = std::make_shared<RunControl>();
    auto report = runner_.run(r, r.attempt == first ? on_claimed : nullptr);
    if (!report.claimed) return report;
    print(report.scheduled_for, j.name, report);
    const auto& out = report.outcome;
    const int tries = r.attempt - first + 1;
    if (out.status != core::RunStatus::succeeded && core::retried(out, tries, j.retry) &&
        !runner_.interrupted()) {
      // The backoff, in short steps: a signal meanwhile ends it, and no attempt follows.
      const auto until =
          std::chrono::steady_clock::now() + core::retry_delay(j.retry, tries + 1, 0.5);
      while (std::chrono::steady_clock::now() < until && !runner_.interrupted()) {
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(100), until - std::chrono::steady_clock::now()));
      }
      if (runner_.interrupted()) {
        out_ << when(r.scheduled_for) << "  " << j.name
             << ": interrupted during the retry backoff; no further attempt\n";
        return report;
      }
      r.cause = core::RunCause::retry;
      if (r.chain_run_id == 0 && j.chain_root) r.chain_run_id = report.run_id;  // one instance
      continue;
    }
    if (out.status != core::RunStatus::succeeded) follow_failure(r, report);
    return report;
  }
}

void ManualPipeline::follow_failure(const RunRequest& request, const RunReport& report) {
  const auto f = core::failure_follow_up(*config_, graph_, request, report, runner_.instance());
  if (!f) return;
  for (const auto d : graph_.descendants(request.job)) {
    blocked_.emplace(std::make_pair(d, request.scheduled_for), f->skip_reason);
  }
  const auto& name = request.job_config().name;
  for (const auto& hook : f->disabled_hooks) {
    out_ << "job " << name << " failed; its failure hook " << hook << " is disabled\n";
  }
  for (const auto h : f->hooks) {
    out_ << "job " << name << " failed (run " << report.run_id << "); firing its failure hook "
         << config_->jobs[h].name << '\n';
    RunRequest r;
    r.config = config_;
    r.job = h;
    r.scheduled_for = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    r.cause = core::RunCause::failure_hook;
    r.chain_run_id = f->chain;
    r.failure = f->failure;
    const auto hook = run_with_retries(r, nullptr);
    if (!hook.claimed) out_ << config_->jobs[h].name << ": no free second to run it in\n";
  }
  if (f->notify) {
    const auto n = perform_notify(*f->notify);
    auto lease = runner_.session();
    runlog::NotificationLog(config_->scheduler.state_schema).record(*lease, n);
    out_ << "notify for run " << n.run_id << " of " << n.job << ": ";
    if (!n.error_message.empty()) {
      out_ << util::escape_for_message(n.error_message);
    } else if (n.timed_out) {
      out_ << "killed at its timeout";
    } else if (n.exit_code) {
      out_ << f->notify->argv[0] << " exited " << *n.exit_code;
    } else {
      out_ << f->notify->argv[0] << " ended by signal " << n.term_signal.value_or(0);
    }
    out_ << '\n';
  }
}

void ManualPipeline::downstream(std::size_t from, schedule::Instant slot, std::int64_t chain,
                                core::RunCause cause, bool force) {
  for (const auto d : graph_.descendants(from)) {
    std::string why;
    if (const auto it = blocked_.find({d, slot}); it != blocked_.end()) {
      if (it->second.empty()) {
        out_ << when(slot) << "  " << config_->jobs[d].name
             << (runner_.interrupted() ? ": not started: interrupted\n"
                                       : ": left to the instance that claimed the step above\n");
        continue;
      }
      why = it->second;
    } else {
      std::vector<std::string> ups;
      for (const auto u : graph_.upstream(d)) ups.push_back(config_->jobs[u].name);
      auto lease = runner_.session();
      const auto done = runner_.log().succeeded_for(*lease, ups, slot);
      lease.release();
      if (const auto missing = core::missing_upstream(ups, done); !missing.empty()) {
        why = core::upstream_missing(missing);  // the daemon's words
      }
    }
    auto below_why = why;  // a step skipped for any reason skips everything below it
    if (why.empty() && !config_->jobs[d].enabled) {
      why = core::kJobDisabled;  // as in the daemon: never run as a step, by hand either
      below_why = core::upstream_skipped(config_->jobs[d].name, why);
    }
    if (why.empty()) {
      step(d, slot, cause, chain, force);
      continue;
    }
    for (const auto below : graph_.descendants(d)) {
      blocked_.emplace(std::make_pair(below, slot), below_why);
    }
    skip(d, slot, chain, why, cause);
  }
}

void ManualPipeline::skip(std::size_t job, schedule::Instant slot, std::int64_t chain,
                          const std::string& why, core::RunCause cause) {
  const auto& j = config_->jobs[job];
  auto lease = runner_.session();
  const auto state = runner_.log().slot_state(*lease, j.name, slot);
  lease.release();
  if (state.succeeded_run) return;  // nothing to say: it ran before
  RunRequest r;
  r.config = config_;
  r.job = job;
  r.scheduled_for = slot;
  r.cause = cause;
  r.chain_run_id = chain;
  r.attempt = state.attempts + 1;
  runner_.runner().skip(r, why);
  ++(why == core::kNoNewData ? totals_.idle : totals_.skipped);
  out_ << when(slot) << "  " << j.name << ": skipped: " << util::escape_for_message(why) << '\n';
}

void ManualPipeline::print(schedule::Instant slot, const std::string& job,
                           const RunReport& report) {
  const auto& o = report.outcome;
  out_ << when(slot) << "  " << job << ": run " << report.run_id << " " << core::to_string(o.status)
       << " in " << static_cast<double>(o.duration.count()) / 1000.0 << " ms";
  if (o.status != core::RunStatus::succeeded) {
    out_ << ": " << util::escape_for_message(core::failure_text(o));  // the server's text: one line
  }
  out_ << '\n' << std::flush;
}

}  // namespace sqlcron::exec
