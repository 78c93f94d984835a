// DbError: any failure reported by the server or the client library, carrying MySQL's error code
// and SQLSTATE. sql::SQLException never leaves the mysql layer; it becomes this.
#pragma once

#include <stdexcept>
#include <string>

namespace sqlcron::mysql {

class DbError : public std::runtime_error {
 public:
  DbError(int code, std::string sql_state, const std::string& message)
      : std::runtime_error(message), code_(code), sql_state_(std::move(sql_state)) {}

  [[nodiscard]] int code() const { return code_; }
  [[nodiscard]] const std::string& sql_state() const { return sql_state_; }

 private:
  int code_;
  std::string sql_state_;
};

}  // namespace sqlcron::mysql
