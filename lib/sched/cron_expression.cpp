#include "sched/cron_expression.hpp"

#include <time.h>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <sstream>
#include <vector>

namespace clab::sched {
namespace {

using namespace std::chrono;

constexpr std::int64_t kDay = 86'400;
constexpr std::int64_t kSearchHorizon = 8 * 366 * kDay;  // covers 29 February's leap cycle

struct FieldSpec {
  const char* name;
  int min;
  int max;
  std::array<const char*, 12> names;  // names[i] is the value min + i; empty if none
  const char* allowed;
};

constexpr FieldSpec kSecond{"second", 0, 59, {}, "0-59"};
constexpr FieldSpec kMinute{"minute", 0, 59, {}, "0-59"};
constexpr FieldSpec kHour{"hour", 0, 23, {}, "0-23"};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, {}, "1-31"};
constexpr FieldSpec kMonth{
    "month",
    1,
    12,
    {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"},
    "1-12 or JAN-DEC"};
constexpr FieldSpec kDayOfWeek{"day-of-week",
                               0,
                               7,
                               {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"},
                               "0-7 or SUN-SAT (0 and 7 are Sunday)"};

constexpr const char* kForms = "*, N, A-B, a list of those, each with an optional /STEP";

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Parses one field into a bit mask (bit v set: value v allowed); an error says why.
class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, std::string_view field) : spec_(spec), field_(field) {}

  Result<std::uint64_t> parse() {
    std::uint64_t mask = 0;
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = field_.find(',', start);
      auto item = parse_item(field_.substr(start, comma - start));
      if (!item) return item.error();
      mask |= item.value();
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return mask;
  }

 private:
  Result<std::uint64_t> parse_item(std::string_view item) {
    if (item.empty()) return fail("an empty list item");
    int low = spec_.min, high = spec_.max, step = 1;
    std::string_view range = item;
    if (const auto slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      auto s = number(item.substr(slash + 1));
      if (!s || *s < 1 || *s > spec_.max)
        return fail(
            fmt::format("step '{}' is not a number 1-{}", item.substr(slash + 1), spec_.max));
      step = *s;
    }
    if (range != "*") {
      const auto dash = range.find('-', 1);
      auto first = value(range.substr(0, dash));
      if (!first) return first.error();
      low = first.value();
      if (dash != std::string_view::npos) {
        auto last = value(range.substr(dash + 1));
        if (!last) return last.error();
        high = last.value();
        if (high < low) return fail(fmt::format("range {} runs backwards", range));
      } else if (step == 1) {
        high = low;  // "N" alone; "N/STEP" runs from N to the field's maximum
      }
    }
    std::uint64_t mask = 0;
    for (int v = low; v <= high; v += step)
      mask |= std::uint64_t{1} << v;
    return mask;
  }

  Result<int> value(std::string_view text) {
    if (auto n = number(text)) {
      if (*n < spec_.min || *n > spec_.max) return fail(fmt::format("{} is out of range", *n));
      return *n;
    }
    const std::string name = upper(text);
    for (std::size_t i = 0; i < spec_.names.size(); ++i) {
      if (spec_.names[i] != nullptr && name == spec_.names[i])
        return spec_.min + static_cast<int>(i);
    }
    return fail(
        fmt::format("'{}' is not a number{}", text, spec_.names[0] != nullptr ? " or a name" : ""));
  }

  static std::optional<int> number(std::string_view text) {
    int n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return {};
    return n;
  }

  Error fail(const std::string& why) const {
    return Error{fmt::format("{} field '{}': {}; expected {} ({})", spec_.name, field_, why,
                             spec_.allowed, kForms)};
  }

  const FieldSpec& spec_;
  std::string_view field_;
};

std::optional<std::string> expand_macro(std::string_view text) {
  static const std::array<std::pair<const char*, const char*>, 7> kMacros{{
      {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"},
      {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},
      {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"},
  }};
  for (const auto& [macro, fields] : kMacros) {
    if (text == macro) return fields;
  }
  return {};
}

std::int64_t utc_offset(std::int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm local{};
  ::localtime_r(&t, &local);
  return local.tm_gmtoff;
}

// The first instant in (from, to] at which the local UTC offset differs from the one at
// `from`, assuming offsets change at most once a day.
std::optional<std::int64_t> first_offset_change(std::int64_t from, std::int64_t to) {
  const std::int64_t offset = utc_offset(from);
  for (std::int64_t low = from; low < to;) {
    const std::int64_t high = std::min(low + kDay, to);
    if (utc_offset(high) != offset) {
      std::int64_t lo = low, hi = high;  // offset(lo) == offset, offset(hi) != offset
      while (hi - lo > 1) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        (utc_offset(mid) == offset ? lo : hi) = mid;
      }
      return hi;
    }
    low = high;
  }
  return {};
}

std::int64_t seconds_of(sys_seconds t) {
  return t.time_since_epoch().count();
}

}  // namespace

Result<CronExpression> CronExpression::parse(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return Error{fmt::format("cron '{}': {}", text, why)};
  };
  std::string expanded(text);
  if (text.starts_with('@')) {
    auto macro = expand_macro(text);
    if (!macro)
      return fail(
          fmt::format("unknown macro '{}'; expected @yearly, @annually, @monthly, "
                      "@weekly, @daily, @midnight or @hourly",
                      text));
    expanded = *macro;
  }
  std::vector<std::string> fields;
  std::istringstream words(expanded);
  for (std::string word; words >> word;)
    fields.push_back(word);
  if (fields.size() == 5) fields.insert(fields.begin(), "0");
  if (fields.size() != 6)
    return fail(fmt::format(
        "{} fields; expected 5 (minute hour day-of-month month day-of-week), 6 (second first) "
        "or a macro such as @hourly",
        fields.size()));

