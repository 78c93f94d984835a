// Reading the `scheduler:` section: the state schema, the default zone and job policies, limits,
// the state directory and the intervals of the daemon's own work.
//
// Error contract: never throws; problems are recorded in the YamlReader. sc.zone is UTC when the
// section has no timezone, and null when the one given is invalid (an issue; jobs are not read
// then).
#pragma once

#include <filesystem>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace sqlcron::config {

void read_scheduler(YamlReader& r, const YamlNode& s, const std::filesystem::path& base_dir,
                    SchedulerConfig& sc);

}  // namespace sqlcron::config
