// YamlWriter: writes YAML text through libyaml's emitter, so what it writes is quoted by the rules
// of the parser that reads it back (YamlTree). Plain style where the text allows it, or double
// quotes when asked; no line folding; UTF-8 kept as it is.
//
// Text with a line break (any YAML honours: LF, CR, NEL, LS, PS) is always double-quoted, every
// break an escape: the output has no line break inside a value.
//
// Error contract: every method throws std::runtime_error if libyaml refuses an event (a call
// out of order, e.g. a value without a key) or text is not valid UTF-8.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct yaml_emitter_s;

namespace sqlcron::config {

class YamlWriter {
 public:
  enum class Style { plain_if_possible, double_quoted };

  YamlWriter();
  ~YamlWriter();
  YamlWriter(const YamlWriter&) = delete;
  YamlWriter& operator=(const YamlWriter&) = delete;

  void begin_map();
  void end_map();
  void begin_flow_sequence();
  void end_sequence();
  // Text: "", "~" and "null" are always quoted (plain, they would read back as null).
  void scalar(std::string_view value, Style style = Style::plain_if_possible);
  void null();
  // Ends the document; the text written (ending in a line break).
  std::string finish();

 private:
  struct Deleter {
    void operator()(yaml_emitter_s* e) const;
  };
  static int append(void* self, unsigned char* buffer, std::size_t size);
  void emit_scalar(std::string_view value, Style style);

  std::unique_ptr<yaml_emitter_s, Deleter> emitter_;
  std::string out_;
};

}  // namespace sqlcron::config
