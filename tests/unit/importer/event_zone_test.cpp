#include "importer/event_zone.hpp"

#include <catch2/catch.hpp>

using sqlcron::importer::EventZone;

TEST_CASE("EventZone: event TIME_ZONE to an IANA zone", "[importer]") {
  struct Case {
    const char* time_zone;
    std::optional<std::string> system_zone;
    const char* zone;
    bool utc_times;
  };
  const std::vector<Case> cases{
      {"Europe/Berlin", std::nullopt, "Europe/Berlin", false},
      {"+00:00", std::nullopt, "UTC", false},
      {"+02:00", std::nullopt, "Etc/GMT-2", false},
      {"-05:00", std::nullopt, "Etc/GMT+5", false},
      {"+14:00", std::nullopt, "Etc/GMT-14", false},
      {"+05:30", std::nullopt, "UTC", true},
      {"SYSTEM", std::string("America/New_York"), "America/New_York", false},
      {"SYSTEM", std::string("UTC"), "UTC", false},
      {"SYSTEM", std::nullopt, "UTC", true},
      {"Mars/Olympus_Mons", std::nullopt, "UTC", true},
  };
  for (const auto& c : cases) {
    INFO(c.time_zone << " system " << c.system_zone.value_or("-"));
    const auto z = EventZone::resolve(c.time_zone, c.system_zone, "CEST");
    CHECK(z.name() == c.zone);
    CHECK(z.use_utc_times() == c.utc_times);
    CHECK(z.note().empty() == !c.utc_times);
  }
  CHECK_THAT(EventZone::resolve("SYSTEM", std::nullopt, "CEST").note(),
             Catch::Contains("'CEST', which names no IANA zone"));
}

TEST_CASE("EventZone: @@system_time_zone is named only when unambiguous", "[importer]") {
  CHECK(EventZone::system_zone_name("UTC") == "UTC");
  CHECK(EventZone::system_zone_name("GMT") == "UTC");
  CHECK(EventZone::system_zone_name("Europe/Berlin") == "Europe/Berlin");
  CHECK_FALSE(EventZone::system_zone_name("CET"));  // an abbreviation: which DST rules?
  CHECK_FALSE(EventZone::system_zone_name("EST"));
  CHECK_FALSE(EventZone::system_zone_name("Nowhere/Town"));
  CHECK_FALSE(EventZone::system_zone_name(""));
}
