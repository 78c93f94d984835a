#include "schedule/mysql_event_parser.hpp"

#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "schedule/calendar_interval_schedule.hpp"
#include "schedule/duration_parse.hpp"
#include "schedule/elapsed_interval_schedule.hpp"
#include "schedule/local_datetime.hpp"
#include "schedule/mysql_interval.hpp"
#include "schedule/one_shot_schedule.hpp"
#include "schedule/schedule_error.hpp"
#include "schedule/zone_timeline.hpp"
#include "util/text.hpp"

namespace sqlcron::schedule {
namespace {

struct Token {
  enum class Kind { bare, quoted, plus } kind;
  std::string_view text;  // without quotes
};

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++pos;
    } else if (c == '+') {
      tokens.push_back({Token::Kind::plus, text.substr(pos, 1)});
      ++pos;
    } else if (c == '\'' || c == '"') {
      const std::size_t close = text.find(c, pos + 1);
      if (close == std::string_view::npos) {
        throw ScheduleError("unterminated quote in '" + std::string(text.substr(pos)) + "'");
      }
      tokens.push_back({Token::Kind::quoted, text.substr(pos + 1, close - pos - 1)});
      pos = close + 1;
    } else {
      const std::size_t start = pos;
      while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos])) == 0 &&
             text[pos] != '+' && text[pos] != '\'' && text[pos] != '"') {
        ++pos;
      }
      tokens.push_back({Token::Kind::bare, text.substr(start, pos - start)});
    }
  }
  return tokens;
}

bool looks_like_time_of_day(std::string_view s) {
  return !s.empty() && std::isdigit(static_cast<unsigned char>(s[0])) != 0 &&
         s.find(':') != std::string_view::npos;
}

class Cursor {
 public:
  explicit Cursor(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  [[nodiscard]] bool at_end() const { return pos_ >= tokens_.size(); }
  [[nodiscard]] const Token* peek() const { return at_end() ? nullptr : &tokens_[pos_]; }

  bool keyword(std::string_view word) {
    if (!at_end() && tokens_[pos_].kind == Token::Kind::bare &&
        util::equals_ignore_case(tokens_[pos_].text, word)) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool plus() {
    if (!at_end() && tokens_[pos_].kind == Token::Kind::plus) {
      ++pos_;
      return true;
    }
    return false;
  }

  // The next word or quoted string; `missing` is the error if there is none.
  std::string_view value(const std::string& missing) {
    if (at_end() || tokens_[pos_].kind == Token::Kind::plus) {
      throw ScheduleError(missing);
    }
    return tokens_[pos_++].text;
  }

  // 'YYYY-MM-DD HH:MM:SS' quoted, or unquoted as one or two words; then "+ INTERVAL q u"…
  LocalSeconds time_expression(std::string_view clause) {
    const std::string missing = std::string(clause) + ": missing date-time 'YYYY-MM-DD HH:MM:SS'";
    if (at_end() || tokens_[pos_].kind == Token::Kind::plus) {
      throw ScheduleError(missing);
    }
    std::string text(tokens_[pos_].text);
    const bool quoted = tokens_[pos_].kind == Token::Kind::quoted;
    ++pos_;
    if (!quoted && !at_end() && tokens_[pos_].kind == Token::Kind::bare &&
        looks_like_time_of_day(tokens_[pos_].text)) {
      text += ' ';
      text += tokens_[pos_++].text;
    }
    LocalSeconds t = parse_local_datetime(text, clause);
    while (plus()) {
      if (!keyword("interval")) {
        throw ScheduleError(std::string(clause) + ": expected INTERVAL after '+'");
      }
      t = interval("interval").add_to(t, 1);
    }
    return t;
  }

  MysqlInterval interval(std::string_view clause) {
    const std::string_view quantity = value(std::string(clause) + ": missing interval (e.g. '" +
                                            std::string(clause) + " 2 HOUR')");
    const std::string_view unit = value(std::string(clause) + ": missing unit after '" +
                                        std::string(quantity) + "' (e.g. HOUR, DAY, MONTH)");
    return MysqlInterval::parse(quantity, unit, clause);
  }

  [[noreturn]] void unexpected(std::string_view after) const {
    throw ScheduleError(std::string(after) + ": unexpected '" + std::string(tokens_[pos_].text) +
                        "'");
  }

 private:
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

struct Bounds {
  std::optional<LocalSeconds> starts;
  std::optional<LocalSeconds> ends;
};

Bounds parse_bounds(Cursor& cursor, std::string_view clause) {
  Bounds bounds;
  while (!cursor.at_end()) {
    if (cursor.keyword("starts")) {
      if (bounds.starts) {
        throw ScheduleError("starts: given twice");
      }
      bounds.starts = cursor.time_expression("starts");
    } else if (cursor.keyword("ends")) {
      if (bounds.ends) {
        throw ScheduleError("ends: given twice");
      }
      bounds.ends = cursor.time_expression("ends");
    } else {
      cursor.unexpected(clause);
    }
  }
  return bounds;
}

std::string quoted_local(LocalSeconds t) {
  std::string out(1, '\'');
  out += format_local_datetime(t);
  out += '\'';
  return out;
}

// The anchor and end of a recurring schedule, with the checks MySQL makes.
struct Resolved {
  LocalSeconds anchor_local;
  Instant anchor;
  std::optional<Instant> ends;
  std::string bounds_text;  // " starts '…' [ends '…']"
  bool from_definition;     // no `starts`: the anchor is `defined_at`
};

Resolved resolve_bounds(const Bounds& bounds, const ZoneTimeline& timeline, Instant defined_at) {
  Resolved r{};
  if (bounds.starts) {
    r.anchor_local = *bounds.starts;
    r.anchor = timeline.earliest_instant(*bounds.starts);
  } else {
    r.anchor_local = timeline.to_local(defined_at);
    r.anchor = defined_at;
    r.from_definition = true;
  }
  r.bounds_text = " starts " + quoted_local(r.anchor_local);
  if (bounds.ends) {
    r.ends = timeline.earliest_instant(*bounds.ends);
    if (*r.ends < r.anchor) {
      throw ScheduleError("ends: " + quoted_local(*bounds.ends) + " is before starts " +
                          quoted_local(r.anchor_local));
    }
    r.bounds_text += " ends " + quoted_local(*bounds.ends);
  }
  return r;
}

}  // namespace

bool MysqlEventParser::handles(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start])) != 0) {
    ++start;
  }
  std::size_t end = start;
  while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end])) == 0) {
    ++end;
  }
  const std::string_view word = text.substr(start, end - start);
  return util::equals_ignore_case(word, "every") || util::equals_ignore_case(word, "at") ||
         util::equals_ignore_case(word, "on") || util::equals_ignore_case(word, "@every");
}