  CronExpression cron;
  cron.text_ = std::string(text);
  const std::array<const FieldSpec*, 6> specs{&kSecond,     &kMinute, &kHour,
                                              &kDayOfMonth, &kMonth,  &kDayOfWeek};
  std::array<std::uint64_t, 6> masks{};
  for (std::size_t i = 0; i < 6; ++i) {
    auto mask = FieldParser(*specs[i], fields[i]).parse();
    if (!mask) return fail(mask.error().message);
    masks[i] = mask.value();
  }
  if (masks[5] & (std::uint64_t{1} << 7)) masks[5] = (masks[5] | 1) & 0x7f;  // 7 is Sunday
  cron.seconds_ = std::bitset<60>(masks[0]);
  cron.minutes_ = std::bitset<60>(masks[1]);
  cron.hours_ = std::bitset<24>(masks[2]);
  cron.days_ = std::bitset<32>(masks[3]);
  cron.months_ = std::bitset<13>(masks[4]);
  cron.weekdays_ = std::bitset<7>(masks[5]);
  cron.hourly_or_more_often_ = fields[2].starts_with('*');
  cron.days_restricted_ = !fields[3].starts_with('*');
  cron.weekdays_restricted_ = !fields[5].starts_with('*');
  if (!cron.next_civil_match(0))
    return fail(fmt::format("day-of-month '{}' never falls in month '{}'", fields[3], fields[4]));
  return cron;
}

bool CronExpression::day_matches(year_month_day date) const {
  const bool by_day = days_[static_cast<unsigned>(date.day())];
  const bool by_weekday = weekdays_[std::chrono::weekday(sys_days(date)).c_encoding()];
  if (days_restricted_ && weekdays_restricted_) return by_day || by_weekday;
  return by_day && by_weekday;
}

std::optional<std::int64_t> CronExpression::next_civil_match(std::int64_t from) const {
  std::int64_t t = from;
  while (t <= from + kSearchHorizon) {
    const std::int64_t day = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
    const std::int64_t second_of_day = t - day * kDay;
    const year_month_day date{sys_days(days(day))};
    if (!months_[static_cast<unsigned>(date.month())]) {
      const year_month next = year_month(date.year(), date.month()) + months(1);
      t = sys_days(next / 1).time_since_epoch().count() * kDay;
      continue;
    }
    if (!day_matches(date)) {
      t = (day + 1) * kDay;
      continue;
    }
    const auto hour = static_cast<std::size_t>(second_of_day / 3600);
    if (!hours_[hour]) {
      t = day * kDay + static_cast<std::int64_t>(hour + 1) * 3600;
      continue;
    }
    const auto minute = static_cast<std::size_t>(second_of_day / 60 % 60);
    if (!minutes_[minute]) {
      t = day * kDay + static_cast<std::int64_t>(hour) * 3600 +
          static_cast<std::int64_t>(minute + 1) * 60;
      continue;
    }
    if (!seconds_[static_cast<std::size_t>(second_of_day % 60)]) {
      ++t;
      continue;
    }
    return t;
  }
  return {};
}

std::optional<sys_seconds> CronExpression::next_after(sys_seconds after, Zone zone) const {
  if (zone == Zone::Local) return next_local(after);
  auto next = next_civil_match(seconds_of(after) + 1);
  if (!next) return {};
  return sys_seconds(seconds(*next));
}

std::optional<sys_seconds> CronExpression::next_local(sys_seconds after) const {
  // Walk forward through stretches of constant UTC offset: within one, wall-clock time is
  // real time plus the offset; at a change, decide what the skipped or repeated wall-clock
  // times mean for this schedule.
  std::int64_t from = seconds_of(after) + 1;
  const std::int64_t horizon = from + kSearchHorizon;
  while (from <= horizon) {
    const std::int64_t offset = utc_offset(from);
    const auto civil = next_civil_match(from + offset);
    if (!civil) return {};
    const std::int64_t candidate = *civil - offset;
    const auto change = first_offset_change(from, candidate);
    if (!change) {
      // A repeated wall-clock time (fall back) runs at its first occurrence only.
      const std::int64_t before = utc_offset(candidate - kDay);
      const std::int64_t first_occurrence = *civil - before;
      const bool repeated =
          before > offset && first_occurrence < candidate && utc_offset(first_occurrence) == before;
      if (repeated && !hourly_or_more_often_) {
        from = candidate + 1;
        continue;
      }
      return sys_seconds(seconds(candidate));
    }
    const std::int64_t new_offset = utc_offset(*change);
    if (new_offset > offset && !hourly_or_more_often_) {
      // Spring forward: wall-clock times in [change + offset, change + new_offset) never
      // happen; if the schedule names one, it runs once, as the clocks jump.
      if (const auto skipped = next_civil_match(*change + offset);
          skipped && *skipped < *change + new_offset)
        return sys_seconds(seconds(*change));
    }
    from = *change;
  }
  return {};
}

}  // namespace clab::sched
