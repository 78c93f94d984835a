// Reading the execution policies of a job, and their defaults in scheduler: (retry, misfire,
// overlap, max_instances, misfire_grace).
//
// Error contract: never throws; problems are recorded in the YamlReader, and the defaults kept.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace sqlcron::config {

// `retry: {attempts: 3, backoff: 30s, max_backoff: 10m}`; absent keys keep `defaults`.
RetryPolicy read_retry(YamlReader& r, const YamlNode& node, const std::string& path,
                       RetryPolicy defaults);

// `misfire:` of `map`; nullopt if absent or invalid (an issue).
std::optional<Misfire> read_misfire(YamlReader& r, const YamlNode& map, const std::string& path);

// overlap, max_instances, misfire and misfire_grace of the job `node`.
void read_job_policies(YamlReader& r, const YamlNode& node, const std::string& path,
                       const SchedulerConfig& defaults, JobConfig& job);

}  // namespace sqlcron::config
