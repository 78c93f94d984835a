#include "config/option_file.hpp"

#include <catch2/catch.hpp>

using sqlcron::config::OptionFile;

TEST_CASE("option files: the [client] group, quotes, comments, - and _ alike", "[config]") {
  const auto opts = OptionFile::parse(
      "# my.cnf\n"
      "[mysqld]\n"
      "port = 1111\n"
      "[client]\n"
      "user = etl\n"
      "password = \"p#ss \\\"word\\\"\"\n"
      "host=db.example.com   # the primary\n"
      "ssl-ca = /etc/ca.pem\n"
      "; another comment\n"
      "[mysqldump]\n"
      "user = other\n");
  CHECK(opts == std::map<std::string, std::string>{{"user", "etl"},
                                                   {"password", "p#ss \"word\""},
                                                   {"host", "db.example.com"},
                                                   {"ssl_ca", "/etc/ca.pem"}});
}

TEST_CASE("option files: malformed input names the line", "[config]") {
  CHECK_THROWS_WITH(OptionFile::parse("[client]\npassword='open\n"),
                    Catch::Contains("line 2: unterminated quote"));
  CHECK_THROWS_WITH(OptionFile::parse("[client\n"), Catch::Contains("line 1: expected [group]"));
  CHECK_THROWS_WITH(OptionFile::parse("!include /etc/x.cnf\n"),
                    Catch::Contains("line 1: !include is not supported"));
}
