#include "monit_screen.hpp"

#include <curses.h>
#include <langinfo.h>

#include <fmt/format.h>

#include <clocale>
#include <cstring>
#include <ctime>

#include "process_view.hpp"

namespace clab::pm {
namespace {

constexpr int kSparkWidth = 12;
enum Colour : short { kGood = 1, kBad, kDim, kSelected, kError };

std::string optional_text(const std::optional<double>& value, const char* format) {
  return value ? fmt::format(fmt::runtime(format), *value) : "-";
}

bool healthy(const MonitRow& r) {
  return r.status == "online" && !(r.heartbeat_age_ms && *r.heartbeat_age_ms > 2000);
}

void put(int y, int x, const std::string& text, int width) {
  if (width > 0) mvaddnstr(y, x, text.c_str(), static_cast<int>(text.size()));
}

}  // namespace

MonitScreen::MonitScreen() {
  std::setlocale(LC_ALL, "");
  unicode_ = std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
  initscr();
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  if (has_colors()) {
    start_color();
    use_default_colors();
    init_pair(kGood, COLOR_GREEN, -1);
    init_pair(kBad, COLOR_RED, -1);
    init_pair(kDim, COLOR_BLUE, -1);
    init_pair(kSelected, COLOR_BLACK, COLOR_CYAN);
    init_pair(kError, COLOR_RED, -1);
  }
}

MonitScreen::~MonitScreen() {
  endwin();
}

int MonitScreen::log_lines_for(std::size_t rows) const {
  return std::max(3, LINES - static_cast<int>(rows) - 6);
}

void MonitScreen::draw(const MonitModel& model, const std::vector<std::string>& log_lines,
                       const std::string& message) {
  erase();
  const std::time_t now = std::time(nullptr);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", std::localtime(&now));
  attron(A_BOLD);
  put(0, 0, fmt::format(" pm monit: {} processes   {}", model.rows().size(), clock), COLS);
  attroff(A_BOLD);
  attron(A_UNDERLINE);
  const std::string spark(kSparkWidth, ' ');
  put(1, 0,
      fmt::format(" {:>3} {:<14} {:>7} {:<10} {:>3} {:>6} {} {:>8} {} {:>8} {} {:>8} {:>9}", "id",
                  "name", "pid", "status", "↺", "cpu", spark, "memory", spark, "req/s", spark,
                  "p99", "heartbeat"),
      COLS);
  attroff(A_UNDERLINE);
  int y = 2;
  const MonitRow* chosen = model.selected();
  for (const auto& r : model.rows()) {
    const bool is_selected = chosen != nullptr && r.pm_id == chosen->pm_id;
    if (is_selected) attron(COLOR_PAIR(kSelected));
    using S = MonitModel::Series;
    const std::string line = fmt::format(
        " {:>3} {:<14.14} {:>7} {:<10.10} {:>3} {:>5.1f}% {} {:>8} {} {:>8} {} {:>8} {:>9}",
        r.pm_id, r.name, r.pid ? std::to_string(r.pid) : "-", r.status, r.restarts, r.cpu_percent,
        sparkline(model.history(r.pm_id, S::Cpu), kSparkWidth, unicode_), short_memory(r.rss_bytes),
        sparkline(model.history(r.pm_id, S::Memory), kSparkWidth, unicode_),
        optional_text(r.requests_per_second, "{:.0f}"),
        sparkline(model.history(r.pm_id, S::RequestsPerSecond), kSparkWidth, unicode_),
        optional_text(r.p99_ms, "{:.2f}ms"), optional_text(r.heartbeat_age_ms, "{:.0f}ms"));
    if (!is_selected) attron(COLOR_PAIR(healthy(r) ? kGood : kBad));
    put(y++, 0, line, COLS);
    attroff(COLOR_PAIR(is_selected ? kSelected : healthy(r) ? kGood : kBad));
  }
  ++y;
  if (chosen != nullptr) {
    attron(A_BOLD);
    put(y++, 0,
        fmt::format(" {} (pm_id {}): up {:.0f} s, PSS {}, USS {}, in flight {}, loop lag {}",
                    chosen->name, chosen->pm_id, chosen->uptime_s, short_memory(chosen->pss_bytes),
                    short_memory(chosen->uss_bytes),
                    chosen->in_flight ? std::to_string(*chosen->in_flight) : "-",
                    optional_text(chosen->loop_lag_ms, "{:.1f}ms")),
        COLS);
    attroff(A_BOLD);
  }
  for (const auto& line : log_lines) {
    if (y >= LINES - 1) break;
    const bool is_error = line.rfind("err| ", 0) == 0;
    if (is_error) attron(COLOR_PAIR(kError));
    put(y++, 0, " " + line, COLS - 1);
    if (is_error) attroff(COLOR_PAIR(kError));
  }
  attron(COLOR_PAIR(kDim));
  put(LINES - 1, 0,
      fmt::format(" up/down select   r restart   l reload app   q quit   {}", message), COLS);
  attroff(COLOR_PAIR(kDim));
  refresh();
}

int MonitScreen::next_key(int timeout_ms) {
  timeout(timeout_ms);
  return getch();
}

}  // namespace clab::pm
