#include "runtime/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "util/utf8.hpp"

namespace sqlcron::runtime {

namespace {

// %~ : the message with every control character, line break (LF, CR, NEL, LS, PS) and invalid
// UTF-8 byte escaped (util::escape_for_message): text from the server, a file name or a config
// can never start a log line of its own (a forged journal priority), move a terminal's cursor or
// break a reader that expects UTF-8.
class SafeMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    const auto text =
        util::escape_for_message(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SafeMessageFlag>();
  }
};

// %* : the message, escaped as for %~, as a JSON string body (quotes and backslashes escaped).
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    for (const char c :
         util::escape_for_message(std::string_view(msg.payload.data(), msg.payload.size()))) {
      if (c == '"' || c == '\\') dest.push_back('\\');
      if (c == '\t') {
        dest.append(std::string_view("\\t"));
      } else {
        dest.push_back(c);
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// %^ is taken by colour; %! is the function name. We use %& for the syslog priority.
class PriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    int p = 6;
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        p = 7;
        break;
      case spdlog::level::info:
        p = 6;
        break;
      case spdlog::level::warn:
        p = 4;
        break;
      case spdlog::level::err:
        p = 3;
        break;
      case spdlog::level::critical:
        p = 2;
        break;
      default:
        break;
    }
    dest.push_back('<');
    dest.push_back(static_cast<char>('0' + p));
    dest.push_back('>');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

}  // namespace

void configure_logging(LogFormat format, const std::string& journal_stream, bool verbose) {
  if (format == LogFormat::automatic) {
    format = journal_stream.empty() ? LogFormat::text : LogFormat::journal;
  }
  auto logger = std::make_shared<spdlog::logger>("sqlcrond",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonMessageFlag>('*');
  formatter->add_flag<SafeMessageFlag>('~');
  formatter->add_flag<PriorityFlag>('&');
  switch (format) {
    case LogFormat::journal:
      formatter->set_pattern("%&%~");
      break;
    case LogFormat::json:
      formatter->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%*"})");
      break;
    default:
      formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %L %~");
      break;
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace sqlcron::runtime
