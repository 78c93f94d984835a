#include "exec/run_kill.hpp"

#include "mysql/db_error.hpp"
#include "util/mysql_error_codes.hpp"

namespace sqlcron::exec {

KillResult kill_run(RunControl& control, RunControl::Reason why, std::uint64_t connection,
                    const std::function<void(const std::string& statement)>& send) {
  // The whole connection, for a timeout as at shutdown: a procedure survives KILL QUERY (only its
  // current statement ends) and could go on to commit work after it was to be stopped. The id is
  // a number the server gave us, not user input.
  const auto statement = "KILL CONNECTION " + std::to_string(connection);
  try {
    const bool sent = control.kill(why, [&] { send(statement); });
    return {sent ? KillResult::Kind::sent : KillResult::Kind::ended, 0, {}};
  } catch (const mysql::DbError& e) {
    if (e.code() == util::mysql_code::kUnknownThread) return {};  // it ended meanwhile
    // 1095 "not owner of thread": a SQL SECURITY DEFINER procedure's thread belongs to its
    // definer, and this account lacks CONNECTION ADMIN. The run goes on; its row will say what
    // really happened, with this in its message.
    auto message = statement + " failed: error " + std::to_string(e.code()) + ": " + e.what();
    control.kill_failed(why, message);
    return {KillResult::Kind::refused, e.code(), std::move(message)};
  }
}

}  // namespace sqlcron::exec
