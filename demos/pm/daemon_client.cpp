#include "daemon_client.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "core/unique_fd.hpp"
#include "log_tail.hpp"
#include "pm/control_socket.hpp"
#include "proc/child_process.hpp"
#include "proc/pidfd.hpp"

namespace clab::pm {
namespace {

// The end of the daemon's log, indented, for a message about why it did not start.
std::string log_end(const std::string& path, std::size_t count) {
  std::string out;
  for (const auto& line : last_lines(path, count))
    out += "  " + line + "\n";
  return out;
}

Status spawn_daemon(const PmHome& home) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return errno_error("pipe");
  UniqueFd read_end(ready[0]);
  UniqueFd write_end(ready[1]);
  const std::string executable = daemon_executable();
  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork");
  if (pid == 0) {
    ::setsid();
    const int null = ::open("/dev/null", O_RDONLY);
    const int log = ::open(home.daemon_log().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    ::fcntl(write_end.get(), F_SETFD, 0);
    ::setenv(kEnvReadyFd, std::to_string(write_end.get()).c_str(), 1);
    if (::chdir("/") != 0) ::_exit(126);
    ::execl(executable.c_str(), "pm-daemon", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  write_end.reset();
  char byte = 0;
  ssize_t n;
  do {
    n = ::read(read_end.get(), &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 1) return {};
  return Error{fmt::format("the pm daemon did not start; the end of {}:\n{}", home.daemon_log(),
                           log_end(home.daemon_log(), 5))};
}

// The daemon's answer to a ping, or nothing when none answers on the socket.
std::optional<nlohmann::json> ping_daemon(const PmHome& home) {
  auto answer = call_daemon(home.socket(), {{"verb", "ping"}}, 5000);
  if (!answer || !answer.value().value("ok", false)) return std::nullopt;
  return std::move(answer.value());
}

// After answering kill the daemon only closes its sockets and files.
constexpr std::chrono::seconds kExitAfterKill{10};

}  // namespace

std::string daemon_executable() {
  return proc::own_directory() + "/pm-daemon";
}

Result<nlohmann::json> kill_daemon(const PmHome& home) {
  const auto ping = ping_daemon(home);
  if (!ping) return nlohmann::json();
  const pid_t pid = ping.value().value("pid", 0);
  auto process = proc::open_pidfd(pid);  // before it can exit: its pid is still its own
  if (!process) return process.error();
  auto answer = ask_daemon(home, {{"verb", "kill"}});
  if (!answer || !answer.value().value("ok", false)) return answer;
  if (!proc::wait_for_exit(process.value(), kExitAfterKill)) {
    return Error{fmt::format("the pm daemon {} answered kill but still runs {} s later", pid,
                             kExitAfterKill.count())};
  }
  return answer;
}

Status ensure_daemon(const PmHome& home) {
  // One CLI at a time decides whether to start the daemon.
  const std::string lock_path = home.root + "/cli.lock";
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock) return errno_error("open " + lock_path);
  if (::flock(lock.get(), LOCK_EX) != 0) return errno_error("flock " + lock_path);
  if (ping_daemon(home)) return {};
  return spawn_daemon(home);
}

Result<nlohmann::json> ask_daemon(const PmHome& home, const nlohmann::json& request,
                                  int timeout_ms) {
  return call_daemon(home.socket(), request, timeout_ms);
}

}  // namespace clab::pm
