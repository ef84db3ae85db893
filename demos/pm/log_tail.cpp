#include "log_tail.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <set>

#include "core/unique_fd.hpp"

namespace clab::pm {
namespace {

constexpr const char* kPalette[] = {"\x1b[36m", "\x1b[32m", "\x1b[35m", "\x1b[34m", "\x1b[33m"};

struct Followed {
  LogSource source;
  ino_t inode = 0;
  off_t offset = 0;
  std::string partial;
};

void print_line(const LogSource& s, const std::string& line, bool raw, bool tty) {
  if (raw) {
    fmt::print("{}\n", line);
  } else if (tty) {
    fmt::print("{}{}\x1b[0m {}{}\x1b[0m\n", kPalette[s.colour % 5], s.prefix,
               s.is_error ? "\x1b[31m" : "", line);
  } else {
    fmt::print("{} {}\n", s.prefix, line);
  }
}

void read_new(Followed& f, bool raw, bool tty) {
  struct stat st {};
  if (::stat(f.source.path.c_str(), &st) != 0) return;
  if (st.st_ino != f.inode || st.st_size < f.offset) {  // rotated or flushed
    f.inode = st.st_ino;
    f.offset = 0;
    f.partial.clear();
  }
  if (st.st_size == f.offset) return;
  UniqueFd fd(::open(f.source.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::pread(fd.get(), buffer, sizeof buffer, f.offset);
    if (n <= 0) break;
    f.offset += n;
    f.partial.append(buffer, static_cast<std::size_t>(n));
  }
  std::size_t begin = 0;
  for (std::size_t nl; (nl = f.partial.find('\n', begin)) != std::string::npos; begin = nl + 1)
    print_line(f.source, f.partial.substr(begin, nl - begin), raw, tty);
  f.partial.erase(0, begin);
  std::fflush(stdout);
}

}  // namespace

std::vector<std::string> last_lines(const std::string& path, std::size_t count) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || count == 0) return {};
  constexpr off_t kMostRead = 256 * 1024;
  const off_t from = std::max<off_t>(0, st.st_size - kMostRead);
  std::string text(static_cast<std::size_t>(st.st_size - from), '\0');
  const ssize_t n = ::pread(fd.get(), text.data(), text.size(), from);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  if (from > 0) text.erase(0, text.find('\n') + 1);  // a cut first line is no line
  std::deque<std::string> last;
  std::size_t begin = 0;
  for (std::size_t nl; (nl = text.find('\n', begin)) != std::string::npos; begin = nl + 1) {
    last.push_back(text.substr(begin, nl - begin));
    if (last.size() > count) last.pop_front();
  }
  return {last.begin(), last.end()};
}

void tail_logs(const std::vector<LogSource>& sources, std::size_t lines, bool raw, bool follow) {
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  std::vector<Followed> followed;
  for (const auto& source : sources) {
    Followed f{source};
    const auto last = last_lines(source.path, lines);
    if (!raw && !last.empty()) {
      fmt::print("{}\n",
                 tty ? fmt::format("\x1b[90m{} last {} lines:\x1b[0m", source.path, last.size())
                     : fmt::format("{} last {} lines:", source.path, last.size()));
    }
    for (const auto& line : last)
      print_line(source, line, raw, tty);
    struct stat st {};
    if (::stat(source.path.c_str(), &st) == 0) {
      f.inode = st.st_ino;
      f.offset = st.st_size;
    }
    followed.push_back(std::move(f));
  }
  std::fflush(stdout);
  if (!follow) return;

  UniqueFd inotify(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  std::set<std::string> directories;
  for (const auto& s : sources)
    directories.insert(s.path.substr(0, s.path.rfind('/')));
  for (const auto& d : directories)
    ::inotify_add_watch(inotify.get(), d.c_str(),
                        IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE);
  for (;;) {
    pollfd p{inotify.get(), POLLIN, 0};
    // A missed event costs at most a second.
    ::poll(&p, 1, 1000);
    char drain[8192];
    while (::read(inotify.get(), drain, sizeof drain) > 0) {
    }
    for (auto& f : followed)
      read_new(f, raw, tty);
  }
}

}  // namespace clab::pm
