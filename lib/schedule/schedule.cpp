#include "schedule/schedule.hpp"

#include <cctype>
#include <stdexcept>
#include <utility>

#include "schedule/cron_expression.hpp"
#include "schedule/cron_schedule.hpp"
#include "schedule/mysql_event_parser.hpp"
#include "schedule/schedule_error.hpp"
#include "schedule/schedule_impl.hpp"
#include "util/text.hpp"

namespace sqlcron::schedule {
namespace {

// Beyond this no fire time is computed (date's calendar ends at the year 32767 and the cron
// search looks up to 100 years ahead).
constexpr Instant kLastInstant = date::sys_days{date::year{9999} / 12 / 31};

}  // namespace

struct Schedule::Parsed {
  std::string expression;
  std::shared_ptr<const ScheduleImpl> impl;
  Instant defined_at;
};

Schedule::Schedule(const date::time_zone* zone, std::shared_ptr<const Parsed> parsed)
    : zone_(zone), parsed_(std::move(parsed)) {}

const std::string& Schedule::expression() const { return parsed_->expression; }

Schedule Schedule::parse(std::string_view expression, const date::time_zone* zone,
                         Instant defined_at) {
  if (zone == nullptr) {
    throw std::invalid_argument("Schedule::parse: zone must not be null");
  }
  const std::string_view text = util::trim(expression);
  if (text.empty()) {
    throw ScheduleError("empty schedule expression");
  }
  std::shared_ptr<const ScheduleImpl> impl;
  if (MysqlEventParser::handles(text)) {
    impl = MysqlEventParser::parse(text, zone, defined_at);
  } else {
    impl = std::make_shared<CronSchedule>(CronExpression::parse(text), zone, defined_at);
  }
  return Schedule(
      zone, std::make_shared<const Parsed>(Parsed{std::string(text), std::move(impl), defined_at}));
}

Schedule::Anchoring Schedule::anchoring() const { return parsed_->impl->anchoring(); }

std::optional<Instant> Schedule::anchor() const {
  if (anchoring() == Anchoring::none) return std::nullopt;
  return parsed_->defined_at;
}

Schedule Schedule::anchored_at(Instant defined_at) const {
  if (anchoring() == Anchoring::none || parsed_->defined_at == defined_at) return *this;
  try {
    return parse(parsed_->expression, zone_, defined_at);
  } catch (const ScheduleError&) {
    return *this;  // `ends` before `defined_at`: the schedule keeps the anchor it was checked with
  }
}

std::optional<Instant> Schedule::next_after(Instant after) const {
  if (after >= kLastInstant) {
    return std::nullopt;
  }
  return parsed_->impl->next_after(after);
}

std::string Schedule::describe() const { return parsed_->impl->describe(); }

}  // namespace sqlcron::schedule
