#include "mysql/connector_session.hpp"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>

#include "mysql/db_error.hpp"

namespace sqlcron::mysql {

namespace {

DbError to_db_error(const sql::SQLException& e) {
  return DbError(e.getErrorCode(), e.getSQLState(), e.what());
}

void bind(sql::PreparedStatement& stmt, const std::vector<Value>& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto index = static_cast<unsigned int>(i + 1);
    const auto& v = params[i];
    if (std::holds_alternative<std::monostate>(v)) {
      stmt.setNull(index, sql::DataType::VARCHAR);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      stmt.setInt64(index, *n);
    } else if (const auto* d = std::get_if<double>(&v)) {
      stmt.setDouble(index, *d);
    } else {
      stmt.setString(index, std::get<std::string>(v));
    }
  }
}

ResultSet read_all(sql::ResultSet& rs) {
  ResultSet out;
  sql::ResultSetMetaData* meta = rs.getMetaData();
  const auto n = meta->getColumnCount();
  for (unsigned int c = 1; c <= n; ++c) out.columns.push_back(meta->getColumnLabel(c));
  while (rs.next()) {
    Row row;
    row.reserve(n);
    for (unsigned int c = 1; c <= n; ++c) {
      if (rs.isNull(c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(rs.getString(c)));
      }
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

template <typename Fn>
auto guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const sql::SQLException& e) {
    throw to_db_error(e);
  }
}

}  // namespace

ConnectorSession::ConnectorSession(std::unique_ptr<sql::Connection> connection)
    : connection_(std::move(connection)) {
  guarded([&] {
    std::unique_ptr<sql::Statement> stmt(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery("SELECT CONNECTION_ID()"));
    rs->next();
    connection_id_ = rs->getUInt64(1);
    return 0;
  });
}

ConnectorSession::~ConnectorSession() {
  try {
    statements_.clear();  // statements close on their connection, so before it closes
    connection_->close();
  } catch (const sql::SQLException&) {  // NOLINT(bugprone-empty-catch): closing a dead link
  }
}

template <typename Fn>
auto ConnectorSession::with_statement(std::string_view sql, Fn&& fn) {
  if (sql.size() > kMaxCachedSql) {
    return guarded([&] {
      std::unique_ptr<sql::PreparedStatement> stmt(
          connection_->prepareStatement(sql::SQLString(sql.data(), sql.size())));
      return fn(*stmt);
    });
  }
  std::string key(sql);
  auto it = statements_.find(key);
  if (it == statements_.end()) {
    if (statements_.size() >= kMaxCached) statements_.clear();
    std::unique_ptr<sql::PreparedStatement> stmt;
    guarded([&] {
      stmt.reset(connection_->prepareStatement(sql::SQLString(key)));
      return 0;
    });
    it = statements_.emplace(std::move(key), std::move(stmt)).first;
  }
  try {
    return fn(*it->second);
  } catch (const sql::SQLException& e) {
    statements_.erase(it);
    throw to_db_error(e);
  }
}

std::int64_t ConnectorSession::execute(std::string_view sql, const std::vector<Value>& params) {
  return with_statement(sql, [&](sql::PreparedStatement& stmt) -> std::int64_t {
    bind(stmt, params);
    return stmt.executeUpdate();
  });
}

ResultSet ConnectorSession::query(std::string_view sql, const std::vector<Value>& params) {
  return with_statement(sql, [&](sql::PreparedStatement& stmt) {
    bind(stmt, params);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    return read_all(*rs);
  });
}

std::int64_t ConnectorSession::execute_raw(std::string_view sql) {
  return guarded([&]() -> std::int64_t {
    std::unique_ptr<sql::Statement> stmt(connection_->createStatement());
    bool has_result = stmt->execute(sql::SQLString(sql.data(), sql.size()));
    std::int64_t count = 0;
    if (!has_result) count = static_cast<std::int64_t>(stmt->getUpdateCount());
    // A CALL returns one result per SELECT plus a final status; read them all so the
    // connection is left ready for the next statement.
    do {
      if (has_result) std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
      has_result = stmt->getMoreResults();
    } while (has_result);
    return count;
  });
}

std::int64_t ConnectorSession::call(std::string_view schema, std::string_view procedure,
                                    const std::vector<Value>& args) {
  // Connector/C++ 1.1 over libmariadb misreports an error raised while a *prepared* CALL runs
  // (SIGNAL arrives as 2027 "malformed packet"). So the values are bound to session variables
  // with a prepared SET, and the CALL itself goes over the text protocol: still no value is
  // ever spliced into SQL, and errors arrive intact.
  std::string call = "CALL ";
  if (!schema.empty()) call += quote_identifier(schema) + ".";
  call += quote_identifier(procedure) + "(";
  std::string set = "SET ";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto var = "@sqlcron_arg" + std::to_string(i + 1);
    call += (i == 0 ? "" : ", ") + var;
    set += (i == 0 ? "" : ", ") + var + " = ?";
  }
  call += ")";
  if (!args.empty()) execute(set, args);
  return guarded([&]() -> std::int64_t {
    std::unique_ptr<sql::Statement> stmt(connection_->createStatement());
    bool has_result = stmt->execute(call);
    // Drain every result (one per SELECT inside the procedure, then the CALL's status) so the
    // connection is ready for the next statement.
    std::int64_t affected = has_result ? 0 : static_cast<std::int64_t>(stmt->getUpdateCount());
    do {
      if (has_result) std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
      has_result = stmt->getMoreResults();
      if (!has_result) {
        const auto n = static_cast<std::int64_t>(stmt->getUpdateCount());
        if (n > 0) affected = n;
      }
    } while (has_result);
    return affected < 0 ? 0 : affected;
  });
}

void ConnectorSession::set_schema(std::string_view schema) {
  guarded([&] {
    connection_->setSchema(sql::SQLString(schema.data(), schema.size()));
    return 0;
  });
}

bool ConnectorSession::ping() {
  try {
    std::unique_ptr<sql::Statement> stmt(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery("SELECT 1"));
    return rs->next();
  } catch (const sql::SQLException&) {
    return false;
  }
}

std::string quote_identifier(std::string_view name) {
  std::string out = "`";
  for (const char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

}  // namespace sqlcron::mysql
