#include "cluster/worker_group.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "cluster/environment.hpp"
#include "cluster/wire.hpp"
#include "net/tcp_listener.hpp"
#include "proc/child_process.hpp"
#include "proc/descriptor_limit.hpp"
#include "proc/exec_block.hpp"
#include "proc/signal_set.hpp"

extern char** environ;

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

WorkerGroup::WorkerGroup(EventLoop& loop, ClusterSettings settings, ClusterEvents events)
    : loop_(loop), settings_(std::move(settings)), events_(std::move(events)) {
  if (settings_.executable.empty()) settings_.executable = proc::own_executable();
}

WorkerGroup::~WorkerGroup() {
  for (auto& [pid, worker] : workers_) {
    if (worker->channel_.is_open()) loop_.remove(worker->channel_.fd());
    for (auto timer : worker->timers_)
      loop_.cancel(timer);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  for (auto& [instance, slot] : slots_) {
    if (slot.respawn_timer) loop_.cancel(*slot.respawn_timer);
    if (slot.replace_timer) loop_.cancel(*slot.replace_timer);
  }
  if (listener_ && settings_.policy == ListenPolicy::RoundRobin &&
      settings_.protocol == WorkerProtocol::ClusterLab) {
    loop_.remove(listener_.get());
  }
  if (notify_) loop_.remove(notify_.get());
  if (heartbeat_check_) loop_.cancel(*heartbeat_check_);
}

std::chrono::milliseconds ClusterSettings::heartbeat_interval() const {
  // A quarter of the timeout, so a hung worker is suspect after two missed beats and well
  // before it is killed; without a timeout, often enough for a live view.
  constexpr std::chrono::milliseconds kDefault{500}, kShortest{10};
  if (heartbeat_timeout.count() <= 0) return kDefault;
  return std::clamp(heartbeat_timeout / 4, kShortest, kDefault);
}

void WorkerGroup::budget_descriptors() {
  const std::size_t total = proc::raise_descriptor_limit();
  // Keep room for what the primary itself needs (IPC channels and respawns, epoll, the
  // signalfd, timers): connections it holds never take the last descriptors.
  const std::size_t reserve = 32 + 4 * static_cast<std::size_t>(settings_.workers);
  connection_budget_ = total > reserve + 1 ? std::min(kMaxPending, total - reserve) : 1;
  // Descriptors in flight in sockets count against the same limit (ETOOMANYREFS); each
  // worker gets an equal share, at most kMaxUnacked.
  max_unacked_ = std::clamp<std::size_t>(
      connection_budget_ / (2 * static_cast<std::size_t>(settings_.workers)), 1, kMaxUnacked);
}

Status WorkerGroup::bind() {
  if (settings_.workers < 1) return Error{"cluster: at least one worker is needed"};
  if (settings_.argv.empty()) return Error{"cluster: the worker command line is empty"};
  if (settings_.protocol == WorkerProtocol::SocketActivation)
    settings_.policy = ListenPolicy::Shared;
  if (settings_.protocol == WorkerProtocol::None) return {};

  net::ListenOptions options;
  // reuseport: the primary only reserves the port, with a plain bound socket. Its workers'
  // SO_REUSEPORT listeners may join it, but a second cluster's reservation may not: the
  // kernel refuses a socket without SO_REUSEPORT beside listening ones. (A program of the
  // same user that sets SO_REUSEPORT itself can still join the group: that is the kernel's
  // rule for the option.)
  options.listen = settings_.policy != ListenPolicy::ReusePort;
  auto listener = net::bind_tcp(settings_.host, settings_.port, options);
  if (!listener) return listener.error();
  listener_ = std::move(listener.value());
  auto port = net::bound_port(listener_.get());
  if (!port) return port.error();
  port_ = port.value();
  budget_descriptors();
  return {};
}

Status WorkerGroup::start() {
  if (started_) return Error{"cluster: already started"};
  started_ = true;
  lifecycle_ = {.wait_ready = settings_.wait_ready};
  if (settings_.protocol != WorkerProtocol::ClusterLab) {
    // Readiness from programs that do not speak ClusterLab's protocol: systemd's.
    static std::atomic<int> groups{0};
    notify_name_ = fmt::format("clusterlab-notify-{}-{}", ::getpid(), ++groups);
    notify_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!notify_) return errno_error("socket(AF_UNIX)");
    const int on = 1;
    ::setsockopt(notify_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, notify_name_.data(), notify_name_.size());
    const auto length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + notify_name_.size());
    if (::bind(notify_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0)
      return errno_error("bind(NOTIFY_SOCKET)");
    if (auto s = loop_.add(notify_.get(), EPOLLIN, [this](std::uint32_t) { on_notify_readable(); });
        !s) {
      return s;
    }
  }
  if (settings_.policy == ListenPolicy::RoundRobin &&
      settings_.protocol == WorkerProtocol::ClusterLab) {
    if (auto s = loop_.add(listener_.get(), 0, [this](std::uint32_t) { accept_connections(); });
        !s) {
      return s;
    }
  }
  for (int i = 0; i < settings_.workers; ++i) {
    Slot& slot = slots_[i];
    slot.instance = i;
    slot.policy = RespawnPolicy(settings_.respawn);
    fork_worker(slot);
  }
  if (settings_.heartbeat_timeout.count() > 0 && settings_.protocol == WorkerProtocol::ClusterLab)
    check_heartbeats();
  return {};
}

