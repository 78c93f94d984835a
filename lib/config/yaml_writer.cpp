#include "config/yaml_writer.hpp"

#include <yaml.h>

#include <stdexcept>

#include "util/utf8.hpp"

namespace sqlcron::config {

namespace {

void emit(yaml_emitter_t& emitter, yaml_event_t& event) {
  if (yaml_emitter_emit(&emitter, &event) == 0) {
    throw std::runtime_error(std::string("cannot write YAML: ") +
                             (emitter.problem != nullptr ? emitter.problem : "emitter error"));
  }
}

void check(int ok) {
  if (ok == 0) throw std::runtime_error("cannot write YAML: out of memory");
}

// Line breaks as YAML reads them: LF, CR, NEL (U+0085), LS (U+2028) and PS (U+2029).
bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos ||
         s.find("\xC2\x85") != std::string_view::npos ||
         s.find("\xE2\x80\xA8") != std::string_view::npos ||
         s.find("\xE2\x80\xA9") != std::string_view::npos;
}

}  // namespace

void YamlWriter::Deleter::operator()(yaml_emitter_s* e) const {
  yaml_emitter_delete(e);
  delete e;  // NOLINT(cppcoreguidelines-owning-memory): owned through the unique_ptr
}

int YamlWriter::append(void* self, unsigned char* buffer, std::size_t size) {
  static_cast<YamlWriter*>(self)->out_.append(reinterpret_cast<const char*>(buffer), size);
  return 1;
}

YamlWriter::YamlWriter() : emitter_(new yaml_emitter_t{}) {
  check(yaml_emitter_initialize(emitter_.get()));
  yaml_emitter_set_output(emitter_.get(), &YamlWriter::append, this);
  yaml_emitter_set_unicode(emitter_.get(), 1);
  yaml_emitter_set_width(emitter_.get(), -1);
  yaml_emitter_set_indent(emitter_.get(), 2);
  yaml_event_t e;
  check(yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING));
  emit(*emitter_, e);
  check(yaml_document_start_event_initialize(&e, nullptr, nullptr, nullptr, 1));
  emit(*emitter_, e);
}

YamlWriter::~YamlWriter() = default;

void YamlWriter::begin_map() {
  yaml_event_t e;
  check(yaml_mapping_start_event_initialize(&e, nullptr, nullptr, 1, YAML_BLOCK_MAPPING_STYLE));
  emit(*emitter_, e);
}

void YamlWriter::end_map() {
  yaml_event_t e;
  check(yaml_mapping_end_event_initialize(&e));
  emit(*emitter_, e);
}

void YamlWriter::begin_flow_sequence() {
  yaml_event_t e;
  check(yaml_sequence_start_event_initialize(&e, nullptr, nullptr, 1, YAML_FLOW_SEQUENCE_STYLE));
  emit(*emitter_, e);
}

void YamlWriter::end_sequence() {
  yaml_event_t e;
  check(yaml_sequence_end_event_initialize(&e));
  emit(*emitter_, e);
}

void YamlWriter::scalar(std::string_view value, Style style) {
  // Plain, these would read back as null (YamlNode): text that looks like one is quoted.
  if (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL") {
    style = Style::double_quoted;
  }
  // In other styles libyaml writes line breaks as they are; whoever embeds the text (indenting
  // it, or turning it into a comment) would see its lines apart. Double-quoted, each is an escape.
  if (has_line_break(value)) style = Style::double_quoted;
  emit_scalar(value, style);
}

void YamlWriter::emit_scalar(std::string_view value, Style style) {
  if (!util::valid_utf8(value)) throw std::runtime_error("cannot write YAML: text is not UTF-8");
  yaml_event_t e;
  // A plain scalar that would read back as something else (a number, null, true) is quoted by
  // the emitter only if implicit resolution is off for it: the caller asks for double quotes.
  check(yaml_scalar_event_initialize(
      &e, nullptr, nullptr,
      reinterpret_cast<yaml_char_t*>(const_cast<char*>(value.data())),  // copied by libyaml
      static_cast<int>(value.size()), 1, 1,
      style == Style::double_quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE));
  emit(*emitter_, e);
}

void YamlWriter::null() { emit_scalar("null", Style::plain_if_possible); }

std::string YamlWriter::finish() {
  yaml_event_t e;
  check(yaml_document_end_event_initialize(&e, 1));
  emit(*emitter_, e);
  check(yaml_stream_end_event_initialize(&e));
  emit(*emitter_, e);
  return std::move(out_);
}

}  // namespace sqlcron::config
