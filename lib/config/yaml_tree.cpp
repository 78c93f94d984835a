#include "config/yaml_tree.hpp"

#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <limits>
#include <streambuf>
#include <string>

#include "config/yaml_syntax_error.hpp"
#include "config/yaml_text_check.hpp"
#include "config/yaml_tree_builder.hpp"

namespace sqlcron::config {

namespace {

// The text as a read-only stream buffer, so YAML::Parser reads it without a copy.
class ViewBuffer : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view text) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): the get area is never written
    auto* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

// The name written after the '*' of an alias at byte `pos`.
std::string alias_name(std::string_view text, int pos) {
  if (pos < 0 || static_cast<std::size_t>(pos) >= text.size()) return {};
  auto rest = text.substr(static_cast<std::size_t>(pos));
  if (rest.empty() || rest.front() != '*') return {};
  rest.remove_prefix(1);
  return std::string(rest.substr(0, rest.find_first_of(" \t\r\n,[]{}")));
}

[[noreturn]] void fail_parser(const YAML::Exception& e, std::string_view text) {
  const int line = e.mark.is_null() ? 0 : e.mark.line;
  const int column = e.mark.is_null() ? 0 : e.mark.column;
  // yaml-cpp's message for a tab in the indentation rarely says so ("illegal map value").
  if (const auto tab = indenting_tab(text, line)) {
    throw YamlSyntaxError(
        "a tab indents this line, and tabs cannot indent YAML: indent with spaces", tab->line,
        tab->column);
  }
  std::string message = e.msg;
  if (const auto name = alias_name(text, e.mark.pos); !name.empty()) {
    message += " (*" + name + "; an alias names an anchor (&" + name + ") written before it)";
  }
  throw YamlSyntaxError(message, line, column);
}

}  // namespace

YamlTree YamlTree::parse(std::string_view text) {
  if (text.size() >= std::numeric_limits<std::uint32_t>::max() ||
      text.size() >= static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw YamlSyntaxError("the file is larger than 2 GiB", 0, 0);
  }
  check_yaml_text(text);
  // yaml-cpp skips a byte-order mark, and its marks' offsets count from after it.
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  const auto body = text.substr(text.substr(0, kBom.size()) == kBom ? kBom.size() : 0);
  YamlTree tree;
  YamlTreeBuilder builder(tree, body);
  ViewBuffer buffer(text);
  std::istream in(&buffer);
  try {
    YAML::Parser parser(in);
    // The second call finds a second document (the builder refuses it) or the end.
    if (parser.HandleNextDocument(builder)) parser.HandleNextDocument(builder);
  } catch (const YAML::Exception& e) {
    fail_parser(e, body);
  }
  builder.finish();
  return tree;
}

}  // namespace sqlcron::config
