// The MySQL / MariaDB error numbers sqlcron acts on, by name (server ER_* and client CR_*).
// Constants only and no dependencies, so that every layer can name them: lib/core's retry rule
// may not depend on lib/mysql, which classifies them (mysql/error_class.hpp).
#pragma once

namespace sqlcron::util::mysql_code {

// Server errors.
inline constexpr int kTooManyConnections = 1040;      // ER_CON_COUNT_ERROR
inline constexpr int kWsrepNotReady = 1047;           // Galera: WSREP has not yet prepared node
inline constexpr int kCannotBeNull = 1048;            // ER_BAD_NULL_ERROR
inline constexpr int kServerShutdown = 1053;          // ER_SERVER_SHUTDOWN
inline constexpr int kDuplicateKey = 1062;            // ER_DUP_ENTRY
inline constexpr int kUnknownThread = 1094;           // ER_NO_SUCH_THREAD (KILL: it ended)
inline constexpr int kNotOwnerOfThread = 1095;        // ER_KILL_DENIED_ERROR
inline constexpr int kTooManyUserConnections = 1203;  // ER_TOO_MANY_USER_CONNECTIONS
inline constexpr int kLockWaitTimeout = 1205;         // ER_LOCK_WAIT_TIMEOUT
inline constexpr int kLockTableFull = 1206;           // ER_LOCK_TABLE_FULL
inline constexpr int kDeadlock = 1213;                // ER_LOCK_DEADLOCK
inline constexpr int kOutOfRange = 1264;              // ER_WARN_DATA_OUT_OF_RANGE
inline constexpr int kDataTruncated = 1265;           // WARN_DATA_TRUNCATED
inline constexpr int kReadOnly = 1290;                // ER_OPTION_PREVENTS_STATEMENT
inline constexpr int kWrongValue = 1292;              // ER_TRUNCATED_WRONG_VALUE (datetime)
inline constexpr int kQueryInterrupted = 1317;        // ER_QUERY_INTERRUPTED (our KILL QUERY)
inline constexpr int kIncorrectString = 1366;         // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
inline constexpr int kDataTooLong = 1406;             // ER_DATA_TOO_LONG
inline constexpr int kWrongValueForFunction = 1411;   // ER_WRONG_VALUE_FOR_TYPE
inline constexpr int kXaRollbackDeadlock = 1614;      // ER_XA_RBDEADLOCK
inline constexpr int kReadOnlyMode = 1836;            // ER_READ_ONLY_MODE
inline constexpr int kConnectionKilled = 1927;        // ER_CONNECTION_KILLED (MariaDB)

// Client library errors: every number from here up.
inline constexpr int kFirstClientError = 2000;    // CR_MIN_ERROR
inline constexpr int kCannotConnect = 2002;       // CR_CONNECTION_ERROR (socket)
inline constexpr int kCannotReachHost = 2003;     // CR_CONN_HOST_ERROR
inline constexpr int kServerGone = 2006;          // CR_SERVER_GONE_ERROR
inline constexpr int kServerLost = 2013;          // CR_SERVER_LOST
inline constexpr int kServerLostExtended = 2055;  // CR_SERVER_LOST_EXTENDED

}  // namespace sqlcron::util::mysql_code
