// pm-daemon: pm's daemon, the God process (lib/pm/daemon.hpp). `pm` starts it on first use
// (or `pm daemon` runs it in the foreground, as systemd's unit does); it is a program of its
// own so that what stays resident is small: no ecosystem reader, no YAML library, no
// command-line toolkit.
//
//   pm-daemon [--resurrect]
//
// Environment: PM_HOME (default ~/.clusterlab), PM_LOG_MAX_SIZE (bytes a log file reaches
// before it rotates, 10485760), PM_LOG_RETAIN (rotated files kept, 5), NOTIFY_SOCKET
// (READY=1 once the socket listens).
// Exit status: 0 after `pm kill` or SIGTERM; 1 it could not start (another daemon runs for
// PM_HOME, the socket cannot be made); 2 bad arguments or environment.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/parse_number.hpp"
#include "pm/daemon.hpp"

namespace {

// A whole number from `min` to `max` in the environment variable, its default when unset.
std::optional<long long> number_from_env(const char* name, long long fallback, long long min,
                                         long long max) {
  const char* text = std::getenv(name);
  if (text == nullptr) return fallback;
  const auto value = clab::parse_whole_number(text);
  if (!value || *value < min || *value > max) {
    fmt::print(stderr, "pm-daemon: {} is '{}'; expected a whole number from {} to {}\n", name, text,
               min, max);
    return std::nullopt;
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace clab::pm;
  bool resurrect = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--resurrect") {
      resurrect = true;
    } else {
      fmt::print(stderr, "pm-daemon: unknown argument '{}'; expected --resurrect or nothing\n",
                 arg);
      return 2;
    }
  }
  auto home = PmHome::locate();
  if (!home) {
    fmt::print(stderr, "{}\n", home.error().message);
    return 2;
  }
  const auto max_bytes = number_from_env("PM_LOG_MAX_SIZE", 10 * 1024 * 1024, 1024, 1LL << 50);
  const auto keep = number_from_env("PM_LOG_RETAIN", 5, 0, 1000);
  if (!max_bytes || !keep) return 2;

  // One daemon per PM_HOME, for its whole life (close-on-exec: apps do not inherit it).
  const std::string lock_path = home.value().root + "/pm.lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) {
    fmt::print(stderr, "pm-daemon: another daemon already runs for {}\n", home.value().root);
    return 1;
  }
  DaemonOptions options{.home = home.value(), .resurrect = resurrect};
  options.rotation = {.max_bytes = static_cast<std::uint64_t>(*max_bytes),
                      .keep = static_cast<int>(*keep)};
  if (const char* fd = std::getenv(kEnvReadyFd)) {
    options.ready_fd = std::atoi(fd);
    ::fcntl(options.ready_fd, F_SETFD, FD_CLOEXEC);
    ::unsetenv(kEnvReadyFd);
  }
  Daemon daemon(options);
  return daemon.run();
}
