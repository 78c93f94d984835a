// JobReader: reads the jobs of one file of the config into JobConfig values, each checked on its
// own (the checks across jobs - names, chains - are job_set_check's).
//
// Error contract: never throws; every problem is recorded in the file's YamlReader, and a job with
// any problem is not returned.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "config/yaml_reader.hpp"

namespace sqlcron::config {

// Parsed schedules by (expression, zone), shared by the jobs that have the same one: schedules are
// immutable, and large configs repeat a few expressions many times.
using ScheduleCache =
    std::map<std::pair<std::string, const date::time_zone*>, schedule::Schedule, std::less<>>;

class JobReader {
 public:
  // `config`: the scheduler: section already read (the jobs' defaults).
  JobReader(YamlReader& reader, const Config& config, const LoadOptions& options,
            ScheduleCache& schedules);

  // The file's `item`-th job, at key `path` ("jobs[<item>]"); nullopt if it has problems.
  std::optional<JobConfig> read(const YamlNode& node, std::size_t item, const std::string& path);

 private:
  // A list of job names (after:, on_failure:).
  std::vector<std::string> read_names(const YamlNode& node, const std::string& key);
  void read_pipeline(const YamlNode& node, const std::string& path, JobConfig& job);
  void read_name(const YamlNode& node, const std::string& path, JobConfig& job);
  void read_target(const YamlNode& node, const std::string& path, JobConfig& job);
  void read_args(const YamlNode& node, const std::string& path, JobConfig& job);
  static ArgTemplate parse_arg(const YamlNode& a);
  void read_schedule(const YamlNode& node, const std::string& path, JobConfig& job);

  YamlReader& r_;
  const Config& config_;
  const LoadOptions& options_;
  ScheduleCache& schedules_;
  std::shared_ptr<const std::string> file_;
};

}  // namespace sqlcron::config
