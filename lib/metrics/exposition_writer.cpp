#include "metrics/exposition_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace sqlcron::metrics {

namespace {

template <typename... Args>
std::string to_text(Args... args) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), args...);
  // 64 characters hold any double or 64-bit integer, so `ec` is always success.
  (void)ec;
  return std::string(buf.data(), end);
}

// `le` values are labels, compared as strings by older Prometheus servers: keep them in the
// plain decimal form every client library uses ("0.0005", not "5e-04").
std::string format_bound(double bound) { return to_text(bound, std::chars_format::fixed); }

// HELP text escapes only backslash and newline.
std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string ExpositionWriter::escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string ExpositionWriter::format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return to_text(value);
}

void ExpositionWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(escape_help(help)).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void ExpositionWriter::sample(std::string_view name, std::initializer_list<Label> labels,
                              double value) {
  write_sample(name, "", labels, {}, format_value(value));
}

void ExpositionWriter::sample(std::string_view name, std::initializer_list<Label> labels,
                              std::uint64_t value) {
  write_sample(name, "", labels, {}, to_text(value));
}

void ExpositionWriter::histogram(std::string_view name, std::initializer_list<Label> labels,
                                 const Histogram& h) {
  const auto& bounds = h.upper_bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    write_sample(name, "_bucket", labels, format_bound(bounds[i]), to_text(h.cumulative_count(i)));
  }
  write_sample(name, "_bucket", labels, "+Inf", to_text(h.count()));
  write_sample(name, "_sum", labels, {}, format_value(h.sum()));
  write_sample(name, "_count", labels, {}, to_text(h.count()));
}

void ExpositionWriter::write_sample(std::string_view name, std::string_view suffix,
                                    std::initializer_list<Label> labels, std::string_view le,
                                    std::string_view value) {
  out_.append(name).append(suffix);
  if (labels.size() != 0 || !le.empty()) {
    char separator = '{';
    for (const auto& [label, label_value] : labels) {
      out_ += separator;
      out_.append(label).append("=\"").append(escape_label_value(label_value)).append("\"");
      separator = ',';
    }
    if (!le.empty()) {
      out_ += separator;
      out_.append("le=\"").append(le).append("\"");
    }
    out_ += '}';
  }
  out_.append(" ").append(value).append("\n");
}

}  // namespace sqlcron::metrics
