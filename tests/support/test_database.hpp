// TestDatabase: the MariaDB server the integration and system tests run against, named by the
// environment (SQLCRON_TEST_DB_HOST, _PORT, _SOCKET, _USER, _PASSWORD), as printed by
// `scripts/mysql-sandbox start DIR`. Tests that need it fail (not skip) when it is not set.
#pragma once

#include <memory>
#include <string>

#include "mysql/connection_settings.hpp"
#include "mysql/session.hpp"

namespace sqlcron::test {

// Settings for the test server with `schema` as the default schema.
mysql::ConnectionSettings test_settings(const std::string& schema = "");

// A new session to the test server.
std::unique_ptr<mysql::Session> connect(const std::string& schema = "");

// Drops and re-creates `schema`; returns a session using it.
std::unique_ptr<mysql::Session> fresh_schema(const std::string& schema);

// Loads the vendored Chinook data (tests/data/chinook) into schema `schema` (default "Chinook"),
// replacing whatever was there. Takes about 0.3 s.
void load_chinook(const std::string& schema = "Chinook");

// Applies every .sql file of migrations/chinook to `schema` (DELIMITER-aware, as `migrate` does).
void apply_chinook_pack(const std::string& schema = "Chinook");

// Applies every .sql file of `directory` (relative to the source tree, e.g.
// "migrations/analytics") to `schema`, in name order.
void apply_pack(const std::string& schema, const std::string& directory);

// Path of a file in the source tree, e.g. source_path("migrations/chinook").
std::string source_path(const std::string& relative);

}  // namespace sqlcron::test
