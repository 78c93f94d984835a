#include "core/run_outcome.hpp"

namespace sqlcron::core {

std::string failure_text(const RunOutcome& o) {
  std::string out;
  if (o.error_code != 0) {
    out = "error " + std::to_string(o.error_code);
    if (!o.sql_state.empty()) out += " (" + o.sql_state + ")";
  }
  if (!o.error_message.empty()) out += (out.empty() ? "" : ": ") + o.error_message;
  return out.empty() ? "no error" : out;
}

}  // namespace sqlcron::core
