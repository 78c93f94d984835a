// Reading a job's `load_csv:` (new CSV files of a directory loaded into a table).
//
// Error contract: never throws; problems are recorded in the YamlReader. The result is made even
// when some keys have problems (the job is dropped for them by JobReader).
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace sqlcron::config {

// Null if `node` is not a mapping.
std::shared_ptr<const LoadCsvConfig> read_load_csv(YamlReader& r, const YamlNode& node,
                                                   const std::string& key);

}  // namespace sqlcron::config
