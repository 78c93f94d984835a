#include "importer/event_zone.hpp"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "schedule/time_format.hpp"

namespace sqlcron::importer {
namespace {

bool known_zone(std::string_view name) {
  try {
    schedule::find_zone(name);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// '+HH:MM' / '-HH:MM' as minutes east of UTC.
std::optional<int> offset_minutes(std::string_view tz) {
  if (tz.size() < 5 || (tz[0] != '+' && tz[0] != '-')) return std::nullopt;
  const auto colon = tz.find(':');
  if (colon == std::string_view::npos || colon < 2 || colon + 3 != tz.size()) return std::nullopt;
  int hours = 0;
  for (std::size_t i = 1; i < colon; ++i) {
    if (std::isdigit(static_cast<unsigned char>(tz[i])) == 0) return std::nullopt;
    hours = hours * 10 + (tz[i] - '0');
  }
  if (std::isdigit(static_cast<unsigned char>(tz[colon + 1])) == 0 ||
      std::isdigit(static_cast<unsigned char>(tz[colon + 2])) == 0) {
    return std::nullopt;
  }
  const int minutes = hours * 60 + (tz[colon + 1] - '0') * 10 + (tz[colon + 2] - '0');
  return tz[0] == '-' ? -minutes : minutes;
}

}  // namespace

std::optional<std::string> EventZone::system_zone_name(std::string_view system_time_zone) {
  for (const char* utc : {"UTC", "GMT", "UCT", "Etc/UTC", "Etc/GMT", "Universal", "Zulu"}) {
    if (system_time_zone == utc) return std::string("UTC");
  }
  if (system_time_zone.find('/') != std::string_view::npos && known_zone(system_time_zone)) {
    return std::string(system_time_zone);
  }
  return std::nullopt;
}

EventZone EventZone::resolve(std::string_view time_zone,
                             const std::optional<std::string>& system_zone,
                             std::string_view system_reported) {
  EventZone z;
  const std::string tz(time_zone);
  if (tz == "SYSTEM") {
    if (system_zone && known_zone(*system_zone)) {
      z.name_ = *system_zone;
      return z;
    }
    z.use_utc_times_ = true;
    z.note_ = "event time zone SYSTEM is the server's zone '" + std::string(system_reported) +
              "', which names no IANA zone: times converted to UTC; DAY/WEEK/MONTH schedules "
              "will not follow its DST changes (re-run with --system-zone Area/City to keep "
              "them)";
    return z;
  }
  if (const auto minutes = offset_minutes(tz)) {
    if (*minutes == 0) {
      z.name_ = "UTC";
      return z;
    }
    if (*minutes % 60 == 0 && *minutes >= -12 * 60 && *minutes <= 14 * 60) {
      const int hours = *minutes / 60;
      z.name_ = "Etc/GMT" + std::string(hours > 0 ? "-" : "+") + std::to_string(std::abs(hours));
      return z;
    }
    z.use_utc_times_ = true;
    z.note_ = "event time zone '" + tz +
              "' is a fixed offset without an IANA name: times converted to UTC";
    return z;
  }
  if (known_zone(tz)) {
    z.name_ = tz;
    return z;
  }
  z.use_utc_times_ = true;
  z.note_ = "event time zone '" + tz + "' is unknown to this host's tzdata: times converted to UTC";
  return z;
}

}  // namespace sqlcron::importer