std::shared_ptr<const ScheduleImpl> MysqlEventParser::parse(std::string_view text,
                                                            const date::time_zone* zone,
                                                            Instant defined_at) {
  Cursor cursor(tokenize(text));
  const ZoneTimeline timeline(zone, defined_at);
  if (cursor.keyword("on") && !cursor.keyword("schedule")) {
    throw ScheduleError("expected 'ON SCHEDULE'");
  }
  if (cursor.keyword("@every")) {
    const std::chrono::seconds period =
        parse_every_duration(cursor.value("@every: missing duration (e.g. '@every 15m')"));
    const Resolved r = resolve_bounds(parse_bounds(cursor, "@every"), timeline, defined_at);
    return std::make_shared<ElapsedIntervalSchedule>(
        r.anchor, period, r.ends, "@every " + format_every_duration(period) + r.bounds_text,
        r.from_definition);
  }
  if (cursor.keyword("every")) {
    const MysqlInterval interval = cursor.interval("every");
    const Resolved r = resolve_bounds(parse_bounds(cursor, "every"), timeline, defined_at);
    std::string description = "every " + interval.describe() + r.bounds_text;
    if (interval.months() != 0 || interval.calendar_days()) {
      return std::make_shared<CalendarIntervalSchedule>(r.anchor_local, interval, r.ends, timeline,
                                                        std::move(description), r.from_definition);
    }
    return std::make_shared<ElapsedIntervalSchedule>(
        r.anchor, std::chrono::seconds{interval.seconds()}, r.ends, std::move(description),
        r.from_definition);
  }
  if (cursor.keyword("at")) {
    const LocalSeconds at = cursor.time_expression("at");
    if (!cursor.at_end()) {
      cursor.unexpected("at");
    }
    return std::make_shared<OneShotSchedule>(timeline.earliest_instant(at),
                                             "at " + quoted_local(at));
  }
  if (cursor.at_end()) {
    throw ScheduleError("expected EVERY or AT after 'ON SCHEDULE'");
  }
  cursor.unexpected("on schedule");
}

}  // namespace sqlcron::schedule
