// Exit codes of sqlcrond (sysexits.h values where one fits).
#pragma once

namespace sqlcron::daemon {

enum class ExitCode : int {
  ok = 0,
  failure = 1,
  usage = 64,           // EX_USAGE: bad command line
  unavailable = 69,     // EX_UNAVAILABLE: the database cannot be reached
  software = 70,        // EX_SOFTWARE: an internal error (an exception nothing else handled)
  cannot_create = 73,   // EX_CANTCREAT: scheduler.state_dir cannot hold the spool (serve)
  state_dir_busy = 75,  // EX_TEMPFAIL: another daemon holds scheduler.state_dir (serve)
  cannot_listen = 75,   // EX_TEMPFAIL: serve cannot listen on http.listen (port in use, not
                        // permitted); nothing was registered; systemd's Restart= tries again
  tempfail = 75,        // EX_TEMPFAIL: rerun: a step of the instance still runs; try later
  config = 78,
  interrupted = 130,  // 128 + SIGINT: a run-now/backfill/rerun stopped by SIGINT, SIGTERM, SIGHUP or SIGQUIT //
                      // EX_CONFIG: the configuration is invalid
};

inline int to_int(ExitCode c) { return static_cast<int>(c); }

}  // namespace sqlcron::daemon
