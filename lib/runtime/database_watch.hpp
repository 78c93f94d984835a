// DatabaseWatch: the daemon's control connection and what it does with it - heartbeat, noticing
// an unreachable or read-only server, sweeping runs of dead instances to `abandoned`, writing
// back spooled run records, killing runs, and reading what misfire decisions need. Used only on
// the daemon's control thread (not thread-safe).
//
// Error contract: check() never throws (it reports); the other methods throw mysql::DbError.
// After a client-side error the connection is dropped and reopened on next use.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mysql/connection_settings.hpp"
#include "mysql/connector.hpp"
#include "runlog/job_mirror.hpp"
#include "runlog/notification_log.hpp"
#include "runlog/run_log.hpp"
#include "runlog/spool.hpp"

namespace sqlcron::runtime {

struct Health {
  bool up = false;
  bool read_only = false;
  std::string error;                     // why not up
  std::size_t replayed = 0;              // spooled records written back
  std::vector<runlog::Claim> abandoned;  // runs of dead instances this check marked abandoned
  std::int64_t purged = 0;               // runs deleted by the retention policy
  std::size_t spooled = 0;               // run results still waiting in the spool
};

class DatabaseWatch {
 public:
  static constexpr std::chrono::seconds kStaleAfter{60};
  // Connect, read and write timeout of the control connection.
  static constexpr std::chrono::seconds kIoTimeout{5};

  DatabaseWatch(const mysql::Connector& connector, mysql::ConnectionSettings settings,
                std::string state_schema, std::string instance, runlog::Spool& spool,
                std::chrono::milliseconds retention);

  Health check();
  std::vector<std::pair<std::string, schedule::Instant>> last_slots(schedule::Instant until);
  // Chains (see RunLog): which upstream jobs succeeded for a slot; lost chain triggers.
  std::vector<std::string> succeeded_for(const std::vector<std::string>& jobs,
                                         schedule::Instant slot, std::int64_t* first_chain);
  std::vector<std::pair<schedule::Instant, std::int64_t>> pending_chain_slots(
      const std::string& job, const std::vector<std::string>& upstream, schedule::Instant since);
  void record_notification(const runlog::Notification& n);
  // This instance's claim whose reply was lost: abandons its row if it is `running`.
  bool abandon_in_doubt(const std::string& job, schedule::Instant slot, int attempt);
  // Whether this account may kill threads of other users (CONNECTION ADMIN on MariaDB 10.5+,
  // CONNECTION_ADMIN on MySQL 8, or SUPER): without it, the runs of SQL SECURITY DEFINER
  // procedures of another definer cannot be killed, so their timeouts are not enforced.
  bool may_kill_any_thread();
  // KILL QUERY, or KILL CONNECTION when `whole_connection`.
  void kill(std::uint64_t connection_id, bool whole_connection);
  void sync_jobs(const std::vector<runlog::JobMirrorEntry>& jobs);
  void mark_stopped();

 private:
  mysql::Session& session();
  template <typename Fn>
  auto guarded(Fn&& fn);

  const mysql::Connector& connector_;
  mysql::ConnectionSettings settings_;
  std::string state_schema_;
  std::string instance_;
  runlog::Spool& spool_;
  runlog::RunLog log_;
  std::unique_ptr<mysql::Session> session_;
  std::chrono::milliseconds retention_;
  std::chrono::steady_clock::time_point next_purge_{};
};

}  // namespace sqlcron::runtime
