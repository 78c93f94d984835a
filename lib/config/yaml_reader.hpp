// YamlReader: typed access to YamlTree nodes that records, instead of throwing, every problem
// with the file, line, column and key where it was found. ConfigLoader uses one per file.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/config_keys.hpp"
#include "config/yaml_node.hpp"

namespace sqlcron::config {

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  [[nodiscard]] const std::string& file() const { return file_; }
  void issue(const YamlNode& at, const std::string& key, std::string message);
  void issue_at(const YamlMark& mark, const std::string& key, std::string message);

  // False (and an issue) unless `node` is a map.
  bool expect_map(const YamlNode& node, const std::string& path);
  // Records an issue for every key of `map` not in `allowed` (a table of config_keys.hpp).
  void check_keys(const YamlNode& map, const std::string& path, std::span<const ConfigKey> allowed);

  // Each returns nullopt when the key is absent (no issue) or has the wrong type (an issue).
  std::optional<std::string> string(const YamlNode& map, const char* key, const std::string& path);
  std::optional<int> integer(const YamlNode& map, const char* key, const std::string& path, int min,
                             int max);
  std::optional<bool> boolean(const YamlNode& map, const char* key, const std::string& path);
  std::optional<std::chrono::milliseconds> duration(const YamlNode& map, const char* key,
                                                    const std::string& path);

  static std::string join(const std::string& path, std::string_view key);
  [[nodiscard]] std::size_t issue_count() const { return issues_.size(); }
  std::vector<ConfigIssue> take_issues() { return std::move(issues_); }

 private:
  std::optional<std::string> scalar(const YamlNode& map, const char* key, const std::string& path,
                                    const char* expected);

  std::string file_;
  std::vector<ConfigIssue> issues_;
};

}  // namespace sqlcron::config
