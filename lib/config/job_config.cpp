#include "config/config.hpp"

namespace sqlcron::config {

std::string JobConfig::target() const {
  if (load_csv) {
    return "load_csv:" + (load_csv->table_schema.empty() ? "" : load_csv->table_schema + ".") +
           load_csv->table;
  }
  if (!is_call()) return "sql";
  return call_schema.empty() ? call_procedure : call_schema + "." + call_procedure;
}

const std::string& JobConfig::schedule_text() const {
  static const std::string kNone;
  return schedule ? schedule->expression() : kNone;
}

std::string JobConfig::trigger() const {
  if (schedule) return schedule->expression();
  if (!after.empty()) {
    std::string out = "after ";
    for (std::size_t i = 0; i < after.size(); ++i) out += (i == 0 ? "" : ", ") + after[i];
    return out;
  }
  if (!watch.empty()) return "watch " + watch;
  return "on failure of another job";
}

}  // namespace sqlcron::config
