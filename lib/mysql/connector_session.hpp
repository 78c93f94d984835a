// ConnectorSession: Session implemented with MySQL Connector/C++ 1.1.
//
// Prepared statements are kept per session (up to kMaxCached, of SQL up to kMaxCachedSql bytes)
// and re-executed with new parameters: a statement sqlcron runs again and again (mark a run
// started, bind a job's arguments) costs one round trip instead of a prepare, an execute and a
// close. A statement that failed is dropped from the cache and prepared afresh next time.
//
// Error contract: as Session; every sql::SQLException becomes DbError here.
#pragma once

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "mysql/session.hpp"

namespace sqlcron::mysql {

class ConnectorSession : public Session {
 public:
  explicit ConnectorSession(std::unique_ptr<sql::Connection> connection);
  ~ConnectorSession() override;

  std::int64_t execute(std::string_view sql, const std::vector<Value>& params) override;
  ResultSet query(std::string_view sql, const std::vector<Value>& params) override;
  std::int64_t execute_raw(std::string_view sql) override;
  std::int64_t call(std::string_view schema, std::string_view procedure,
                    const std::vector<Value>& args) override;
  void set_schema(std::string_view schema) override;
  [[nodiscard]] std::uint64_t connection_id() const override { return connection_id_; }
  bool ping() override;

 private:
  static constexpr std::size_t kMaxCached = 64;
  static constexpr std::size_t kMaxCachedSql = 2048;

  // Runs `fn` with a prepared statement for `sql`, cached or not (see above).
  template <typename Fn>
  auto with_statement(std::string_view sql, Fn&& fn);

  std::unique_ptr<sql::Connection> connection_;
  std::uint64_t connection_id_ = 0;
  // Declared after connection_ but cleared explicitly before it closes (see the destructor).
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
};

}  // namespace sqlcron::mysql
