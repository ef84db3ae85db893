#include "proc/child_process.hpp"

#include "proc/exec_block.hpp"
#include "proc/pidfd.hpp"
#include "proc/program_path.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

namespace clab::proc {
namespace {

// The running program's path, from /proc/self/exe; nullopt when it cannot be read.
std::optional<std::string> executable_path() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return std::nullopt;
  return std::string(path, static_cast<std::size_t>(n));
}

}  // namespace

std::string own_executable() {
  return executable_path().value_or("/proc/self/exe");
}

std::string own_directory() {
  const auto self = executable_path();
  if (!self) return ".";
  return self->substr(0, self->rfind('/'));
}

namespace {

// The process groups of the ChildProcess objects alive now.
struct LiveGroups {
  std::mutex mutex;
  std::set<pid_t> groups;
};
LiveGroups& live_groups() {
  static LiveGroups live;
  return live;
}

}  // namespace

std::size_t ChildProcess::signal_every_group(int signal) {
  auto& live = live_groups();
  std::lock_guard lock(live.mutex);
  for (pid_t group : live.groups)
    ::kill(-group, signal);
  return live.groups.size();
}

void ChildProcess::track_group(pid_t group) {
  auto& live = live_groups();
  std::lock_guard lock(live.mutex);
  live.groups.insert(group);
}

void ChildProcess::untrack_group(pid_t group) {
  auto& live = live_groups();
  std::lock_guard lock(live.mutex);
  live.groups.erase(group);
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(SpawnOptions options) {
  if (options.argv.empty()) return Error{"spawn: empty command line"};
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return errno_error("pipe");
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  // Closed by a successful exec; otherwise the child writes its errno here.
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return errno_error("pipe");
  UniqueFd exec_status(pipe_fds[0]), exec_error(pipe_fds[1]);

  // Everything the child needs is made here: after fork() it only calls async-signal-safe
  // functions (no allocation, no locale, no PATH search), since another thread of this
  // process may have held the allocator's lock at the moment of the fork.
  std::vector<std::string> env = environment_with(options.env);
  std::vector<char*> envp = pointers_to(env);
  std::vector<char*> argv = pointers_to(options.argv);
  const std::string program = options.argv.front();
  const char* search = std::getenv("PATH");
  const auto found =
      find_program(program, search != nullptr ? search : "/usr/local/bin:/usr/bin:/bin");
  const std::string executable = found ? found.value() : program;
  const int out = write_end.get();
  const int report = exec_error.get();
  const bool merge_stderr = options.merge_stderr;

  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork");
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(out, STDOUT_FILENO);
    if (merge_stderr) ::dup2(out, STDERR_FILENO);
    ::execve(executable.c_str(), argv.data(), envp.data());
    const int error = errno;
    (void)!::write(report, &error, sizeof error);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before we return
  exec_error.reset();
  int error = 0;
  ssize_t n;
  while ((n = ::read(exec_status.get(), &error, sizeof error)) < 0 && errno == EINTR) {
  }
  if (n == sizeof error) {
    // Said where the child would have said it: its output (merged) or our common stderr.
    const std::string message = "spawn " + program + ": " + std::strerror(error) + "\n";
    (void)!::write(merge_stderr ? write_end.get() : STDERR_FILENO, message.data(), message.size());
  }
  write_end.reset();
  auto pidfd = open_pidfd(pid);
  if (!pidfd) return pidfd.error();
  return std::unique_ptr<ChildProcess>(new ChildProcess(
      pid, std::move(read_end), std::move(pidfd.value()), std::move(options.on_line)));
}

ChildProcess::ChildProcess(pid_t pid, UniqueFd output, UniqueFd pidfd,
                           std::function<void(const std::string&)> on_line)
    : pid_(pid),
      output_(std::move(output)),
      pidfd_(std::move(pidfd)),
      on_line_(std::move(on_line)) {
  {
    auto& live = live_groups();
    std::lock_guard lock(live.mutex);
    live.groups.insert(pid_);
  }
  reader_ = std::thread([this] { read_output(); });
}

ChildProcess::~ChildProcess() {
  {
    auto& live = live_groups();
    std::lock_guard lock(live.mutex);
    live.groups.erase(pid_);
  }
  ::kill(-pid_, SIGKILL);  // the whole group: workers too
  if (!exit_status_) {
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) exit_status_ = ExitStatus::from_wait_status(status);
  }
  // Grandchildren may hold the pipe open a moment longer; they were SIGKILLed above.
  if (reader_.joinable()) reader_.join();
}

void ChildProcess::read_output() {
  std::string partial;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(output_.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial.append(buffer, static_cast<std::size_t>(n));
    std::size_t newline;
    while ((newline = partial.find('\n')) != std::string::npos) {
      std::string line = partial.substr(0, newline);
      partial.erase(0, newline + 1);
      if (on_line_) on_line_(line);
      std::lock_guard lock(mutex_);
      lines_.push_back(std::move(line));
      changed_.notify_all();
    }
  }
  std::lock_guard lock(mutex_);
  if (!partial.empty()) lines_.push_back(partial);
  output_ended_ = true;
  changed_.notify_all();
}

std::optional<ChildProcess::LineMatch> ChildProcess::wait_for_line(
    const std::regex& pattern, std::size_t* cursor, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    for (; *cursor < lines_.size(); ++*cursor) {
      std::smatch match;
      if (std::regex_search(lines_[*cursor], match, pattern)) {
        ++*cursor;
        return LineMatch(match.begin(), match.end());
      }
    }
    if (output_ended_) return std::nullopt;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout &&
        *cursor >= lines_.size()) {
      return std::nullopt;
    }
  }
}

bool ChildProcess::wait_for_output_end(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return output_ended_; });
}

std::vector<std::string> ChildProcess::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

void ChildProcess::signal(int signal) const {
  ::kill(pid_, signal);
}
void ChildProcess::signal_group(int signal) const {
  ::kill(-pid_, signal);
}

std::optional<ExitStatus> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (exit_status_) return exit_status_;
  pollfd p{pidfd_.get(), POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return std::nullopt;
  int status = 0;
  if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
  exit_status_ = ExitStatus::from_wait_status(status);
  return exit_status_;
}

}  // namespace clab::proc
