#include "cluster/worker_spawner.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>  // environ (_GNU_SOURCE)

#include <algorithm>
#include <csignal>
#include <cstring>
#include <optional>

#include "cluster/worker_group.hpp"
#include "proc/exec_block.hpp"
#include "proc/signal_set.hpp"

namespace clab::cluster {
namespace {

constexpr const char* kListenPidPrefix = "LISTEN_PID=";
constexpr int kListenFd = 3;  // SD_LISTEN_FDS_START

bool starts_with_any(const std::string& entry, const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& name) { return entry.rfind(name + "=", 0) == 0; });
}

// Writes `value` in decimal at `out` and a NUL after it; async-signal-safe.
void write_decimal(char* out, long value) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (n > 0)
    *out++ = digits[--n];
  *out = '\0';
}

}  // namespace

Result<pid_t> spawn_worker(const ClusterSettings& settings, int instance, const SpawnPlan& plan) {
  std::vector<std::pair<std::string, std::string>> set = plan.environment;
  if (plan.activation_fd >= 0) {
    set.emplace_back("LISTEN_FDS", "1");
    set.emplace_back("LISTEN_FDNAMES", "http");
  }
  if (settings.instance_environment) {
    for (auto& entry : settings.instance_environment(instance))
      set.push_back(std::move(entry));
  }
  // Ours (or the given one), without stale cluster, readiness or activation variables.
  std::vector<std::string> dropped = {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID",
                                      "LISTEN_FDNAMES"};
  for (const auto& [name, value] : set)
    dropped.push_back(name);
  std::vector<std::string> env;
  auto keep = [&](const std::string& entry) {
    if (entry.rfind("CLUSTERLAB_", 0) != 0 && !starts_with_any(entry, dropped))
      env.push_back(entry);
  };
  if (settings.environment.empty()) {
    for (char** e = environ; *e != nullptr; ++e)
      keep(*e);
  } else {
    std::for_each(settings.environment.begin(), settings.environment.end(), keep);
  }
  for (const auto& [name, value] : set)
    env.push_back(name + "=" + value);
  std::size_t listen_pid_index = env.size();
  if (plan.activation_fd >= 0) {
    // Filled in by the child, which alone knows its pid before exec.
    env.push_back(std::string(kListenPidPrefix) + std::string(24, '\0'));
  }

  std::optional<ChildStdio> stdio;
  if (settings.stdio) {
    auto pipes = settings.stdio(instance);
    if (!pipes) return pipes.error();
    stdio = std::move(pipes.value());
  }
  std::vector<std::string> args = settings.argv;
  std::vector<char*> envp = proc::pointers_to(env);
  std::vector<char*> argv = proc::pointers_to(args);
  char* listen_pid = listen_pid_index < env.size()
                         ? env[listen_pid_index].data() + std::strlen(kListenPidPrefix)
                         : nullptr;
  const char* executable = settings.executable.c_str();
  const char* cwd = settings.cwd.empty() ? nullptr : settings.cwd.c_str();
  const int inherit = plan.inherit_fd;
  const int listener = plan.activation_fd;
  const int out = stdio ? stdio->out.get() : -1;
  const int err = stdio ? stdio->err.get() : -1;
  const pid_t primary_pid = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork");
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    proc::unblock_all_signals();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != primary_pid) ::_exit(1);  // the primary died before prctl
    if (out >= 0) ::dup2(out, STDOUT_FILENO);
    if (err >= 0) ::dup2(err, STDERR_FILENO);
    if (inherit >= 0) ::fcntl(inherit, F_SETFD, 0);  // keep the IPC end across exec
    if (listen_pid != nullptr) {
      if (listener == kListenFd) {
        ::fcntl(kListenFd, F_SETFD, 0);
      } else {
        ::dup2(listener, kListenFd);
      }
      write_decimal(listen_pid, static_cast<long>(::getpid()));
    }
    if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
    ::execve(executable, argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace clab::cluster
