// CronExpression: a parsed cron schedule and the next instant it fires.
//
// Accepts 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first,
// each a list of `*`, `N`, `A-B`, with an optional `/STEP`; month names JAN-DEC and
// weekday names SUN-SAT (any case; weekday 7 is Sunday too); and the macros @yearly
// (@annually), @monthly, @weekly, @daily (@midnight), @hourly. As in Vixie cron, when both
// day-of-month and day-of-week are restricted (neither starts with `*`), a day matching
// either one fires.
//
// In the local zone, daylight saving time neither doubles nor drops a run (cronie's rule):
// a time that does not exist (spring forward) fires once, at the moment the clocks jump;
// a time that occurs twice (fall back) fires at its first occurrence only. Schedules whose
// hour field is `*` (every hour or more often) simply follow real time through both.
// Invariant: every field set is non-empty and the schedule fires at least once in 8 years.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace clab::sched {

enum class Zone { Utc, Local };

class CronExpression {
 public:
  // An error names the expression, the field, the value and what the field allows.
  static Result<CronExpression> parse(std::string_view text);

  // The first whole second strictly after `after` at which the schedule fires, in `zone`'s
  // wall-clock time; nullopt if it does not fire within 8 years.
  std::optional<std::chrono::sys_seconds> next_after(std::chrono::sys_seconds after,
                                                     Zone zone = Zone::Utc) const;

  const std::string& text() const { return text_; }

 private:
  CronExpression() = default;
  // The first local wall-clock second >= `from` (seconds since 1970 as if the wall clock
  // were UTC) that matches, searching at most 8 years ahead.
  std::optional<std::int64_t> next_civil_match(std::int64_t from) const;
  bool day_matches(std::chrono::year_month_day date) const;
  std::optional<std::chrono::sys_seconds> next_local(std::chrono::sys_seconds after) const;

  std::string text_;
  std::bitset<60> seconds_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
  bool hourly_or_more_often_ = false;  // the hour field starts with '*'
};

}  // namespace clab::sched
