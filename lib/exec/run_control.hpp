// RunControl: what the event loop (or a one-shot command's watchdog) and the worker running a run
// share about interrupting it.
//
// A KILL is sent only while the run's SQL has not ended, and the worker cannot end it - and hand
// its connection to another run - while a KILL is being sent: kill() holds the lock across the
// KILL statement and end() takes it. So a KILL provably reaches this run's own statement, never
// one of a run that reused the connection (issue 13, item 16).
//
// A KILL the server refuses (a SQL SECURITY DEFINER procedure's thread belongs to the definer;
// killing it needs CONNECTION ADMIN) is remembered: the run is then recorded as what it really
// became, with the refusal in its message, never as timed_out.
//
// Error contract: kill() propagates what `send` throws (the KILL was then not delivered).
// Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <string>

namespace sqlcron::exec {

class RunControl {
 public:
  enum class Reason { none, timeout, shutdown };

  // What the worker learns when its SQL has ended.
  struct Verdict {
    Reason reason = Reason::none;  // why it was to be killed (none: it was not)
    bool killed = false;           // a KILL reached the server
    std::string refused;           // why the server refused the KILL ("" if it did not)
  };

  // Unless the SQL has ended: records why, then runs `send` (the KILL) under the lock. Returns
  // false, sending nothing, if the SQL has ended.
  bool kill(Reason why, const std::function<void()>& send);
  // The KILL for `why` was refused or could not be sent: `message` says why.
  void kill_failed(Reason why, const std::string& message);
  // The worker: the SQL has ended. Waits for a KILL being sent; none is sent after this.
  Verdict end();
  [[nodiscard]] bool ended() const;

 private:
  mutable std::mutex mutex_;
  bool ended_ = false;
  Verdict verdict_;
};

}  // namespace sqlcron::exec
