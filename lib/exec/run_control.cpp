#include "exec/run_control.hpp"

namespace sqlcron::exec {

bool RunControl::kill(Reason why, const std::function<void()>& send) {
  const std::lock_guard lock(mutex_);
  if (ended_) return false;
  verdict_.reason = why;
  send();  // throws if the KILL was not delivered: `killed` stays as it was
  verdict_.killed = true;
  verdict_.refused.clear();
  return true;
}

void RunControl::kill_failed(Reason why, const std::string& message) {
  const std::lock_guard lock(mutex_);
  if (ended_ || verdict_.killed) return;
  verdict_.reason = why;
  verdict_.refused = message;
}

RunControl::Verdict RunControl::end() {
  const std::lock_guard lock(mutex_);
  ended_ = true;
  return verdict_;
}

bool RunControl::ended() const {
  const std::lock_guard lock(mutex_);
  return ended_;
}

}  // namespace sqlcron::exec
