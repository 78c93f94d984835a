#include "config/yaml_reader.hpp"

#include <charconv>

#include "util/duration.hpp"

namespace sqlcron::config {

void YamlReader::issue_at(const YamlMark& mark, const std::string& key, std::string message) {
  const bool known = mark.known();
  issues_.push_back(ConfigIssue{file_, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, key,
                                std::move(message)});
}

void YamlReader::issue(const YamlNode& at, const std::string& key, std::string message) {
  issue_at(at.mark(), key, std::move(message));
}

bool YamlReader::expect_map(const YamlNode& node, const std::string& path) {
  if (node.is_map()) return true;
  issue(node, path, "expected a mapping (key: value lines)");
  return false;
}

void YamlReader::check_keys(const YamlNode& map, const std::string& path,
                            std::span<const ConfigKey> allowed) {
  for (std::size_t i = 0; i < map.size(); ++i) {
    const auto entry = map.entry(i);
    const auto key = entry.first.text();
    bool known = false;
    for (const auto& a : allowed) known = known || key == a.name;
    if (!known) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + std::string(a.name);
      issue(entry.first, join(path, key), "unknown key; expected one of: " + list);
    }
  }
}

std::string YamlReader::join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::optional<std::string> YamlReader::scalar(const YamlNode& map, const char* key,
                                              const std::string& path, const char* expected) {
  const YamlNode node = map[key];
  if (!node.defined()) return std::nullopt;
  if (!node.is_scalar()) {
    issue(node, join(path, key), std::string("expected ") + expected);
    return std::nullopt;
  }
  return node.scalar();
}

std::optional<std::string> YamlReader::string(const YamlNode& map, const char* key,
                                              const std::string& path) {
  return scalar(map, key, path, "a string");
}

std::optional<int> YamlReader::integer(const YamlNode& map, const char* key,
                                       const std::string& path, int min, int max) {
  auto text = scalar(map, key, path, "an integer");
  if (!text) return std::nullopt;
  int value = 0;
  const auto* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) {
    issue(map[key], join(path, key), "expected an integer, got '" + *text + "'");
    return std::nullopt;
  }
  if (value < min || value > max) {
    issue(map[key], join(path, key),
          std::to_string(value) + " is out of range " + std::to_string(min) + "-" +
              std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlReader::boolean(const YamlNode& map, const char* key,
                                        const std::string& path) {
  auto text = scalar(map, key, path, "true or false");
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  issue(map[key], join(path, key), "expected true or false, got '" + *text + "'");
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> YamlReader::duration(const YamlNode& map, const char* key,
                                                              const std::string& path) {
  auto text = scalar(map, key, path, "a duration such as 90s, 15m, 2h or 1d");
  if (!text) return std::nullopt;
  try {
    return util::parse_duration(*text);
  } catch (const std::invalid_argument& e) {
    issue(map[key], join(path, key), e.what());
    return std::nullopt;
  }
}

}  // namespace sqlcron::config
