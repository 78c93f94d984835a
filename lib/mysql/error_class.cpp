#include "mysql/error_class.hpp"

namespace sqlcron::mysql {

bool is_unreachable(int error_code) { return error_code >= code::kFirstClientError; }

bool is_connection_lost(int error_code) {
  return is_unreachable(error_code) || error_code == code::kConnectionKilled ||
         error_code == code::kServerShutdown;
}

bool is_lock_conflict(int error_code) {
  return error_code == code::kDeadlock || error_code == code::kLockWaitTimeout;
}

bool is_refused_value(int error_code) {
  switch (error_code) {
    case code::kCannotBeNull:
    case code::kOutOfRange:
    case code::kDataTruncated:
    case code::kWrongValue:
    case code::kIncorrectString:
    case code::kDataTooLong:
    case code::kWrongValueForFunction:
      return true;
    default:
      return false;
  }
}

}  // namespace sqlcron::mysql
