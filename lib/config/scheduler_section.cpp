#include "config/scheduler_section.hpp"

#include <algorithm>

#include "config/identifier.hpp"
#include "config/notify_reader.hpp"
#include "config/policies_reader.hpp"
#include "config/state_dir_check.hpp"
#include "schedule/time_format.hpp"

namespace sqlcron::config {

namespace fs = std::filesystem;

namespace {

// `on_failure: [alert]` and `notify: {...}`: the defaults of jobs without their own.
void read_failure_defaults(YamlReader& r, const YamlNode& s, SchedulerConfig& sc) {
  const auto hooks = s["on_failure"];
  if (hooks.defined() && !hooks.is_null()) {
    sc.on_failure_line = hooks.mark().line + 1;
    if (!hooks.is_sequence()) {
      r.issue(hooks, "scheduler.on_failure", "expected a list of job names, e.g. [alert]");
    } else {
      for (std::size_t i = 0; i < hooks.size(); ++i) {
        const auto key = "scheduler.on_failure[" + std::to_string(i) + "]";
        if (!hooks[i].is_scalar() || hooks[i].scalar().empty()) {
          r.issue(hooks[i], key, "expected a job name");
        } else if (std::find(sc.on_failure.begin(), sc.on_failure.end(), hooks[i].scalar()) !=
                   sc.on_failure.end()) {
          r.issue(hooks[i], key, "'" + hooks[i].scalar() + "' is listed twice");
        } else {
          sc.on_failure.push_back(hooks[i].scalar());
        }
      }
    }
  }
  sc.notify = read_notify(r, s["notify"], "scheduler.notify");
}

}  // namespace

void read_scheduler(YamlReader& r, const YamlNode& s, const fs::path& base_dir,
                    SchedulerConfig& sc) {
  sc.zone = schedule::find_zone("UTC");
  if (!s.defined()) return;
  const std::string p = "scheduler";
  if (!r.expect_map(s, p)) return;
  r.check_keys(s, p, kSchedulerKeys);
  sc.session_reset = r.boolean(s, "session_reset", p).value_or(sc.session_reset);
  if (auto schema = r.string(s, "state_schema", p)) {
    if (auto problem = identifier_problem(*schema)) {
      r.issue(s["state_schema"], "scheduler.state_schema", *problem);
    }
    sc.state_schema = *schema;
  }
  if (auto tz = r.string(s, "timezone", p)) {
    try {
      sc.zone = schedule::find_zone(*tz);
      sc.timezone = *tz;
    } catch (const std::invalid_argument& e) {
      r.issue(s["timezone"], "scheduler.timezone",
              std::string(e.what()) + "; expected an IANA name such as Europe/Berlin");
      sc.zone = nullptr;
    }
  }
  sc.max_concurrent_runs = r.integer(s, "max_concurrent_runs", p, 1, 4096).value_or(8);
  sc.shutdown_grace = r.duration(s, "shutdown_grace", p).value_or(sc.shutdown_grace);
  sc.misfire = read_misfire(r, s, p).value_or(sc.misfire);
  sc.misfire_grace = r.duration(s, "misfire_grace", p).value_or(sc.misfire_grace);
  sc.timeout = r.duration(s, "timeout", p);
  sc.run_log_retention = r.duration(s, "run_log_retention", p).value_or(sc.run_log_retention);
  if (auto hb = r.duration(s, "heartbeat_interval", p)) {
    if (*hb < std::chrono::milliseconds(100) || *hb > std::chrono::seconds(30)) {
      r.issue(s["heartbeat_interval"], "scheduler.heartbeat_interval",
              "must be between 100ms and 30s (instances silent for 60 s count as dead)");
    } else {
      sc.heartbeat_interval = *hb;
    }
  }
  sc.retry = read_retry(r, s["retry"], "scheduler.retry", sc.retry);
  read_failure_defaults(r, s, sc);
  if (auto dir = r.string(s, "state_dir", p)) {
    sc.state_dir = (base_dir / *dir).lexically_normal().string();
    if (auto problem = state_dir_problem(sc.state_dir)) {
      r.issue(s["state_dir"], "scheduler.state_dir", *problem);
    }
  }
}

}  // namespace sqlcron::config
