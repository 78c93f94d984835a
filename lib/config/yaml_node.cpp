#include "config/yaml_node.hpp"

#include "config/yaml_tree.hpp"

namespace sqlcron::config {

YamlNode::Kind YamlNode::kind() const {
  if (tree_ == nullptr || index_ >= tree_->items_.size()) return Kind::undefined;
  return tree_->items_[index_].kind;
}

bool YamlNode::quoted() const { return defined() && tree_->items_[index_].quoted; }

YamlMark YamlNode::mark() const {
  if (!defined()) return {};
  const auto& item = tree_->items_[index_];
  return {static_cast<int>(item.line), static_cast<int>(item.column)};
}

std::string_view YamlNode::text() const {
  const auto k = kind();
  if (k != Kind::scalar && k != Kind::null) return {};
  const auto& item = tree_->items_[index_];
  return std::string_view(tree_->text_).substr(item.begin, item.size);
}

std::size_t YamlNode::size() const {
  const auto k = kind();
  if (k == Kind::sequence) return tree_->items_[index_].size;
  if (k == Kind::mapping) return tree_->items_[index_].size / 2;
  return 0;
}

YamlNode YamlNode::operator[](std::size_t i) const {
  if (!is_sequence() || i >= size()) return {};
  return {tree_, tree_->links_[tree_->items_[index_].begin + i]};
}

YamlNode YamlNode::operator[](std::string_view key) const {
  if (!is_map()) return {};
  const auto& item = tree_->items_[index_];
  for (std::uint32_t k = 0; k < item.size; k += 2) {
    const YamlNode candidate(tree_, tree_->links_[item.begin + k]);
    if (candidate.text() == key && (candidate.is_scalar() || candidate.is_null())) {
      return {tree_, tree_->links_[item.begin + k + 1]};
    }
  }
  return {};
}

std::pair<YamlNode, YamlNode> YamlNode::entry(std::size_t i) const {
  if (!is_map() || i >= size()) return {};
  const auto base = tree_->items_[index_].begin + 2 * i;
  return {YamlNode(tree_, tree_->links_[base]), YamlNode(tree_, tree_->links_[base + 1])};
}

}  // namespace sqlcron::config
