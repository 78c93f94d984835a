// Error classes: what a MySQL error number means for the code that got it. The numbers
// themselves are named in util/mysql_error_codes.hpp (here as mysql::code), which lib/core uses
// for its retry rule (core::is_transient) without depending on this layer.
// Pure functions of the number; they never throw.
#pragma once

#include "util/mysql_error_codes.hpp"

namespace sqlcron::mysql {

namespace code = util::mysql_code;

// No server answered: an error of the client library (CR_*, 2000 and up): cannot connect,
// server gone, lost connection, ...
[[nodiscard]] bool is_unreachable(int error_code);

// The connection is in an unknown state and must not be used again: a client error, or the
// server killed it or is shutting down.
[[nodiscard]] bool is_connection_lost(int error_code);

// The statement lost a lock conflict (deadlock or lock wait timeout): trying again may work.
[[nodiscard]] bool is_lock_conflict(int error_code);

// The server refused the values of one row (NULL in a NOT NULL column, out of range, truncated,
// invalid date-time or string, too long): sending the same row again will never work.
[[nodiscard]] bool is_refused_value(int error_code);

}  // namespace sqlcron::mysql
