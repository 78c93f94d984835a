#include "config/yaml_tree.hpp"

#include <fmt/format.h>
#include <yaml.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <optional>

#include "config/yaml_syntax_error.hpp"

namespace sqlcron::config {

namespace {

using Kind = YamlNode::Kind;

// libyaml's parser and event, released on every path out.
struct ParserHandle {
  yaml_parser_t parser{};
  ParserHandle() { yaml_parser_initialize(&parser); }
  ~ParserHandle() { yaml_parser_delete(&parser); }
  ParserHandle(const ParserHandle&) = delete;
  ParserHandle& operator=(const ParserHandle&) = delete;
};

struct EventHandle {
  yaml_event_t event{};
  EventHandle() = default;
  ~EventHandle() { yaml_event_delete(&event); }
  EventHandle(const EventHandle&) = delete;
  EventHandle& operator=(const EventHandle&) = delete;
};

int as_int(std::size_t v) { return static_cast<int>(std::min<std::size_t>(v, INT32_MAX)); }

[[noreturn]] void fail(const std::string& message, const yaml_mark_t& at) {
  throw YamlSyntaxError(message, as_int(at.line), as_int(at.column));
}

// The 0-based line and column of byte `offset` of `text`.
yaml_mark_t mark_at(std::string_view text, std::size_t offset) {
  const auto before = text.substr(0, offset);
  const auto newline = before.rfind('\n');
  yaml_mark_t mark{};
  mark.line = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  mark.column = newline == std::string_view::npos ? before.size() : before.size() - newline - 1;
  return mark;
}

// Where a tab stands in the indentation of line `line` (0-based), if it does.
std::optional<yaml_mark_t> indenting_tab(std::string_view text, std::size_t line) {
  std::size_t start = 0;
  for (std::size_t l = 0; l < line; ++l) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return std::nullopt;
    ++start;
  }
  for (std::size_t i = start; i < text.size() && (text[i] == ' ' || text[i] == '\t'); ++i) {
    if (text[i] == '\t') return mark_at(text, i);
  }
  return std::nullopt;
}

[[noreturn]] void fail_parser(const yaml_parser_t& p, std::string_view text) {
  if (p.error == YAML_READER_ERROR) {
    // libyaml names no place for these (its offset is in bytes) and not the byte itself.
    const auto at = mark_at(text, p.problem_offset);
    const std::string problem = p.problem != nullptr ? p.problem : "cannot read";
    if (problem.find("UTF-8") != std::string::npos ||
        problem.find("Unicode") != std::string::npos) {
      // The bytes that fail to form a character: the first and the continuation bytes after it.
      const auto from = std::min(p.problem_offset, text.size());
      auto end = std::min(from + 1, text.size());
      while (end < text.size() && end < from + 4 &&
             (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
        ++end;
      }
      std::string shown;
      for (const char c : text.substr(from, end - from)) {
        shown += fmt::format("\\x{:02X}", static_cast<unsigned char>(c));
      }
      fail(shown + " is not UTF-8 (" + problem + "); a config file must be UTF-8 text", at);
    }
    fail(problem + " (U+" + fmt::format("{:04X}", p.problem_value) + ")", at);
  }
  for (const auto& m : {p.problem_mark, p.context_mark}) {
    if (const auto tab = indenting_tab(text, m.line)) {
      fail("a tab indents this line, and tabs cannot indent YAML: indent with spaces", *tab);
    }
  }
  std::string message = p.problem != nullptr ? p.problem : "cannot parse";
  if (p.context != nullptr) message = std::string(p.context) + ": " + message;
  fail(message, p.problem_mark);
}

bool plain_null(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";

std::string_view anchor_of(const yaml_char_t* anchor) {
  return anchor == nullptr ? std::string_view() : reinterpret_cast<const char*>(anchor);
}

}  // namespace

YamlTree YamlTree::parse(std::string_view text) {
  if (text.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw YamlSyntaxError("the file is larger than 4 GiB", 0, 0);
  }
  YamlTree tree;
  ParserHandle h;
  yaml_parser_set_input_string(&h.parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  // Open collections: their item index and where their children start in `pending`.
  struct Open {
    std::uint32_t item;
    std::size_t first_child;
  };
  std::vector<Open> open;
  std::vector<std::uint32_t> pending;
  std::map<std::string, std::uint32_t, std::less<>> anchors;
  int documents = 0;
  bool have_root = false;

  const auto add = [&](const yaml_mark_t& at, Kind kind) {
    Item item;
    item.kind = kind;
    item.line = static_cast<std::uint32_t>(at.line);
    item.column = static_cast<std::uint32_t>(at.column);
    tree.items_.push_back(item);
    return static_cast<std::uint32_t>(tree.items_.size() - 1);
  };
  const auto place = [&](std::uint32_t index) {
    if (open.empty()) {
      tree.root_ = index;
      have_root = true;
    } else {
      pending.push_back(index);
    }
  };
  const auto remember = [&](const yaml_char_t* anchor, std::uint32_t index) {
    if (anchor != nullptr) anchors[std::string(anchor_of(anchor))] = index;
  };
  // A mapping's keys must be distinct (yaml-cpp silently kept the first of a repeated key).
  const auto check_keys = [&](std::size_t first, std::size_t count) {
    const auto key_text = [&](std::size_t k) {
      const auto& it = tree.items_[pending[first + 2 * k]];
      return it.kind == Kind::scalar || it.kind == Kind::null
                 ? std::string_view(tree.text_).substr(it.begin, it.size)
                 : std::string_view();
    };
    std::vector<std::pair<std::string_view, std::size_t>> keys;
    keys.reserve(count);
    for (std::size_t k = 0; k < count; ++k) keys.emplace_back(key_text(k), k);
    std::sort(keys.begin(), keys.end());
    for (std::size_t k = 1; k < keys.size(); ++k) {
      if (keys[k].first != keys[k - 1].first || keys[k].first.empty()) continue;
      const auto& a =
          tree.items_[pending[first + 2 * std::min(keys[k].second, keys[k - 1].second)]];
      const auto& b =
          tree.items_[pending[first + 2 * std::max(keys[k].second, keys[k - 1].second)]];
      throw YamlSyntaxError("duplicate key '" + std::string(keys[k].first) + "' (first at line " +
                                std::to_string(a.line + 1) + ")",
                            static_cast<int>(b.line), static_cast<int>(b.column));
    }
  };

  for (bool done = false; !done;) {
    EventHandle e;
    if (yaml_parser_parse(&h.parser, &e.event) == 0) fail_parser(h.parser, text);
    const auto& ev = e.event;
    switch (ev.type) {
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      case YAML_DOCUMENT_START_EVENT:
        if (++documents > 1)
          fail("a config file holds one YAML document (found a second)", ev.start_mark);
        break;
      case YAML_SCALAR_EVENT: {
        const auto& s = ev.data.scalar;
        const std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
        const bool str_tag =
            s.tag != nullptr && std::string_view(reinterpret_cast<const char*>(s.tag)) == kStrTag;
        const bool quoted = s.style != YAML_PLAIN_SCALAR_STYLE || str_tag;
        const auto index =
            add(ev.start_mark, !quoted && plain_null(value) ? Kind::null : Kind::scalar);
        auto& item = tree.items_[index];
        item.quoted = quoted;
        item.begin = static_cast<std::uint32_t>(tree.text_.size());
        item.size = static_cast<std::uint32_t>(value.size());
        tree.text_.append(value);
        remember(s.anchor, index);
        place(index);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        const bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
        const auto index = add(ev.start_mark, seq ? Kind::sequence : Kind::mapping);
        remember(seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor, index);
        open.push_back(Open{index, pending.size()});
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        const auto o = open.back();
        open.pop_back();
        const auto count = pending.size() - o.first_child;
        if (tree.items_[o.item].kind == Kind::mapping && count > 1) {
          check_keys(o.first_child, count / 2);
        }
        auto& item = tree.items_[o.item];
        item.begin = static_cast<std::uint32_t>(tree.links_.size());
        item.size = static_cast<std::uint32_t>(count);
        tree.links_.insert(tree.links_.end(),
                           pending.begin() + static_cast<std::ptrdiff_t>(o.first_child),
                           pending.end());
        pending.resize(o.first_child);
        place(o.item);
        break;
      }
      case YAML_ALIAS_EVENT: {
        const auto it = anchors.find(anchor_of(ev.data.alias.anchor));
        if (it == anchors.end()) {
          fail("unknown alias *" + std::string(anchor_of(ev.data.alias.anchor)), ev.start_mark);
        }
        place(it->second);
        break;
      }
      case YAML_STREAM_START_EVENT:
      case YAML_DOCUMENT_END_EVENT:
      case YAML_NO_EVENT:
        break;
    }
  }
  if (!have_root) {  // nothing but comments, or nothing at all
    tree.items_.clear();
    tree.items_.push_back(Item{});
    tree.root_ = 0;
  }
  tree.items_.shrink_to_fit();
  tree.links_.shrink_to_fit();
  tree.text_.shrink_to_fit();
  return tree;
}

}  // namespace sqlcron::config
