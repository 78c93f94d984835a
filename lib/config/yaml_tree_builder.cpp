#include "config/yaml_tree_builder.hpp"

#include <algorithm>
#include <utility>

#include "config/yaml_syntax_error.hpp"
#include "config/yaml_text_check.hpp"

namespace sqlcron::config {

namespace {

using Kind = YamlNode::Kind;

// yaml-cpp's tags for untagged scalars: "?" plain, "!" quoted or block.
constexpr std::string_view kPlainTag = "?";
constexpr std::string_view kNonPlainTag = "!";
constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";

bool plain_null(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

[[noreturn]] void fail(const std::string& message, const YAML::Mark& at) {
  throw YamlSyntaxError(message, at.line, at.column);
}

}  // namespace

void YamlTreeBuilder::finish() {
  if (!have_root_) {  // nothing but comments, or nothing at all
    tree_.items_.clear();
    tree_.items_.push_back(YamlTree::Item{});
    tree_.root_ = 0;
  }
  tree_.items_.shrink_to_fit();
  tree_.links_.shrink_to_fit();
  tree_.text_.shrink_to_fit();
}

void YamlTreeBuilder::OnDocumentStart(const YAML::Mark& mark) {
  if (++documents_ > 1) fail("a config file holds one YAML document (found a second)", mark);
}

std::uint32_t YamlTreeBuilder::add(const YAML::Mark& mark, Kind kind) {
  YamlTree::Item item;
  item.kind = kind;
  item.line = static_cast<std::uint32_t>(std::max(mark.line, 0));
  item.column = static_cast<std::uint32_t>(std::max(mark.column, 0));
  tree_.items_.push_back(item);
  return static_cast<std::uint32_t>(tree_.items_.size() - 1);
}

std::uint32_t YamlTreeBuilder::add_scalar(const YAML::Mark& mark, Kind kind, bool quoted,
                                          std::string_view value) {
  const auto index = add(mark, kind);
  auto& item = tree_.items_[index];
  item.quoted = quoted;
  item.begin = static_cast<std::uint32_t>(tree_.text_.size());
  item.size = static_cast<std::uint32_t>(value.size());
  tree_.text_.append(value);
  return index;
}

void YamlTreeBuilder::OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) {
  // yaml-cpp does not say how the null was spelled; keys are compared by their text, so take it
  // from the file (an empty node: "").
  std::string_view spelling;
  if (mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < text_.size()) {
    const auto rest = text_.substr(static_cast<std::size_t>(mark.pos));
    for (const std::string_view s : {"~", "null", "Null", "NULL"}) {
      if (rest.substr(0, s.size()) != s) continue;
      const auto next = rest.size() > s.size() ? rest[s.size()] : ' ';
      if (std::string_view(" \t\r\n,]}:#").find(next) != std::string_view::npos) spelling = s;
    }
  }
  const auto index = add_scalar(mark, Kind::null, false, spelling);
  remember(anchor, index);
  place(index);
}

bool YamlTreeBuilder::quoted_in_text(const YAML::Mark& mark, const std::string& tag) const {
  if (tag == kPlainTag) return false;
  if (tag == kNonPlainTag || tag == kStrTag) return true;
  // Another explicit tag (!!int 3): quoted if the text at the scalar is.
  if (mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= text_.size()) return false;
  return std::string_view("\"'|>").find(text_[static_cast<std::size_t>(mark.pos)]) !=
         std::string_view::npos;
}

void YamlTreeBuilder::OnScalar(const YAML::Mark& mark, const std::string& tag,
                               YAML::anchor_t anchor, const std::string& value) {
  const bool quoted = quoted_in_text(mark, tag);
  if (tag != kPlainTag && mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < text_.size()) {
    const auto at = static_cast<std::size_t>(mark.pos);
    if ((text_[at] == '"' || text_[at] == '\'') && !closing_quote(text_, at)) {
      fail(std::string("found unexpected end of stream: the text quoted here with ") +
               (text_[at] == '"' ? "\"" : "'") + " is never closed",
           mark);
    }
  }
  const auto index =
      add_scalar(mark, !quoted && plain_null(value) ? Kind::null : Kind::scalar, quoted, value);
  remember(anchor, index);
  place(index);
}

void YamlTreeBuilder::OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) {
  // yaml-cpp refuses an alias whose anchor is not defined before; this is the same rule.
  if (anchor >= anchors_.size() || anchors_[anchor] == YamlNode::kNone) {
    fail("unknown alias", mark);
  }
  place(anchors_[anchor]);
}

void YamlTreeBuilder::OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                                      YAML::anchor_t anchor, YAML::EmitterStyle::value /*style*/) {
  open(mark, Kind::sequence, anchor);
}

void YamlTreeBuilder::OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/,
                                 YAML::anchor_t anchor, YAML::EmitterStyle::value /*style*/) {
  open(mark, Kind::mapping, anchor);
}

void YamlTreeBuilder::open(const YAML::Mark& mark, Kind kind, YAML::anchor_t anchor) {
  const auto index = add(mark, kind);
  remember(anchor, index);
  open_.push_back(Open{index, pending_.size()});
}

void YamlTreeBuilder::close() {
  const auto o = open_.back();
  open_.pop_back();
  const auto count = pending_.size() - o.first_child;
  if (tree_.items_[o.item].kind == Kind::mapping && count > 1) check_keys(o.first_child, count / 2);
  auto& item = tree_.items_[o.item];
  item.begin = static_cast<std::uint32_t>(tree_.links_.size());
  item.size = static_cast<std::uint32_t>(count);
  tree_.links_.insert(tree_.links_.end(),
                      pending_.begin() + static_cast<std::ptrdiff_t>(o.first_child),
                      pending_.end());
  pending_.resize(o.first_child);
  place(o.item);
}

void YamlTreeBuilder::place(std::uint32_t index) {
  if (open_.empty()) {
    tree_.root_ = index;
    have_root_ = true;
  } else {
    pending_.push_back(index);
  }
}

void YamlTreeBuilder::remember(YAML::anchor_t anchor, std::uint32_t index) {
  if (anchor == YAML::NullAnchor) return;
  if (anchor >= anchors_.size()) anchors_.resize(anchor + 1, YamlNode::kNone);
  anchors_[anchor] = index;
}

// A mapping's keys must be distinct (yaml-cpp's own YAML::Node keeps the first of a repeated
// key without a word).
void YamlTreeBuilder::check_keys(std::size_t first, std::size_t count) const {
  const auto key_text = [&](std::size_t k) {
    const auto& it = tree_.items_[pending_[first + 2 * k]];
    return it.kind == Kind::scalar || it.kind == Kind::null
               ? std::string_view(tree_.text_).substr(it.begin, it.size)
               : std::string_view();
  };
  std::vector<std::pair<std::string_view, std::size_t>> keys;
  keys.reserve(count);
  for (std::size_t k = 0; k < count; ++k) keys.emplace_back(key_text(k), k);
  std::sort(keys.begin(), keys.end());
  for (std::size_t k = 1; k < keys.size(); ++k) {
    if (keys[k].first != keys[k - 1].first || keys[k].first.empty()) continue;
    const auto& a =
        tree_.items_[pending_[first + 2 * std::min(keys[k].second, keys[k - 1].second)]];
    const auto& b =
        tree_.items_[pending_[first + 2 * std::max(keys[k].second, keys[k - 1].second)]];
    throw YamlSyntaxError("duplicate key '" + std::string(keys[k].first) + "' (first at line " +
                              std::to_string(a.line + 1) + ")",
                          static_cast<int>(b.line), static_cast<int>(b.column));
  }
}

}  // namespace sqlcron::config
