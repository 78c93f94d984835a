// YamlNode: a read-only view of one node of a YamlTree (a mapping, a sequence, a scalar, a null,
// or "undefined": what looking up an absent key or index gives). Cheap to copy; valid while its
// tree lives.
//
// Scalars keep their text as written (no type resolution); null is a plain scalar spelled ~,
// null, Null, NULL or nothing at all. A scalar written quoted (or as a block, or tagged !!str) is
// never null and never a number: quoted() tells.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace sqlcron::config {

class YamlTree;

// 0-based, as yaml-cpp reports them (columns in bytes); line < 0: unknown (an undefined node).
struct YamlMark {
  int line = -1;
  int column = -1;
  [[nodiscard]] bool known() const { return line >= 0; }
};

class YamlNode {
 public:
  enum class Kind : std::uint8_t { undefined, null, scalar, sequence, mapping };
  static constexpr std::uint32_t kNone = UINT32_MAX;

  YamlNode() = default;
  YamlNode(const YamlTree* tree, std::uint32_t index) : tree_(tree), index_(index) {}

  [[nodiscard]] Kind kind() const;
  [[nodiscard]] bool defined() const { return kind() != Kind::undefined; }
  [[nodiscard]] bool is_null() const { return kind() == Kind::null; }
  [[nodiscard]] bool is_scalar() const { return kind() == Kind::scalar; }
  [[nodiscard]] bool is_sequence() const { return kind() == Kind::sequence; }
  [[nodiscard]] bool is_map() const { return kind() == Kind::mapping; }
  [[nodiscard]] bool quoted() const;
  [[nodiscard]] YamlMark mark() const;

  // The scalar's text ("" for anything else).
  [[nodiscard]] std::string_view text() const;
  [[nodiscard]] std::string scalar() const { return std::string(text()); }

  // Items of a sequence, entries of a mapping; 0 for anything else.
  [[nodiscard]] std::size_t size() const;
  // The i-th item of a sequence (undefined if out of range or not a sequence).
  YamlNode operator[](std::size_t i) const;
  YamlNode operator[](int i) const {
    return i < 0 ? YamlNode() : (*this)[static_cast<std::size_t>(i)];
  }
  // The value under `key` in a mapping (undefined if absent or not a mapping).
  YamlNode operator[](std::string_view key) const;
  YamlNode operator[](const char* key) const { return (*this)[std::string_view(key)]; }
  // The i-th entry of a mapping: its key and value nodes.
  [[nodiscard]] std::pair<YamlNode, YamlNode> entry(std::size_t i) const;

 private:
  const YamlTree* tree_ = nullptr;
  std::uint32_t index_ = kNone;
};

}  // namespace sqlcron::config