void WorkerGroup::on_heartbeat(Worker& worker, const nlohmann::json& body) {
  worker.heartbeat_ = body;
  worker.heartbeat_at_ = Clock::now();
  if (worker.suspect_) {
    worker.suspect_ = false;
    if (!stopping_) dispatch_pending();
  }
}

void WorkerGroup::check_heartbeats() {
  // Often enough to find a hung worker well within 50 ms of its timeout.
  const auto period = std::clamp(settings_.heartbeat_interval() / 2, std::chrono::milliseconds(5),
                                 std::chrono::milliseconds(50));
  heartbeat_check_ = loop_.after(period, [this] { check_heartbeats(); });
  const auto now = Clock::now();
  std::vector<pid_t> suspect, hung;
  for (auto& [pid, worker] : workers_) {
    if (!is_up(worker->state_, lifecycle_)) continue;
    const auto silent = worker->silence(now);
    if (silent > settings_.heartbeat_timeout) {
      hung.push_back(pid);
    } else if (silent > 2 * settings_.heartbeat_interval() && !worker->suspect_) {
      worker->suspect_ = true;
      suspect.push_back(pid);
    }
  }
  // The callbacks run once the scan is over: they may change the group.
  auto report = [this](pid_t pid, auto&& what) {
    if (auto it = workers_.find(pid); it != workers_.end()) what(*it->second);
  };
  for (pid_t pid : suspect) {
    report(pid, [&](Worker& w) {
      if (events_.suspect) events_.suspect(w, w.silence(now));
    });
  }
  for (pid_t pid : hung) {
    report(pid, [&](Worker& w) {
      w.suspect_ = true;
      apply(w, WorkerEvent::HeartbeatTimeout);  // the table reports it (ReportHung), then kills
    });
  }
}

std::vector<Worker*> WorkerGroup::workers() {
  std::vector<Worker*> out;
  for (auto& [pid, worker] : workers_)
    out.push_back(worker.get());
  return out;
}

std::vector<WorkerGroup::SlotView> WorkerGroup::slots() const {
  std::vector<SlotView> out;
  for (const auto& [instance, slot] : slots_) {
    if (slot.retiring) continue;
    out.push_back({.instance = instance,
                   .worker = slot.worker != nullptr ? slot.worker : slot.replacement,
                   .restarts = slot.restarts,
                   .errored = slot.errored,
                   .stopped = slot.stopped});
  }
  return out;
}

WorkerGroup::Slot* WorkerGroup::slot_of(int instance) {
  auto it = slots_.find(instance);
  return it == slots_.end() || it->second.retiring ? nullptr : &it->second;
}

