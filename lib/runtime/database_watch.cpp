#include "runtime/database_watch.hpp"

#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "runlog/instance_registry.hpp"

namespace sqlcron::runtime {

namespace {

// Retention deletes in batches this small, so no statement holds locks for long, at most this
// many per pass, once per kPurgeEvery.
constexpr int kPurgeBatch = 1000;
constexpr int kPurgeBatchesPerPass = 100;
constexpr std::chrono::minutes kPurgeEvery{10};

}  // namespace

DatabaseWatch::DatabaseWatch(const mysql::Connector& connector, mysql::ConnectionSettings settings,
                             std::string state_schema, std::string instance, runlog::Spool& spool,
                             std::chrono::milliseconds retention)
    : connector_(connector),
      settings_(std::move(settings)),
      state_schema_(std::move(state_schema)),
      instance_(std::move(instance)),
      spool_(spool),
      log_(state_schema_),
      retention_(retention) {
  // A frozen server (SIGSTOP, a partition without RST) must not hang the control thread: the
  // statements here are short (batches of at most a few thousand rows).
  settings_.connect_timeout = kIoTimeout;
  settings_.read_timeout = kIoTimeout;
  settings_.write_timeout = kIoTimeout;
}

mysql::Session& DatabaseWatch::session() {
  if (!session_) session_ = connector_.open(settings_);
  return *session_;
}

template <typename Fn>
auto DatabaseWatch::guarded(Fn&& fn) {
  try {
    return fn(session());
  } catch (const mysql::DbError& e) {
    if (mysql::is_connection_lost(e.code())) session_.reset();
    throw;
  }
}

Health DatabaseWatch::check() {
  Health h;
  try {
    guarded([&](mysql::Session& s) {
      runlog::InstanceRegistry(state_schema_, instance_).heartbeat(s);
      h.read_only = runlog::RunLog::server_read_only(s);
      if (!h.read_only) {
        // The spool first: a result recorded only there (the instance crashed before the
        // database came back) is the truth, and its run must not be judged abandoned and run
        // again.
        if (!spool_.empty()) h.replayed = spool_.replay(s, log_);
        h.abandoned = log_.abandon_orphans(s, instance_, kStaleAfter);
        h.spooled = spool_.records();
        if (std::chrono::steady_clock::now() >= next_purge_) {
          const auto cutoff = std::chrono::system_clock::now() - retention_;
          for (int i = 0; i < kPurgeBatchesPerPass; ++i) {
            const auto n = log_.purge(s, cutoff, kPurgeBatch);
            h.purged += n;
            if (n < kPurgeBatch) break;
          }
          next_purge_ = std::chrono::steady_clock::now() + kPurgeEvery;
        }
      }
      return 0;
    });
    h.up = true;
  } catch (const mysql::DbError& e) {
    h.error = e.what();
  }
  return h;
}

std::vector<std::pair<std::string, schedule::Instant>> DatabaseWatch::last_slots(
    schedule::Instant until) {
  return guarded([&](mysql::Session& s) { return log_.last_slots(s, until); });
}

std::vector<std::string> DatabaseWatch::succeeded_for(const std::vector<std::string>& jobs,
                                                      schedule::Instant slot,
                                                      std::int64_t* first_chain) {
  return guarded([&](mysql::Session& s) { return log_.succeeded_for(s, jobs, slot, first_chain); });
}

std::vector<std::pair<schedule::Instant, std::int64_t>> DatabaseWatch::pending_chain_slots(
    const std::string& job, const std::vector<std::string>& upstream, schedule::Instant since) {
  return guarded(
      [&](mysql::Session& s) { return log_.pending_chain_slots(s, job, upstream, since); });
}

void DatabaseWatch::record_notification(const runlog::Notification& n) {
  guarded([&](mysql::Session& s) {
    runlog::NotificationLog(state_schema_).record(s, n);
    return 0;
  });
}

bool DatabaseWatch::abandon_in_doubt(const std::string& job, schedule::Instant slot, int attempt) {
  runlog::Claim c;
  c.job = job;
  c.scheduled_for = slot;
  c.attempt = attempt;
  c.instance = instance_;
  return guarded([&](mysql::Session& s) { return log_.abandon_in_doubt(s, c); });
}

bool DatabaseWatch::may_kill_any_thread() {
  // CURRENT_USER() is user@host; USER_PRIVILEGES names it 'user'@'host'. The user part is
  // everything before the last '@'.
  return guarded([&](mysql::Session& s) {
    const auto rs = s.query(
        "SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE GRANTEE ="
        " CONCAT('''', LEFT(CURRENT_USER(), CHAR_LENGTH(CURRENT_USER()) -"
        " CHAR_LENGTH(SUBSTRING_INDEX(CURRENT_USER(), '@', -1)) - 1), '''@''',"
        " SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''') AND PRIVILEGE_TYPE IN"
        " ('CONNECTION ADMIN', 'CONNECTION_ADMIN', 'SUPER')");
    return rs.rows.at(0).at(0).value_or("0") != "0";
  });
}

void DatabaseWatch::kill(std::uint64_t connection_id, bool whole_connection) {
  // The id is a number the server gave us, not user input.
  const std::string sql =
      (whole_connection ? "KILL CONNECTION " : "KILL QUERY ") + std::to_string(connection_id);
  guarded([&](mysql::Session& s) { return s.execute_raw(sql); });
}

void DatabaseWatch::sync_jobs(const std::vector<runlog::JobMirrorEntry>& jobs) {
  guarded([&](mysql::Session& s) {
    runlog::JobMirror(state_schema_).sync(s, jobs, instance_);
    return 0;
  });
}

void DatabaseWatch::mark_stopped() {
  guarded([&](mysql::Session& s) {
    runlog::InstanceRegistry(state_schema_, instance_).mark_stopped(s);
    return 0;
  });
}

}  // namespace sqlcron::runtime
