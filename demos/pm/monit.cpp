#include "monit.hpp"

#include <curses.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>

#include "daemon_client.hpp"
#include "log_tail.hpp"
#include "monit_screen.hpp"

namespace clab::pm {
namespace {

using Clock = std::chrono::steady_clock;

// The selected process's last log lines, standard output's then standard error's ("err| ").
std::vector<std::string> log_tail(const MonitRow* row, int lines) {
  if (row == nullptr) return {};
  auto out = last_lines(row->out_log, static_cast<std::size_t>(lines));
  if (row->error_log != row->out_log) {
    for (auto& line : last_lines(row->error_log, static_cast<std::size_t>(lines) / 3 + 1))
      out.push_back("err| " + line);
  }
  if (out.size() > static_cast<std::size_t>(lines)) out.erase(out.begin(), out.end() - lines);
  return out;
}

// Sends one operation on the selected process and says how it went.
std::string act(const PmHome& home, const nlohmann::json& request, const std::string& what) {
  auto answer = ask_daemon(home, request, 120'000);
  if (!answer) return what + " failed: " + answer.error().message;
  if (answer.value().value("ok", false)) return what + ": done";
  return what + " failed: " + answer.value().value("error", "");
}

}  // namespace

int run_monit(const PmHome& home) {
  if (::isatty(STDOUT_FILENO) == 0) {
    fmt::print(stderr, "pm: monit needs a terminal (pm list --json is for programs)\n");
    return 1;
  }
  MonitScreen screen;
  MonitModel model;
  std::string message;
  auto refresh = [&] {
    auto answer = ask_daemon(home, {{"verb", "list"}}, 5000);
    if (answer && answer.value().value("ok", false)) {
      model.update(answer.value()["processes"]);
    } else {
      message = "the daemon does not answer";
    }
  };
  refresh();
  auto next_refresh = Clock::now() + std::chrono::seconds(1);
  for (;;) {
    screen.draw(model, log_tail(model.selected(), screen.log_lines_for(model.rows().size())),
                message);
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_refresh - Clock::now());
    const int key = screen.next_key(static_cast<int>(std::max<long>(wait.count(), 0)));
    const MonitRow* chosen = model.selected();
    switch (key) {
      case 'q':
      case 'Q':
        return 0;
      case KEY_DOWN:
      case 'j':
        model.select_next();
        break;
      case KEY_UP:
      case 'k':
        model.select_previous();
        break;
      case 'r':
        if (chosen == nullptr) break;
        message = fmt::format("restarting pm_id {}...", chosen->pm_id);
        screen.draw(model, {}, message);
        message = act(home, {{"verb", "restart"}, {"target", std::to_string(chosen->pm_id)}},
                      fmt::format("restart pm_id {}", chosen->pm_id));
        refresh();
        break;
      case 'l':
        if (chosen == nullptr) break;
        message = fmt::format("reloading app '{}'...", chosen->name);
        screen.draw(model, {}, message);
        message = act(home, {{"verb", "reload"}, {"target", chosen->name}},
                      fmt::format("reload '{}'", chosen->name));
        refresh();
        break;
      default:
        break;
    }
    if (Clock::now() >= next_refresh) {
      refresh();
      next_refresh = Clock::now() + std::chrono::seconds(1);
    }
  }
}

}  // namespace clab::pm
