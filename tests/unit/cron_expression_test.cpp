#include "sched/cron_expression.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <map>

namespace clab::sched {
namespace {

using namespace std::chrono;

// "2024-01-06 10:00:00" (UTC) <-> sys_seconds.
sys_seconds at(const std::string& text) {
  tm parts{};
  EXPECT_NE(::strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &parts), nullptr) << text;
  return sys_seconds(seconds(::timegm(&parts)));
}

std::string show(sys_seconds t) {
  const time_t raw = t.time_since_epoch().count();
  tm parts{};
  ::gmtime_r(&raw, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
  return text;
}

std::string next(const std::string& expression, const std::string& after, Zone zone = Zone::Utc) {
  auto cron = CronExpression::parse(expression);
  if (!cron) return "error: " + cron.error().message;
  const auto fire = cron.value().next_after(at(after), zone);
  return fire ? show(*fire) : "never";
}

struct Known {
  const char* expression;
  const char* after;
  const char* next;  // UTC
};

TEST(CronExpression, FiresAtKnownTimesInUtc) {
  const Known table[] = {
      {"* * * * *", "2024-01-01 00:00:00", "2024-01-01 00:01:00"},
      {"*/15 * * * *", "2024-01-01 00:07:30", "2024-01-01 00:15:00"},
      {"*/15 * * * *", "2024-01-01 23:59:59", "2024-01-02 00:00:00"},
      {"5-10/2 * * * *", "2024-01-01 00:07:00", "2024-01-01 00:09:00"},
      {"5/20 * * * *", "2024-01-01 00:26:00", "2024-01-01 00:45:00"},
      {"0 9 * * MON-FRI", "2024-01-06 10:00:00", "2024-01-08 09:00:00"},  // Saturday
      {"0 9 * * mon-fri", "2024-01-08 09:00:00", "2024-01-09 09:00:00"},
      {"30 5 * * 7", "2024-01-01 00:00:00", "2024-01-07 05:30:00"},  // 7 is Sunday
      {"30 5 * * SUN", "2024-01-01 00:00:00", "2024-01-07 05:30:00"},
      {"0 0 1 * *", "2024-01-31 12:00:00", "2024-02-01 00:00:00"},
      {"0 0 31 * *", "2024-02-01 00:00:00", "2024-03-31 00:00:00"},  // skips February
      {"0 0 29 2 *", "2023-03-01 00:00:00", "2024-02-29 00:00:00"},  // leap day
      {"0 0 * JAN,jul *", "2024-02-01 00:00:00", "2024-07-01 00:00:00"},
      {"0 12 13 * FRI", "2024-01-01 00:00:00", "2024-01-05 12:00:00"},  // either day matches
      {"0 12 13 * FRI", "2024-01-12 12:00:00", "2024-01-13 12:00:00"},
      {"0 12 */2 * FRI", "2024-01-02 00:00:00", "2024-01-05 12:00:00"},  // '*': both must
      {"*/10 * * * * *", "2024-01-01 00:00:05", "2024-01-01 00:00:10"},  // six fields
      {"* * * * * *", "2024-01-01 00:00:59", "2024-01-01 00:01:00"},
      {"15 30 4 * * *", "2024-01-01 04:30:15", "2024-01-02 04:30:15"},
      {"@hourly", "2024-01-01 10:30:00", "2024-01-01 11:00:00"},
      {"@daily", "2024-01-01 10:30:00", "2024-01-02 00:00:00"},
      {"@midnight", "2024-01-01 00:00:00", "2024-01-02 00:00:00"},
      {"@weekly", "2024-01-01 10:30:00", "2024-01-07 00:00:00"},
      {"@monthly", "2024-01-15 00:00:00", "2024-02-01 00:00:00"},
      {"@yearly", "2024-01-01 00:00:00", "2025-01-01 00:00:00"},
      {"@annually", "2024-06-01 00:00:00", "2025-01-01 00:00:00"},
      {"0 0 29 2 1", "2024-03-01 00:00:00", "2025-02-03 00:00:00"},  // a February Monday
  };
  for (const auto& k : table)
    EXPECT_EQ(next(k.expression, k.after), k.next) << k.expression << " after " << k.after;
}

struct Bad {
  const char* expression;
  const char* names;  // what the error must name
};

TEST(CronExpression, ABadExpressionNamesTheFieldTheValueAndWhatIsAllowed) {
  const Bad table[] = {
      {"0 25 * * *", "hour field '25': 25 is out of range; expected 0-23"},
      {"60 * * * *", "minute field '60': 60 is out of range; expected 0-59"},
      {"* * 0 * *", "day-of-month field '0': 0 is out of range; expected 1-31"},
      {"* * * 13 *", "month field '13': 13 is out of range; expected 1-12 or JAN-DEC"},
      {"* * * FOO *", "month field 'FOO': 'FOO' is not a number or a name"},
      {"* * * * 8", "day-of-week field '8': 8 is out of range; expected 0-7 or SUN-SAT"},
      {"*/0 * * * *", "minute field '*/0': step '0' is not a number 1-59"},
      {"10-5 * * * *", "minute field '10-5': range 10-5 runs backwards"},
      {"1,,2 * * * *", "minute field '1,,2': an empty list item"},
      {"* * * *", "4 fields; expected 5 (minute hour day-of-month month day-of-week)"},
      {"* * * * * * *", "7 fields"},
      {"@often", "unknown macro '@often'"},
      {"0 0 30 2 *", "day-of-month '30' never falls in month '2'"},
      {"x * * * * *", "second field 'x': 'x' is not a number;"},
  };
  for (const auto& b : table) {
    auto cron = CronExpression::parse(b.expression);
    ASSERT_FALSE(cron.ok()) << b.expression;
    EXPECT_NE(cron.error().message.find(std::string("cron '") + b.expression + "'"),
              std::string::npos)
        << cron.error().message;
    EXPECT_NE(cron.error().message.find(b.names), std::string::npos) << cron.error().message;
  }
}

// Sets TZ for one test and restores it after.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* zone) {
    if (const char* old = ::getenv("TZ")) old_ = old;
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~ScopedTimeZone() {
    if (old_)
      ::setenv("TZ", old_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

// Berlin, 2024: clocks go 02:00 CET -> 03:00 CEST on 31 March at 01:00 UTC, and
// 03:00 CEST -> 02:00 CET on 27 October at 01:00 UTC.
TEST(CronExpression, ATimeSkippedBySpringForwardRunsOnceAsTheClocksJump) {
  ScopedTimeZone berlin("Europe/Berlin");
  EXPECT_EQ(next("30 2 * * *", "2024-03-30 12:00:00", Zone::Local), "2024-03-31 01:00:00");
  EXPECT_EQ(next("30 2 * * *", "2024-03-31 01:00:00", Zone::Local), "2024-04-01 00:30:00");
  EXPECT_EQ(next("0 3 * * *", "2024-03-30 12:00:00", Zone::Local), "2024-03-31 01:00:00");
  // Every 30 minutes follows real time: 01:30 CET, then 03:00 CEST.
  EXPECT_EQ(next("*/30 * * * *", "2024-03-31 00:30:00", Zone::Local), "2024-03-31 01:00:00");
  EXPECT_EQ(next("*/30 * * * *", "2024-03-31 01:00:00", Zone::Local), "2024-03-31 01:30:00");
}

TEST(CronExpression, ATimeRepeatedByFallBackRunsOnlyAtItsFirstOccurrence) {
  ScopedTimeZone berlin("Europe/Berlin");
  EXPECT_EQ(next("30 2 * * *", "2024-10-26 12:00:00", Zone::Local), "2024-10-27 00:30:00");
  EXPECT_EQ(next("30 2 * * *", "2024-10-27 00:30:00", Zone::Local), "2024-10-28 01:30:00");
  // Every 30 minutes keeps running through the repeated hour, in real time.
  EXPECT_EQ(next("*/30 * * * *", "2024-10-27 00:30:00", Zone::Local), "2024-10-27 01:00:00");
  EXPECT_EQ(next("*/30 * * * *", "2024-10-27 01:00:00", Zone::Local), "2024-10-27 01:30:00");
}

// Counts the fires of `expression` in [from, to) (UTC instants), by local calendar day.
std::map<std::string, int> fires_per_local_day(const std::string& expression,
                                               const std::string& from, const std::string& to) {
  const auto cron = CronExpression::parse(expression).value();
  std::map<std::string, int> per_day;
  for (auto t = cron.next_after(at(from) - seconds(1), Zone::Local); t && *t < at(to);
       t = cron.next_after(*t, Zone::Local)) {
    const time_t raw = t->time_since_epoch().count();
    tm local{};
    ::localtime_r(&raw, &local);
    char day[16];
    std::strftime(day, sizeof day, "%Y-%m-%d", &local);
    ++per_day[day];
  }
  return per_day;
}

TEST(CronExpression, ADailyJobRunsOnceEveryLocalDayOfAYearWithTwoClockChanges) {
  ScopedTimeZone berlin("Europe/Berlin");
  for (const char* expression : {"30 2 * * *", "0 2 * * *", "59 1 * * *", "0 3 * * *"}) {
    const auto per_day =
        fires_per_local_day(expression, "2023-12-31 23:00:00", "2024-12-31 23:00:00");
    EXPECT_EQ(per_day.size(), 366u) << expression;
    for (const auto& [day, fires] : per_day)
      EXPECT_EQ(fires, 1) << expression << " on " << day;
  }
}

TEST(CronExpression, AQuarterHourlyJobFollowsRealTimeThroughBothChanges) {
  ScopedTimeZone berlin("Europe/Berlin");
  // 23 real hours on 31 March, 25 on 27 October: one run per real quarter hour.
  EXPECT_EQ(fires_per_local_day("*/15 * * * *", "2024-03-30 23:00:00", "2024-03-31 22:00:00")
                .at("2024-03-31"),
            23 * 4);
  EXPECT_EQ(fires_per_local_day("*/15 * * * *", "2024-10-26 22:00:00", "2024-10-27 23:00:00")
                .at("2024-10-27"),
            25 * 4);
}

TEST(CronExpression, LocalAndUtcAgreeWhereTheZoneIsUtc) {
  ScopedTimeZone utc("UTC");
  EXPECT_EQ(next("0 9 * * MON-FRI", "2024-01-06 10:00:00", Zone::Local), "2024-01-08 09:00:00");
}

}  // namespace
}  // namespace clab::sched
