#include "mysql/error_class.hpp"

#include <catch2/catch.hpp>

namespace mysql = sqlcron::mysql;
namespace code = sqlcron::mysql::code;

TEST_CASE("MySQL errors fall into the classes their handlers rely on", "[mysql][error_class]") {
  for (const int lost : {code::kServerGone, code::kServerLost, code::kServerLostExtended,
                         code::kCannotConnect, code::kConnectionKilled, code::kServerShutdown}) {
    CHECK(mysql::is_connection_lost(lost));
  }
  CHECK(mysql::is_unreachable(code::kCannotReachHost));
  CHECK_FALSE(mysql::is_unreachable(code::kConnectionKilled));
  for (const int kept : {code::kDeadlock, code::kDuplicateKey, code::kQueryInterrupted, 1064}) {
    CHECK_FALSE(mysql::is_connection_lost(kept));
  }
  CHECK(mysql::is_lock_conflict(code::kDeadlock));
  CHECK(mysql::is_lock_conflict(code::kLockWaitTimeout));
  CHECK_FALSE(mysql::is_lock_conflict(code::kDuplicateKey));
  CHECK(mysql::is_refused_value(code::kDataTooLong));
  CHECK(mysql::is_refused_value(code::kCannotBeNull));
  CHECK_FALSE(mysql::is_refused_value(code::kServerGone));
}
