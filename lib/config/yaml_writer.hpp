// YamlWriter: writes YAML text through yaml-cpp's emitter (YAML::Emitter), so what it writes is
// quoted by the rules of a YAML library rather than ours. Plain style where the text allows it, or
// double quotes when asked; no line folding; UTF-8 kept as it is.
//
// Text with a line break (any YAML honours: LF, CR, NEL, LS, PS) or a character a YAML reader
// refuses raw (control characters, DEL) is always double-quoted, each such character an escape:
// the output has no line break inside a value. yaml-cpp escapes LF, CR, NEL and C0/C1 controls in
// double quotes itself, but writes LS, PS and DEL raw: text holding one of those is written with
// every non-ASCII character escaped (\u2028), which reads back the same.
//
// Error contract: every method throws std::runtime_error if the emitter refuses a call (out of
// order, e.g. end_map() in a sequence) or text is not valid UTF-8; finish() also if a collection is
// still open.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace YAML {
class Emitter;
}

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
  void check() const;

  std::unique_ptr<YAML::Emitter> emitter_;
  int depth_ = 0;
};

}  // namespace sqlcron::config
