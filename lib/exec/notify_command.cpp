#include "exec/notify_command.hpp"

#include <spdlog/spdlog.h>

#include "exec/command_runner.hpp"
#include "util/result_format.hpp"

namespace sqlcron::exec {

runlog::Notification perform_notify(const core::action::RunNotify& a) {
  runlog::Notification n;
  n.run_id = a.failure->run_id;
  n.job = a.failure->job;
  n.command = util::json_string_array(a.argv);  // argv as it ran: arguments may hold spaces
  n.started_at = std::chrono::system_clock::now();
  const auto r = CommandRunner::run(a.argv, a.env, a.timeout);
  n.duration = r.duration;
  n.exit_code = r.exit_code;
  n.term_signal = r.term_signal;
  n.timed_out = r.timed_out;
  n.output = r.output;
  n.error_message = r.error;
  if (!r.error.empty()) {
    spdlog::error("notify for run {} of {}: {}", n.run_id, n.job, r.error);
  } else if (r.timed_out) {
    spdlog::warn("notify for run {} of {}: killed after its {} ms timeout", n.run_id, n.job,
                 a.timeout.count());
  } else {
    spdlog::info("notify for run {} of {}: {} exited {}", n.run_id, n.job, a.argv[0],
                 r.exit_code ? std::to_string(*r.exit_code)
                             : "by signal " + std::to_string(r.term_signal.value_or(0)));
  }
  return n;
}

}  // namespace sqlcron::exec
