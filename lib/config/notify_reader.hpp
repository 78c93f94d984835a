// Reading a job's `notify:` (a program run, no shell, when the job finally fails).
//
// Error contract: never throws; problems are recorded in the YamlReader.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace sqlcron::config {

// Null if `node` is undefined, null (`notify: ~`, none) or has problems. The program must exist
// and be executable now (unless its path holds a placeholder).
std::shared_ptr<const NotifyConfig> read_notify(YamlReader& r, const YamlNode& node,
                                                const std::string& key);

}  // namespace sqlcron::config
