// ConnectorSession: Session implemented with MySQL Connector/C++ 1.1.
//
// Error contract: as Session; every sql::SQLException becomes DbError here.
#pragma once

#include <cppconn/connection.h>

#include <memory>

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
  std::unique_ptr<sql::Connection> connection_;
  std::uint64_t connection_id_ = 0;
};

}  // namespace sqlcron::mysql
