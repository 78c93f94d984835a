// EventZone: the IANA time zone a job gets for an event's TIME_ZONE column.
//   - an IANA name (the server had time zone tables loaded): itself;
//   - a whole-hour offset '+02:00': Etc/GMT-2 (POSIX signs are inverted), '+00:00': UTC;
//   - SYSTEM: the server's system zone, if it can be named (see system_zone_name());
//   - anything else (an offset such as '+05:30', an unnamable SYSTEM zone, a name unknown to
//     the local tzdata): UTC, with the event's times converted to UTC and a note saying so.
//
// Error contract: never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sqlcron::importer {

class EventZone {
 public:
  // `system_zone`: the IANA name standing for SYSTEM (nullopt: unknown); `system_reported`:
  // the server's @@system_time_zone, quoted in the note when it cannot be named.
  static EventZone resolve(std::string_view time_zone,
                           const std::optional<std::string>& system_zone,
                           std::string_view system_reported);

  // The IANA zone for @@system_time_zone, when it names one unambiguously. MySQL and MariaDB
  // report the abbreviation of the server's zone (tzname: "UTC", "CET", "CEST", "EST"), which
  // says nothing about DST rules, so only UTC-like names and full Area/City names are accepted.
  static std::optional<std::string> system_zone_name(std::string_view system_time_zone);

  [[nodiscard]] const std::string& name() const { return name_; }
  // True: the job must use the event's times converted to UTC (the *_utc fields).
  [[nodiscard]] bool use_utc_times() const { return use_utc_times_; }
  // Why the zone is not the event's own (empty when it is).
  [[nodiscard]] const std::string& note() const { return note_; }

 private:
  std::string name_ = "UTC";
  bool use_utc_times_ = false;
  std::string note_;
};

}  // namespace sqlcron::importer
