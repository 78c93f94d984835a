// Black-box tests of `sqlcrond import-events`: YAML on stdout that check-config accepts as a
// jobs.d/ file, --disable turning the imported events off, exit codes.
#include <catch2/catch.hpp>

#include "support/system_harness.hpp"
#include "support/test_database.hpp"

using sqlcron::test::ConfigSpec;
using sqlcron::test::sqlcrond;
using sqlcron::test::TempDir;

namespace {

constexpr const char* kWork = "st_import_events";

struct Output {
  int exit_code;
  std::string out;  // stdout only
  std::string err;
};

// Runs sqlcrond with stdout and stderr kept apart (through sh, which only redirects).
Output import_events(const TempDir& dir, const std::vector<std::string>& args) {
  const auto err = (dir.path() / "stderr").string();
  std::vector<std::string> argv{"/bin/sh", "-c", R"("$0" "$@" 2>')" + err + "'", SQLCROND_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = sqlcron::test::run(argv);
  return Output{r.exit_code, r.output, sqlcron::test::read_text(err)};
}

std::string status_of(sqlcron::mysql::Session& db, const std::string& event) {
  return db
      .query(
          "SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? AND "
          "EVENT_NAME = ?",
          {std::string(kWork), event})
      .rows.at(0)
      .at(0)
      .value_or("");
}

}  // namespace

TEST_CASE("import-events prints jobs check-config accepts, --disable turns the events off",
          "[system][importer]") {
  auto db = sqlcron::test::fresh_schema(kWork);
  db->execute_raw("CREATE TABLE ticks (n INT, label VARCHAR(20))");
  db->execute_raw(
      "CREATE PROCEDURE tick(IN p_n INT, IN p_label VARCHAR(20)) "
      "INSERT INTO ticks VALUES (p_n, p_label)");
  db->execute_raw("SET time_zone = '+00:00'");
  db->execute_raw(
      "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 02:00:00' "
      "COMMENT 'the nightly tick' DO CALL tick(180, 'it''s')");
  db->execute_raw(
      "CREATE EVENT `purge` ON SCHEDULE EVERY '1:30' HOUR_MINUTE "
      "STARTS '2026-01-01 00:00:00' DO DELETE FROM ticks WHERE n < 0");
  db->execute_raw(
      "CREATE EVENT multi ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 03:00:00' "
      "DO BEGIN INSERT INTO ticks VALUES (1, 'a'); DELETE FROM ticks; END");
  db->execute_raw(
      "CREATE EVENT off ON SCHEDULE AT '2030-01-01 00:00:00' ON COMPLETION PRESERVE "
      "DISABLE DO CALL tick(0, NULL)");

  TempDir dir;
  const auto config = write_config(dir, ConfigSpec{"st_import_state", kWork, "", "10s", "", ""});

  // Without --disable nothing changes on the server.
  const auto dry = import_events(dir, {"--config", config, "import-events", "--schema", kWork});
  INFO(dry.out << dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK(status_of(*db, "nightly") == "ENABLED");
  CHECK_THAT(dry.out, Catch::Contains("  - name: st_import_events.nightly\n"
                                      "    schedule: \"every 1 DAY starts '2026-01-01 02:00:00'\"\n"
                                      "    timezone: UTC\n"
                                      "    call: st_import_events.tick\n"
                                      "    args: [180, \"it's\"]\n"));
  CHECK_THAT(dry.out, Catch::Contains("  # comment: the nightly tick\n"));
  CHECK_THAT(dry.out, Catch::Contains("  # - name: st_import_events.multi\n"));

  const auto r =
      import_events(dir, {"--config", config, "import-events", "--schema", kWork, "--disable"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == dry.out);
  CHECK_THAT(r.err, Catch::Contains("disabled: st_import_events.nightly (now job "
                                    "st_import_events.nightly)"));
  CHECK_THAT(r.err, Catch::Contains("disabled: st_import_events.purge"));
  CHECK_THAT(r.err, Catch::Contains("left enabled: st_import_events.multi (not imported: "));
  CHECK(status_of(*db, "nightly") == "DISABLED");
  CHECK(status_of(*db, "purge") == "DISABLED");
  CHECK(status_of(*db, "multi") == "ENABLED");
  CHECK_THAT(r.err, Catch::Contains("already disabled: st_import_events.off"));
  CHECK(status_of(*db, "off") == "DISABLED");

  // Saved in jobs.d/, the output is a valid part of the configuration.
  dir.write("jobs.d/imported.yaml", r.out);
  const auto check = sqlcrond({"--config", config, "check-config"});
  CHECK(check.exit_code == 0);
  CHECK_THAT(check.output, Catch::Contains(": OK: 3 jobs (2 enabled)"));
}

TEST_CASE("import-events: exit 69 when the database is unreachable, 64 for a bad zone",
          "[system][importer]") {
  TempDir dir;
  const auto down =
      dir.write("down.yaml", "database:\n  host: 127.0.0.1\n  port: 1\n  user: u\n  schema: s\n");
  const auto r = sqlcrond({"--config", down, "import-events"});
  CHECK(r.exit_code == 69);
  CHECK_THAT(r.output, Catch::Contains("sqlcrond import-events: "));
  CHECK(sqlcrond({"--config", down, "import-events", "--system-zone", "Mars/Base"}).exit_code ==
        64);
}
