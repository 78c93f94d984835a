// YamlTree: one YAML document, parsed with yaml-cpp's event parser (YAML::Parser and
// YamlTreeBuilder) into a compact tree (three flat arrays, no allocation per node), for the config
// loader. yaml-cpp's YAML::Load builds a tree of ~5 KB per job and took ~6x as long for a
// 100,000-job file on this project's machines (docs/performance.md).
//
// Anchors and aliases are resolved (an alias shares the anchored node). Refused: a key written
// twice in one mapping, a second document in the stream, text that is not UTF-8 or holds control
// characters, a quoted scalar the file ends inside.
//
// Error contract: parse() throws YamlSyntaxError (message and 0-based line/column) for text that
// is not valid YAML or breaks the rules above; yaml-cpp's exceptions never leave it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_node.hpp"

namespace sqlcron::config {

class YamlTree {
 public:
  static YamlTree parse(std::string_view text);

  // The document's root: null for an empty document (or nothing but comments).
  [[nodiscard]] YamlNode root() const { return {this, root_}; }

 private:
  friend class YamlNode;
  friend class YamlTreeBuilder;

  struct Item {
    YamlNode::Kind kind = YamlNode::Kind::null;
    bool quoted = false;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    // Scalars: text_[begin, begin + size). Collections: links_[begin, begin + size) are the
    // indexes of their children (mappings: key, value, key, value, ...).
    std::uint32_t begin = 0;
    std::uint32_t size = 0;
  };

  std::vector<Item> items_;
  std::vector<std::uint32_t> links_;
  std::string text_;
  std::uint32_t root_ = 0;
};

}  // namespace sqlcron::config
