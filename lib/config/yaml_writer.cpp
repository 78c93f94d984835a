#include "config/yaml_writer.hpp"

#include <yaml-cpp/emitter.h>
#include <yaml-cpp/emittermanip.h>
#include <yaml-cpp/null.h>

#include <stdexcept>

#include "util/utf8.hpp"

namespace sqlcron::config {

namespace {

// Line breaks as YAML 1.1 reads them: LF, CR, NEL (U+0085), LS (U+2028) and PS (U+2029).
bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos ||
         s.find("\xC2\x85") != std::string_view::npos ||
         s.find("\xE2\x80\xA8") != std::string_view::npos ||
         s.find("\xE2\x80\xA9") != std::string_view::npos;
}

// Characters yaml-cpp writes raw even in double quotes but a YAML reader refuses or breaks lines
// at: LS, PS, DEL, U+FFFE, U+FFFF, and the byte-order mark (read as one at the start).
bool needs_ascii_escapes(std::string_view s) {
  for (const std::string_view raw :
       {"\xE2\x80\xA8", "\xE2\x80\xA9", "\x7F", "\xEF\xBF\xBE", "\xEF\xBF\xBF", "\xEF\xBB\xBF"}) {
    if (s.find(raw) != std::string_view::npos) return true;
  }
  return false;
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20U || c == '\x7F') return true;
  }
  return false;
}

}  // namespace

YamlWriter::YamlWriter() : emitter_(std::make_unique<YAML::Emitter>()) {
  emitter_->SetIndent(2);
  emitter_->SetNullFormat(YAML::LowerNull);
  emitter_->SetOutputCharset(YAML::EmitNonAscii);
  check();
}

YamlWriter::~YamlWriter() = default;

void YamlWriter::check() const {
  if (!emitter_->good()) throw std::runtime_error("cannot write YAML: " + emitter_->GetLastError());
}

void YamlWriter::begin_map() {
  *emitter_ << YAML::Block << YAML::BeginMap;
  check();
  ++depth_;
}

void YamlWriter::end_map() {
  *emitter_ << YAML::EndMap;
  check();
  --depth_;
}

void YamlWriter::begin_flow_sequence() {
  *emitter_ << YAML::Flow << YAML::BeginSeq;
  check();
  ++depth_;
}

void YamlWriter::end_sequence() {
  *emitter_ << YAML::EndSeq;
  check();
  --depth_;
}

void YamlWriter::scalar(std::string_view value, Style style) {
  if (!util::valid_utf8(value)) throw std::runtime_error("cannot write YAML: text is not UTF-8");
  // Plain, these would read back as null (YamlNode): text that looks like one is quoted.
  if (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL") {
    style = Style::double_quoted;
  }
  // In other styles yaml-cpp writes line breaks (even CR, plain) and controls as they are; whoever
  // embeds the text (indenting it, or turning it into a comment) would see its lines apart.
  // Double-quoted, each is an escape.
  const bool escape_all = needs_ascii_escapes(value);
  if (escape_all || has_line_break(value) || has_control(value)) style = Style::double_quoted;
  if (escape_all) *emitter_ << YAML::EscapeNonAscii;
  if (style == Style::double_quoted) *emitter_ << YAML::DoubleQuoted;
  *emitter_ << std::string(value);
  check();
}

void YamlWriter::null() {
  *emitter_ << YAML::Null;
  check();
}

std::string YamlWriter::finish() {
  if (depth_ != 0) throw std::runtime_error("cannot write YAML: a map or sequence is still open");
  check();
  std::string out = emitter_->c_str();
  out += '\n';
  return out;
}

}  // namespace sqlcron::config
