// Reading one YAML file of the config into a YamlTree.
//
// Error contract: never throws; a file that cannot be read (a directory, a name too long, a
// symlink loop, no permission) or is not valid YAML adds a ConfigIssue naming it (with line and
// column for YAML errors) and gives nullopt.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/yaml_tree.hpp"

namespace sqlcron::config {

std::optional<YamlTree> parse_yaml_file(const std::string& file, std::vector<ConfigIssue>& issues);

}  // namespace sqlcron::config
