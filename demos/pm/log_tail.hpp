// `pm logs`: the last lines of each instance's out and error logs, then every new line as
// the daemon writes it, prefixed `ID|NAME|` like PM2 (coloured on a terminal; --raw: bare
// lines). Follows across rotations: a file replaced (new inode) or shortened (pm flush) is
// read again from its start.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace clab::pm {

struct LogSource {
  std::string path;
  std::string prefix;  // "0|api|"
  bool is_error = false;
  int colour = 0;  // index into a small palette, per app
};

// The last `count` lines of a file (read from its end, at most its last 256 KiB); empty when
// it cannot be read.
std::vector<std::string> last_lines(const std::string& path, std::size_t count);

// Returns when not following (after the last lines), or never (until a signal).
void tail_logs(const std::vector<LogSource>& sources, std::size_t lines, bool raw, bool follow);

}  // namespace clab::pm
