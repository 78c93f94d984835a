// Session: one open connection to MySQL/MariaDB (utf8mb4, autocommit). All SQL of sqlcron goes
// through here with bound parameters; identifiers are quoted with quote_identifier().
//
// Error contract: every method throws DbError (code, SQLSTATE, message) on failure; no
// sql::SQLException escapes. A Session is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mysql/connection_settings.hpp"
#include "mysql/value.hpp"

namespace sqlcron::mysql {

class Session {
 public:
  virtual ~Session() = default;

  // Runs one statement; returns rows affected (0 for statements without a count).
  virtual std::int64_t execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs one statement returning rows; every cell comes back as text (or NULL).
  virtual ResultSet query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs a statement without preparing it (for DDL, CREATE PROCEDURE, multi-result CALL); drains
  // every result. Returns the last update count seen, or 0.
  virtual std::int64_t execute_raw(std::string_view sql) = 0;
  // CALL `schema`.`procedure`(?, ...) with bound args; drains all results; returns rows affected
  // reported by the server for the call (ROW_COUNT() of the last statement, >= 0).
  virtual std::int64_t call(std::string_view schema, std::string_view procedure,
                            const std::vector<Value>& args) = 0;
  virtual void set_schema(std::string_view schema) = 0;
  // The server's CONNECTION_ID() of this session (for KILL QUERY).
  [[nodiscard]] virtual std::uint64_t connection_id() const = 0;
  // True if the connection still answers.
  virtual bool ping() = 0;
};

// `name` in backticks with embedded backticks doubled. Callers validate identifiers first.
std::string quote_identifier(std::string_view name);

}  // namespace sqlcron::mysql
