// Schedule: when a job fires. Parses a schedule expression (cron with 5 or 6 fields, macros,
// "@every <duration>", MySQL-event style "every N UNIT [starts T] [ends T]" and "at T") and
// computes the next fire instant strictly after a given instant, evaluated in the job's IANA zone.
//
// Error contract: parse() throws ScheduleError (field + bad token in the message) for any invalid
// or impossible expression; next_after() never throws and never loops unboundedly: it returns
// std::nullopt when the schedule has no further fire time (a one-shot already past, an `ends`
// reached).
#pragma once

#include <date/date.h>
#include <date/tz.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sqlcron::schedule {

using Instant = date::sys_seconds;

class ScheduleImpl;

class Schedule {
 public:
  // How the fire times depend on `defined_at` (docs/schedules.md, "Anchors"):
  //  none       - not at all: cron, `at`, and intervals with `starts`;
  //  instant    - elapsed intervals without `starts` (`@every`, `every N SECOND..HOUR`): they
  //               count from the instant; the zone plays no part;
  //  wall_clock - calendar intervals without `starts` (`every N DAY..YEAR`): they count from the
  //               local time of that instant in the zone.
  enum class Anchoring { none, instant, wall_clock };

  // `zone` must not be null. `defined_at` anchors schedules that count from when the job was
  // defined ("every 2 hour" without `starts`); see docs/schedules.md.
  static Schedule parse(std::string_view expression, const date::time_zone* zone,
                        Instant defined_at);

  [[nodiscard]] Anchoring anchoring() const;
  // The instant the fire times count from, when anchoring() is not none.
  [[nodiscard]] std::optional<Instant> anchor() const;
  // The same expression in the same zone, counted from `defined_at`: *this when anchoring() is
  // none or the anchor is already `defined_at`. Never throws: an expression that cannot count from
  // `defined_at` (its `ends` is before it) keeps its current anchor.
  [[nodiscard]] Schedule anchored_at(Instant defined_at) const;

  // The first fire instant > `after`, or nullopt if there is none.
  [[nodiscard]] std::optional<Instant> next_after(Instant after) const;

  // A canonical expression with the same fire times that no longer depends on `defined_at`
  // (cron: six fields with macros expanded; MySQL style and @every: with an explicit `starts`).
  [[nodiscard]] std::string describe() const;

  [[nodiscard]] const std::string& expression() const;
  [[nodiscard]] const date::time_zone* zone() const { return zone_; }

 private:
  struct Parsed;  // the expression and its evaluator, shared by copies (one per distinct text)
  Schedule(const date::time_zone* zone, std::shared_ptr<const Parsed> parsed);

  const date::time_zone* zone_;
  std::shared_ptr<const Parsed> parsed_;
};

}  // namespace sqlcron::schedule
