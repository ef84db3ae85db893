// MonitScreen: `pm monit` on the terminal (ncurses): a title line, the process table with
// CPU, memory and requests/s sparklines, restarts and health (status, heartbeat age), the
// selected process's details and log tail, and a line of keys. RAII: the terminal is back
// to normal when it is destroyed, however monit ends.
#pragma once

#include <string>
#include <vector>

#include "monit_model.hpp"

namespace clab::pm {

class MonitScreen {
 public:
  MonitScreen();
  ~MonitScreen();
  MonitScreen(const MonitScreen&) = delete;
  MonitScreen& operator=(const MonitScreen&) = delete;

  // How many log lines fit under the table for `rows` processes.
  int log_lines_for(std::size_t rows) const;
  void draw(const MonitModel& model, const std::vector<std::string>& log_lines,
            const std::string& message);
  // The next key, or ERR after `timeout_ms` without one.
  int next_key(int timeout_ms);

 private:
  bool unicode_ = false;
};

}  // namespace clab::pm