Result<pid_t> WorkerGroup::spawn(int id, int instance, UniqueFd& child_end) {
  const bool speaks = settings_.protocol == WorkerProtocol::ClusterLab;
  std::vector<std::pair<std::string, std::string>> set;
  if (speaks) {
    set = {{kEnvWorkerId, std::to_string(id)},
           {kEnvInstance, std::to_string(instance)},
           {kEnvIpcFd, std::to_string(child_end.get())},
           {kEnvPrimaryPid, std::to_string(::getpid())}};
  } else {
    set = {{"NOTIFY_SOCKET", "@" + notify_name_}};
  }
  if (settings_.protocol == WorkerProtocol::SocketActivation) {
    set.emplace_back("LISTEN_FDS", "1");
    set.emplace_back("LISTEN_FDNAMES", "http");
  }
  if (settings_.instance_environment) {
    for (auto& entry : settings_.instance_environment(instance))
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
  if (settings_.environment.empty()) {
    for (char** e = environ; *e != nullptr; ++e)
      keep(*e);
  } else {
    std::for_each(settings_.environment.begin(), settings_.environment.end(), keep);
  }
  for (const auto& [name, value] : set)
    env.push_back(name + "=" + value);
  std::size_t listen_pid_index = env.size();
  if (settings_.protocol == WorkerProtocol::SocketActivation) {
    // Filled in by the child, which alone knows its pid before exec.
    env.push_back(std::string(kListenPidPrefix) + std::string(24, '\0'));
  }

  std::optional<ChildStdio> stdio;
  if (settings_.stdio) {
    auto pipes = settings_.stdio(instance);
    if (!pipes) return pipes.error();
    stdio = std::move(pipes.value());
  }
  std::vector<std::string> args = settings_.argv;
  std::vector<char*> envp = proc::pointers_to(env);
  std::vector<char*> argv = proc::pointers_to(args);
  char* listen_pid = listen_pid_index < env.size()
                         ? env[listen_pid_index].data() + std::strlen(kListenPidPrefix)
                         : nullptr;
  const char* cwd = settings_.cwd.empty() ? nullptr : settings_.cwd.c_str();
  const int listener = listener_.get();
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
    if (speaks) ::fcntl(child_end.get(), F_SETFD, 0);  // keep the IPC end across exec
    if (listen_pid != nullptr) {
      if (listener == kListenFd) {
        ::fcntl(kListenFd, F_SETFD, 0);
      } else {
        ::dup2(listener, kListenFd);
      }
      write_decimal(listen_pid, static_cast<long>(::getpid()));
    }
    if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
    ::execve(settings_.executable.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

void WorkerGroup::fork_worker(Slot& slot) {
  slot.respawn_timer.reset();
  IpcChannel channel;
  UniqueFd child_end;
  if (settings_.protocol == WorkerProtocol::ClusterLab) {
    auto pair = IpcChannel::create_pair();
    if (!pair) return on_spawn_failure(slot, pair.error());
    channel = std::move(pair.value().first);
    child_end = std::move(pair.value().second);
  }
  const int id = next_worker_id_++;
  auto pid = spawn(id, slot.instance, child_end);
  if (!pid) return on_spawn_failure(slot, pid.error());
  child_end.reset();

  if (slot.spawned) ++slot.restarts;
  slot.spawned = true;
  auto worker = std::make_unique<Worker>(id, slot.instance, pid.value(), std::move(channel), *this);
  Worker& w = *worker;
  workers_[w.pid()] = std::move(worker);
  by_id_[id] = &w;
  if (slot.worker == nullptr) {
    slot.worker = &w;
  } else {
    slot.replacement = &w;
  }
  if (w.channel_.is_open()) {
    if (auto s = loop_.add(w.channel_.fd(), EPOLLIN,
                           [this, &w](std::uint32_t events) { on_channel_event(w, events); });
        !s) {
      report(s.error());
    }
  }
  apply(w, WorkerEvent::Forked);
  if (events_.fork) events_.fork(w);
  if (settings_.protocol != WorkerProtocol::ClusterLab) {
    // It runs: that is all a program without the protocol can say (READY=1 comes later).
    apply(w, WorkerEvent::SaidOnline);
    apply(w, WorkerEvent::SaidListening);
  }
}

void WorkerGroup::on_spawn_failure(Slot& slot, const Error& error) {
  if (slot.worker != nullptr) {  // a replacement that could not be created
    return finish_replacement(slot, fmt::format("it could not be started: {}", error.message));
  }
  const RespawnDecision decision = slot.policy.on_spawn_failure(error.message);
  report(Error{fmt::format("worker slot {}: {}{}", slot.instance, error.message,
                           decision.action == RespawnDecision::Action::Restart
                               ? fmt::format("; retrying in {} ms", decision.delay.count())
                               : std::string())});
  act_on(slot, decision);
}

void WorkerGroup::apply(Worker& worker, WorkerEvent event) {
  const WorkerTransition t = transition(worker.state_, event, lifecycle_);
  const WorkerState before = worker.state_;
  const bool was_up = is_up(before, lifecycle_);
  worker.state_ = t.next;
  if (t.next == WorkerState::Stopping) worker.stop_requested_ = true;
  if ((t.next == WorkerState::Stopping || t.next == WorkerState::Draining) && !worker.stop_began_) {
    worker.stop_began_ = Worker::Clock::now();
  }
  if (event == WorkerEvent::Reaped) worker.exit_kind_ = exit_kind(before, lifecycle_);
  for_each_action(t.actions, [&](WorkerAction action) { execute(worker, action); });
  if (!was_up && is_up(worker.state_, lifecycle_)) on_up(worker);
}

void WorkerGroup::execute(Worker& w, WorkerAction action) {
  switch (action) {
    case WorkerAction::ArmListenTimer:
      return after(w, settings_.listen_timeout, WorkerEvent::ListenTimeout);
    case WorkerAction::ReportOnline:
      if (events_.online) events_.online(w);
      return;
    case WorkerAction::SendListen:
      return send_listen_instructions(w);
    case WorkerAction::ReportListening:
      if (events_.listening) events_.listening(w);
      return;
    case WorkerAction::ReportReady:
      if (events_.ready) events_.ready(w);
      return;
    case WorkerAction::ReportListenTimeout:
      if (events_.listen_timeout) events_.listen_timeout(w);
      return;
    case WorkerAction::AskToStop:
      return ask_to_stop(w);
    case WorkerAction::ArmKillTimer:
      return after(w, settings_.kill_timeout, WorkerEvent::KillTimeout);
    case WorkerAction::Kill:
      w.killed_by_primary_ = true;
      ::kill(w.pid(), SIGKILL);
      return;
    case WorkerAction::CountAsKilled:
      killed_any_ = true;
      return;
    case WorkerAction::TakeBackConnections:
      reclaim_unacked(w);
      if (!stopping_) dispatch_pending();
      return;
    case WorkerAction::DispatchConnections:
      if (!stopping_) dispatch_pending();
      return;
    case WorkerAction::CancelTimers:
      for (auto timer : w.timers_)
        loop_.cancel(timer);
      w.timers_.clear();
      return;
    case WorkerAction::DecideRespawn:
      return on_worker_exit(w);
    case WorkerAction::ReportHung:
      if (events_.hung) events_.hung(w, w.silence());
      return;
  }
}

void WorkerGroup::on_up(Worker& worker) {
  Slot* slot = slot_of(worker.instance());
  if (slot == nullptr || slot->replacement != &worker) return;
  // The new process serves: only now is the old one asked to stop (it drains).
  Worker* old = slot->worker;
  slot->worker = &worker;
  slot->replacement = nullptr;
  if (old != nullptr) request_stop(*old, {});
  finish_replacement(*slot, std::nullopt);
}

void WorkerGroup::finish_replacement(Slot& slot, std::optional<std::string> failure) {
  if (slot.replace_timer) loop_.cancel(*slot.replace_timer);
  slot.replace_timer.reset();
  slot.replace_failure.reset();
  ReplaceDone done = std::move(slot.replace_done);
  slot.replace_done = nullptr;
  if (done) done(std::move(failure));
}

void WorkerGroup::replace_instance(int instance, ReplaceDone done, ReplaceRule rule) {
  Slot* slot = slot_of(instance);
  if (slot == nullptr || stopping_) {
    return done(fmt::format("instance {} does not run", instance));
  }
  if (slot->replacement != nullptr || slot->replace_done) {
    return done(fmt::format("instance {} is already being replaced", instance));
  }
  if (slot->worker == nullptr || slot->stopped || slot->errored) {
    // Nothing serves: a plain start is the replacement.
    slot->stopped = false;
    slot->errored = false;
    slot->policy = RespawnPolicy(settings_.respawn);
    if (slot->respawn_timer) loop_.cancel(*slot->respawn_timer);
    if (slot->worker == nullptr) fork_worker(*slot);
    return done(std::nullopt);
  }
  slot->replace_done = std::move(done);
  slot->replace_rule = rule;
  fork_worker(*slot);
  if (slot->replacement == nullptr) return;  // up already, or failed to start: reported
  const pid_t pid = slot->replacement->pid();
  slot->replace_timer = loop_.after(settings_.listen_timeout, [this, instance, pid] {
    Slot* s = slot_of(instance);
    if (s == nullptr) return;
    s->replace_timer.reset();
    if (s->replacement == nullptr || s->replacement->pid() != pid) return;
    if (s->replace_rule == ReplaceRule::TakeOverAtTimeout) {
      // PM2's rule: the old process goes, whether or not the new one ever came up.
      Worker* old = s->worker;
      s->worker = s->replacement;
      s->replacement = nullptr;
      if (old != nullptr) request_stop(*old, {});
      return finish_replacement(*s, std::nullopt);
    }
    s->replace_failure =
        fmt::format("the new process (pid {}) was not {} within listen_timeout ({} ms)", pid,
                    settings_.wait_ready ? "ready" : "listening", settings_.listen_timeout.count());
    request_stop(*s->replacement, {});
  });
}

void WorkerGroup::stop_instance(int instance) {
  Slot* slot = slot_of(instance);
  if (slot == nullptr) return;
  slot->stopped = true;
  slot->restart_on_exit = false;
  if (slot->respawn_timer) loop_.cancel(*slot->respawn_timer);
  slot->respawn_timer.reset();
  if (slot->replacement != nullptr) {
    slot->replace_failure = "the instance was stopped";
    request_stop(*slot->replacement, {});
  }
  if (slot->worker != nullptr) request_stop(*slot->worker, {});
}

void WorkerGroup::start_instance(int instance) {
  Slot* slot = slot_of(instance);
  if (slot == nullptr || stopping_) return;
  slot->stopped = false;
  slot->errored = false;
  slot->policy = RespawnPolicy(settings_.respawn);
  if (slot->worker == nullptr && !slot->respawn_timer) fork_worker(*slot);
}

void WorkerGroup::restart_instance(int instance) {
  Slot* slot = slot_of(instance);
  if (slot == nullptr || stopping_) return;
  if (slot->worker == nullptr) return start_instance(instance);
  slot->restart_on_exit = true;
  slot->stopped = false;
  request_stop(*slot->worker, {});
}

void WorkerGroup::scale(int workers) {
  if (workers < 1 || stopping_) return;
  int live = 0;
  for (auto& [instance, slot] : slots_)
    live += slot.retiring ? 0 : 1;
  for (int instance = 0; live < workers; ++instance) {
    if (slots_.count(instance) != 0) continue;
    Slot& slot = slots_[instance];
    slot.instance = instance;
    slot.policy = RespawnPolicy(settings_.respawn);
    ++live;
    fork_worker(slot);
  }
  for (auto it = slots_.rbegin(); it != slots_.rend() && live > workers; ++it) {
    Slot& slot = it->second;
    if (slot.retiring) continue;
    stop_instance(slot.instance);
    slot.retiring = true;
    --live;
  }
  settings_.workers = workers;
  // Slots with nothing running go at once; the others when their process exits.
  std::erase_if(slots_, [](const auto& entry) {
    return entry.second.retiring && entry.second.worker == nullptr &&
           entry.second.replacement == nullptr;
  });
}

Status WorkerGroup::signal_instance(int instance, int signal) {
  Slot* slot = slot_of(instance);
  if (slot == nullptr || slot->worker == nullptr)
    return Error{fmt::format("instance {} has no process", instance)};
  if (::kill(slot->worker->pid(), signal) != 0) return errno_error("kill");
  return {};
}

void WorkerGroup::after(Worker& worker, std::chrono::milliseconds delay, WorkerEvent event) {
  const pid_t pid = worker.pid();
  worker.timers_.push_back(loop_.after(delay, [this, pid, event] {
    auto it = workers_.find(pid);
    if (it != workers_.end()) apply(*it->second, event);
  }));
}

void WorkerGroup::ask_to_stop(Worker& w) {
  const bool open = w.channel_.is_open();
  switch (w.stop_method_.kind) {
    case StopMethod::Kind::Signal:
      ::kill(w.pid(), w.stop_method_.signal);
      return;
    case StopMethod::Kind::Disconnect:
      if (open) (void)w.channel_.send(wire::internal(wire::kDisconnect));
      update_channel_interest(w);
      return;
    case StopMethod::Kind::ClusterDefault:
      if (settings_.shutdown_with_message && open) {
        (void)w.channel_.send(wire::internal(wire::kShutdown));
      } else {
        if (open) (void)w.channel_.send(wire::internal(wire::kDisconnect));
        ::kill(w.pid(), SIGINT);
      }
      update_channel_interest(w);
      return;
  }
}

void WorkerGroup::kill_all() {
  for (auto& [pid, worker] : workers_)
    ::kill(pid, SIGKILL);
  killed_any_ = true;
}

void WorkerGroup::stop(int signal) {
  if (stopping_) return;
  stopping_ = true;
  set_accepting(false);
  if (events_.stopping) events_.stopping(signal, workers_.size());
  for (auto& [instance, slot] : slots_) {
    if (slot.respawn_timer) loop_.cancel(*slot.respawn_timer);
    slot.respawn_timer.reset();
    if (slot.replace_done) finish_replacement(slot, "the app was stopped");
  }
  for (auto& [pid, worker] : workers_)
    request_stop(*worker, {});  // all at once, in parallel
  finish_if_stopped();
}

int WorkerGroup::exit_status() const {
  const bool any_errored =
      std::any_of(slots_.begin(), slots_.end(), [](const auto& s) { return s.second.errored; });
  return killed_any_ || failed_stop_ || any_errored ? 1 : 0;
}

void WorkerGroup::request_stop(Worker& worker, StopMethod method) {
  if (worker.state_ == WorkerState::Stopping || !worker.is_alive()) return;
  worker.stop_method_ = method;
  apply(worker, WorkerEvent::StopRequested);
}

void WorkerGroup::finish_if_stopped() {
  if (stopping_ && workers_.empty() && events_.stopped) {
    auto stopped = events_.stopped;  // it may destroy this group
    stopped();
  }
}

bool WorkerGroup::on_reaped(pid_t pid, int wait_status) {
  auto it = workers_.find(pid);
  if (it == workers_.end()) return false;
  std::unique_ptr<Worker> worker = std::move(it->second);
  workers_.erase(it);
  by_id_.erase(worker->id());
  worker->exit_status_ = ExitStatus::from_wait_status(wait_status);
  close_channel(*worker);
  apply(*worker, WorkerEvent::Reaped);
  finish_if_stopped();
  return true;
}

void WorkerGroup::on_worker_exit(Worker& worker) {
  if (worker.stop_began_) {
    worker.stop_duration_ = std::chrono::duration_cast<std::chrono::milliseconds>(
        Worker::Clock::now() - *worker.stop_began_);
  }
  auto slot_it = slots_.find(worker.instance());
  if (slot_it == slots_.end()) return;
  Slot& slot = slot_it->second;
  // A drain past its deadline or a failed shutdown hook: the worker says why, the cluster's
  // exit status says that it happened.
  if (stopping_ && !worker.exit_status_.success()) failed_stop_ = true;
  const auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(Worker::Clock::now() -
                                                                            worker.started_at_);

  if (slot.replacement == &worker) {
    // Reload: the new process failed; the old one keeps serving (or, if it died meanwhile,
    // the slot starts afresh below).
    slot.replacement = nullptr;
    std::string why = slot.replace_failure.value_or(
        fmt::format("the new process (pid {}) {} before it was {}", worker.pid(),
                    worker.exit_status_.describe(), settings_.wait_ready ? "ready" : "listening"));
    const RespawnDecision decision{RespawnDecision::Action::Stop, {}, "reload rolled back"};
    if (events_.exit) events_.exit(worker, worker.exit_status_, decision);
    finish_replacement(slot, std::move(why));
    if (slot.worker == nullptr && !slot.stopped && !stopping_) fork_worker(slot);
    return;
  }
  if (slot.worker != &worker) {
    // A process already replaced (reload) or stopped: its exit decides nothing.
    const RespawnDecision decision{RespawnDecision::Action::Stop, {}, "replaced"};
    if (events_.exit) events_.exit(worker, worker.exit_status_, decision);
  } else {
    slot.worker = nullptr;
    if (std::exchange(slot.restart_on_exit, false) && !stopping_ && !slot.retiring) {
      const RespawnDecision decision{RespawnDecision::Action::Restart, {}, "restarted"};
      if (events_.exit) events_.exit(worker, worker.exit_status_, decision);
      if (slot.replacement == nullptr) fork_worker(slot);
      return;
    }
    // The table decided how the exit counts: every worker of a stopping cluster was asked
    // to stop, so its exit is a requested one.
    const RespawnDecision decision = slot.policy.on_exit(*worker.exit_kind_, uptime);
    if (events_.exit) events_.exit(worker, worker.exit_status_, decision);
    // A replacement on its way up takes the slot over; the policy's restart is not needed.
    if (slot.replacement == nullptr && !slot.retiring && !slot.stopped) act_on(slot, decision);
  }
  if (slot.retiring && slot.worker == nullptr && slot.replacement == nullptr) {
    slots_.erase(slot_it);
  }
}

void WorkerGroup::act_on(Slot& slot, const RespawnDecision& decision) {
  switch (decision.action) {
    case RespawnDecision::Action::Restart:
      if (stopping_) break;  // invariant: nothing starts while the cluster stops
      if (decision.delay.count() == 0) {
        fork_worker(slot);
      } else {
        const int instance = slot.instance;
        slot.respawn_timer = loop_.after(decision.delay, [this, instance] {
          if (Slot* s = slot_of(instance)) fork_worker(*s);
        });
      }
      break;
    case RespawnDecision::Action::Errored:
      slot.errored = true;
      if (events_.errored) events_.errored(slot.instance, workers_.size());
      stop_if_every_slot_errored();
      break;
    case RespawnDecision::Action::Stop:
      break;
  }
}

void WorkerGroup::stop_if_every_slot_errored() {
  if (stopping_ ||
      !std::all_of(slots_.begin(), slots_.end(), [](const auto& s) { return s.second.errored; })) {
    return;
  }
  report(
      Error{fmt::format("every worker slot ({} of {}) errored: the cluster cannot keep a "
                        "worker running, so it stops",
                        slots_.size(), slots_.size())});
  stop(0);
}

void WorkerGroup::close_channel(Worker& worker) {
  if (!worker.channel_.is_open()) return;
  loop_.remove(worker.channel_.fd());
  worker.channel_.close();
  reclaim_unacked(worker);
  if (events_.disconnect) events_.disconnect(worker);
}

void WorkerGroup::update_channel_interest(Worker& worker) {
  if (!worker.channel_.is_open()) return;
  const std::uint32_t events = EPOLLIN | (worker.channel_.wants_writable() ? EPOLLOUT : 0u);
  (void)loop_.modify(worker.channel_.fd(), events);
}

void WorkerGroup::on_channel_event(Worker& worker, std::uint32_t events) {
  if (events & EPOLLOUT) {
    if (auto s = worker.channel_.flush(); !s) return close_channel(worker);
    update_channel_interest(worker);
    if (!worker.channel_.has_pending_output() && !stopping_) dispatch_pending();
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  std::vector<IpcMessage> messages;
  auto state = worker.channel_.read_available(messages);
  for (auto& message : messages) {
    const std::string command = wire::command_of(message.body);
    if (command.empty()) {
      if (events_.message) events_.message(worker, message.body);
    } else {
      on_internal_message(worker, command, message.body);
    }
  }
  if (!state) {
    report(Error{fmt::format("worker {}: {}", worker.id(), state.error().message)});
    close_channel(worker);
  } else if (state.value() == IpcChannel::ReadState::Closed) {
    close_channel(worker);
  }
}

void WorkerGroup::on_internal_message(Worker& worker, const std::string& command,
                                      const nlohmann::json& body) {
  if (command == wire::kAccepted) {
    auto it = worker.unacked_.find(body.value("seq", std::uint64_t{0}));
    if (it != worker.unacked_.end()) {
      // A worker that could not receive the descriptor (out of descriptors itself) says so:
      // that one connection is closed, the worker carries on.
      if (!body.value("received", true)) {
        report(
            Error{fmt::format("worker {}: a connection's descriptor did not arrive; it is "
                              "closed",
                              worker.id())});
      }
      worker.unacked_.erase(it);
    }
    if (!stopping_) dispatch_pending();
  } else if (command == wire::kOnline) {
    apply(worker, WorkerEvent::SaidOnline);
  } else if (command == wire::kListening) {
    worker.heartbeat_at_ = Clock::now();  // the first beat is due an interval from now
    apply(worker, WorkerEvent::SaidListening);
  } else if (command == wire::kHeartbeat) {
    on_heartbeat(worker, body);
  } else if (command == wire::kReady) {
    apply(worker, WorkerEvent::SaidReady);
  } else if (command == wire::kStopping) {
    apply(worker, WorkerEvent::SaidStopping);
  }
}

void WorkerGroup::on_notify_readable() {
  for (;;) {
    char buffer[4096];
    iovec iov{buffer, sizeof buffer - 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(notify_.get(), &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) return;
    pid_t sender = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials{};
        std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
        sender = credentials.pid;
      }
    }
    auto it = workers_.find(sender);
    if (it == workers_.end()) continue;  // not one of ours (or a grandchild): ignored
    const std::string text(buffer, static_cast<std::size_t>(n));
    std::size_t begin = 0;
    while (begin < text.size()) {
      std::size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(begin, end - begin);
      if (line == "READY=1") apply(*it->second, WorkerEvent::SaidReady);
      if (line == "STOPPING=1") apply(*it->second, WorkerEvent::SaidStopping);
      begin = end + 1;
    }
  }
}

void WorkerGroup::send_listen_instructions(Worker& worker) {
  if (!worker.channel_.is_open()) return;  // no protocol: its socket came with exec
  nlohmann::json message = wire::internal(wire::kListen);
  message["policy"] = std::string(to_string(settings_.policy));
  message["host"] = settings_.host;
  message["port"] = port_;
  message["heartbeat_ms"] = settings_.heartbeat_interval().count();
  Status sent;
  if (settings_.policy == ListenPolicy::Shared) {
    const int fd = listener_.get();
    sent = worker.send(message, std::span<const int>(&fd, 1));
  } else {
    sent = worker.send(message);
  }
  if (!sent) report(Error{fmt::format("worker {}: {}", worker.id(), sent.error().message)});
  update_channel_interest(worker);
}

Worker* WorkerGroup::next_round_robin_worker(bool advance) {
  if (settings_.policy != ListenPolicy::RoundRobin || by_id_.empty()) return nullptr;
  auto can_take = [this](const Worker& w) {
    return is_up(w.state_, lifecycle_) && !w.suspect_ && w.channel_.is_open() &&
           !w.channel_.has_pending_output() && w.unacked_.size() < max_unacked_;
  };
  // The first worker after the last one chosen, in id order, wrapping around.
  auto it = by_id_.upper_bound(last_round_robin_id_);
  for (std::size_t seen = 0; seen < by_id_.size(); ++seen, ++it) {
    if (it == by_id_.end()) it = by_id_.begin();
    if (!can_take(*it->second)) continue;
    if (advance) last_round_robin_id_ = it->first;
    return it->second;
  }
  return nullptr;
}

void WorkerGroup::set_accepting(bool on) {
  if (settings_.policy != ListenPolicy::RoundRobin || accepting_ == on || !listener_ ||
      settings_.protocol != WorkerProtocol::ClusterLab) {
    return;
  }
  accepting_ = on;
  (void)loop_.modify(listener_.get(), on ? EPOLLIN : 0u);
}

std::size_t WorkerGroup::held_connections() const {
  std::size_t held = pending_.size();
  for (const auto& [id, worker] : by_id_)
    held += worker->unacked_.size();
  return held;
}

void WorkerGroup::accept_connections() {
  for (int i = 0; i < 64; ++i) {
    if (next_round_robin_worker(/*advance=*/false) == nullptr) return set_accepting(false);
    if (held_connections() >= connection_budget_) return set_accepting(false);
    UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      if (errno == ECONNABORTED) continue;
      report(errno_error("accept"));
      // Out of descriptors (or worse): leave connections in the backlog for a while rather
      // than spin on a socket that stays readable.
      set_accepting(false);
      loop_.after(std::chrono::milliseconds(100), [this] {
        if (!stopping_) set_accepting(next_round_robin_worker(false) != nullptr);
      });
      return;
    }
    pending_.push_back(std::move(connection));
    dispatch_pending();
  }
}

void WorkerGroup::dispatch_pending() {
  // Channels blocked on descriptors in flight may go on now that some were received.
  for (auto& [id, worker] : by_id_) {
    if (worker->channel_.has_pending_output() && !worker->channel_.wants_writable()) {
      if (!worker->channel_.flush()) continue;  // the read side will see it closed
      update_channel_interest(*worker);
    }
  }
  while (!pending_.empty()) {
    Worker* worker = next_round_robin_worker(/*advance=*/true);
    if (worker == nullptr) break;
    const std::uint64_t seq = next_connection_seq_++;
    nlohmann::json message = wire::internal(wire::kConnection);
    message["seq"] = seq;
    const int fd = pending_.front().get();
    if (!worker->send(message, std::span<const int>(&fd, 1))) {
      close_channel(*worker);  // gone: its unacknowledged connections come back to pending_
      continue;
    }
    worker->unacked_.emplace(seq, std::move(pending_.front()));
    pending_.pop_front();
    update_channel_interest(*worker);
  }
  if (!stopping_) {
    set_accepting(held_connections() < connection_budget_ &&
                  next_round_robin_worker(false) != nullptr);
  }
}

void WorkerGroup::reclaim_unacked(Worker& worker) {
  for (auto it = worker.unacked_.rbegin(); it != worker.unacked_.rend(); ++it) {
    pending_.push_front(std::move(it->second));  // oldest first, ahead of newer arrivals
  }
  worker.unacked_.clear();
}

void WorkerGroup::report(const Error& error) {
  if (events_.error) events_.error(error);
}

}  // namespace clab::cluster
