// YamlTreeBuilder: receives yaml-cpp's parse events (YAML::EventHandler) for one document and
// builds a YamlTree from them - three flat arrays, no allocation per node. yaml-cpp's own
// YAML::Node tree costs ~5 KB and a few dozen allocations per job of a config; this keeps the
// scalars' text in one string and the structure in two arrays of integers.
//
// It also applies the rules yaml-cpp's parser does not: a key written twice in one mapping, a
// second document, and a quoted scalar that the file ends inside.
//
// Error contract: the On* handlers throw YamlSyntaxError (message, 0-based line and column) for
// text that breaks those rules; the exception passes through YAML::Parser to YamlTree::parse.
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_tree.hpp"

namespace sqlcron::config {

class YamlTreeBuilder final : public YAML::EventHandler {
 public:
  // `text` is what the parser reads (for the spelling of nulls and the ends of quoted scalars);
  // both must outlive the builder.
  YamlTreeBuilder(YamlTree& tree, std::string_view text) : tree_(tree), text_(text) {}

  // Ends the tree: a null root if the stream held no node.
  void finish();

  void OnDocumentStart(const YAML::Mark& mark) override;
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override;
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override;
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override;
  void OnMapEnd() override { close(); }

 private:
  // An open collection: its item and where its children start in `pending_`.
  struct Open {
    std::uint32_t item;
    std::size_t first_child;
  };

  std::uint32_t add(const YAML::Mark& mark, YamlNode::Kind kind);
  std::uint32_t add_scalar(const YAML::Mark& mark, YamlNode::Kind kind, bool quoted,
                           std::string_view value);
  void open(const YAML::Mark& mark, YamlNode::Kind kind, YAML::anchor_t anchor);
  void close();
  void place(std::uint32_t index);
  void remember(YAML::anchor_t anchor, std::uint32_t index);
  void check_keys(std::size_t first, std::size_t count) const;
  [[nodiscard]] bool quoted_in_text(const YAML::Mark& mark, const std::string& tag) const;

  YamlTree& tree_;
  std::string_view text_;
  std::vector<Open> open_;
  std::vector<std::uint32_t> pending_;
  std::vector<std::uint32_t> anchors_;  // by yaml-cpp's anchor number (1, 2, ...)
  int documents_ = 0;
  bool have_root_ = false;
};

}  // namespace sqlcron::config
