// EventConverter: turns MySQL events (rows of information_schema.EVENTS) into sqlcron job
// definitions, as the YAML text of a `jobs:` list that ConfigLoader accepts (a file for
// jobs.d/). The schedule keeps the event's meaning: `every N UNIT starts '…' [ends '…']` or
// `at '…'` in the event's zone (see EventZone), the body becomes `call:` + `args:` or `sql:`
// (see EventBody). An event that no job can express as it is (a body of several statements, a
// schedule sqlcron rejects) is written commented out, with the reason and what to do.
// Pure: no database, no clock.
//
// Error contract: convert() never throws for any event data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "importer/event_definition.hpp"

namespace sqlcron::importer {

struct ConversionOptions {
  std::optional<std::string> system_zone;  // IANA zone for TIME_ZONE = SYSTEM, if known
  std::string system_reported = "SYSTEM";  // the server's @@system_time_zone, for notes
  // database.schema of the config: the default schema `sql:` jobs run with. Empty: unknown.
  std::string default_schema;
};

struct ConvertedEvent {
  std::string schema;  // the event
  std::string name;
  std::string job_name;
  bool enabled = true;    // the event's STATUS is ENABLED
  bool imported = false;  // false: written commented out, see `reason`
  std::string reason;
};

struct Conversion {
  std::string yaml;
  std::vector<ConvertedEvent> events;  // in input order
};

class EventConverter {
 public:
  explicit EventConverter(ConversionOptions options) : options_(std::move(options)) {}

  [[nodiscard]] Conversion convert(const std::vector<EventDefinition>& events) const;

 private:
  ConversionOptions options_;
};

}  // namespace sqlcron::importer
