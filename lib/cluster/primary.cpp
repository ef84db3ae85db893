#include "cluster/primary.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <climits>
#include <cstring>

#include "cluster/environment.hpp"
#include "cluster/wire.hpp"
#include "proc/exec_block.hpp"

namespace clab::cluster {
namespace {

// The environment a worker starts with: ours without stale cluster variables, plus its own.
std::vector<std::string> worker_environment(int id, int instance, int ipc_fd) {
  return proc::environment_with({{kEnvWorkerId, std::to_string(id)},
                                 {kEnvInstance, std::to_string(instance)},
                                 {kEnvIpcFd, std::to_string(ipc_fd)},
                                 {kEnvPrimaryPid, std::to_string(::getpid())}},
                                "CLUSTERLAB_");
}

std::string own_executable() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "/proc/self/exe";
  return std::string(path, static_cast<std::size_t>(n));
}

}  // namespace

Primary::Primary(ClusterSettings settings, ClusterEvents events)
    : settings_(std::move(settings)), events_(std::move(events)) {}

Primary::~Primary() {
  for (auto& [pid, worker] : workers_) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
}

Status Primary::start() {
  if (settings_.workers < 1) return Error{"cluster: at least one worker is needed"};
  if (settings_.argv.empty()) return Error{"cluster: the worker command line is empty"};
  executable_ = own_executable();

  ListenOptions options;
  options.reuse_port = settings_.policy == ListenPolicy::ReusePort;
  options.listen = settings_.policy != ListenPolicy::ReusePort;  // reuseport: reserve only
  auto listener = bind_tcp(settings_.host, settings_.port, options);
  if (!listener) return listener.error();
  listener_ = std::move(listener.value());
  auto port = bound_port(listener_.get());
  if (!port) return port.error();
  port_ = port.value();

  auto signals = SignalSet::block({SIGCHLD, SIGINT, SIGTERM});
  if (!signals) return signals.error();
  signals_.emplace(std::move(signals.value()));
  return {};
}

int Primary::run() {
  if (auto s = loop_.add(signals_->fd(), EPOLLIN, [this](std::uint32_t) { on_signal(); }); !s) {
    report(s.error());
    return 1;
  }
  if (settings_.policy == ListenPolicy::RoundRobin) {
    if (auto s = loop_.add(listener_.get(), 0, [this](std::uint32_t) { accept_connections(); });
        !s) {
      report(s.error());
      return 1;
    }
  }
  slots_.resize(static_cast<std::size_t>(settings_.workers));
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].instance = static_cast<int>(i);
    slots_[i].policy = RespawnPolicy(settings_.respawn);
    fork_worker(slots_[i]);
  }
  loop_.run();
  return killed_any_ ? 1 : 0;
}

std::vector<Worker*> Primary::workers() {
  std::vector<Worker*> out;
  for (auto& [pid, worker] : workers_)
    out.push_back(worker.get());
  return out;
}

void Primary::fork_worker(Slot& slot) {
  slot.respawn_timer.reset();
  auto pair = IpcChannel::create_pair();
  if (!pair) return report(pair.error());
  auto& [channel, child_end] = pair.value();
  const int id = next_worker_id_++;

  std::vector<std::string> env = worker_environment(id, slot.instance, child_end.get());
  std::vector<std::string> args = settings_.argv;
  std::vector<char*> envp = proc::pointers_to(env);
  std::vector<char*> argv = proc::pointers_to(args);
  const pid_t primary_pid = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) return report(errno_error("fork"));
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    unblock_all_signals();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != primary_pid) ::_exit(1);  // the primary died before prctl
    ::fcntl(child_end.get(), F_SETFD, 0);        // keep the IPC end across exec
    ::execve(executable_.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  child_end.reset();

  auto worker = std::make_unique<Worker>(id, slot.instance, pid, std::move(channel));
  Worker& w = *worker;
  workers_[pid] = std::move(worker);
  by_id_[id] = &w;
  slot.worker = &w;
  if (auto s = loop_.add(w.channel_.fd(), EPOLLIN,
                         [this, &w](std::uint32_t events) { on_channel_event(w, events); });
      !s) {
    report(s.error());
  }
  if (settings_.wait_ready) {
    w.timers_.push_back(loop_.after(settings_.listen_timeout, [this, pid] {
      auto it = workers_.find(pid);
      if (it == workers_.end() || it->second->ready_) return;
      it->second->killed_by_primary_ = true;  // a failed start: respawned as an unstable exit
      if (events_.listen_timeout) events_.listen_timeout(*it->second);
      ::kill(pid, SIGKILL);
    }));
  }
  if (events_.fork) events_.fork(w);
}

void Primary::on_signal() {
  while (auto signal = signals_->read_one()) {
    if (*signal == SIGCHLD) {
      reap_children();
    } else if (stopping_) {
      // A second SIGINT/SIGTERM: stop waiting.
      for (auto& [pid, worker] : workers_)
        ::kill(pid, SIGKILL);
      killed_any_ = true;
    } else {
      stop(*signal);
    }
  }
}

void Primary::stop(int signal) {
  if (stopping_) return;
  stopping_ = true;
  set_accepting(false);
  if (events_.stopping) events_.stopping(signal, workers_.size());
  for (auto& slot : slots_) {
    if (slot.respawn_timer) loop_.cancel(*slot.respawn_timer);
    slot.respawn_timer.reset();
  }
  for (auto& [pid, worker] : workers_)
    stop_worker(*worker);  // all at once, in parallel
  finish_if_stopped();
}

void Primary::stop_worker(Worker& worker) {
  if (!worker.is_alive() || worker.stop_requested_) return;
  worker.stop_requested_ = true;
  worker.stop_requested_at_ = Worker::Clock::now();
  worker.state_ = WorkerState::Stopping;
  reclaim_unacked(worker);
  if (settings_.shutdown_with_message && worker.channel_.is_open()) {
    (void)worker.channel_.send(wire::internal(wire::kShutdown));
  } else {
    if (worker.channel_.is_open()) (void)worker.channel_.send(wire::internal(wire::kDisconnect));
    ::kill(worker.pid(), SIGINT);
  }
  const pid_t pid = worker.pid();
  worker.timers_.push_back(loop_.after(settings_.kill_timeout, [this, pid] {
    auto it = workers_.find(pid);
    if (it == workers_.end()) return;
    it->second->killed_by_primary_ = true;
    killed_any_ = true;
    ::kill(pid, SIGKILL);
  }));
}

void Primary::finish_if_stopped() {
  if (stopping_ && workers_.empty()) loop_.stop();
}

void Primary::reap_children() {
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    auto it = workers_.find(pid);
    if (it == workers_.end()) continue;
    std::unique_ptr<Worker> worker = std::move(it->second);
    workers_.erase(it);
    by_id_.erase(worker->id());
    on_worker_exit(*worker, ExitStatus::from_wait_status(status));
  }
  finish_if_stopped();
}

void Primary::on_worker_exit(Worker& worker, const ExitStatus& status) {
  close_channel(worker);
  for (auto timer : worker.timers_)
    loop_.cancel(timer);
  if (worker.stop_requested_) {
    worker.stop_duration_ = std::chrono::duration_cast<std::chrono::milliseconds>(
        Worker::Clock::now() - worker.stop_requested_at_);
  }
  const bool intended = worker.stop_requested_ || stopping_;
  worker.state_ = WorkerState::Exited;
  Slot& slot = slots_.at(static_cast<std::size_t>(worker.instance()));
  if (slot.worker == &worker) slot.worker = nullptr;

  const auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(Worker::Clock::now() -
                                                                            worker.started_at_);
  RespawnDecision decision = slot.policy.on_exit(intended, uptime);
  if (events_.exit) events_.exit(worker, status, decision);

  switch (decision.action) {
    case RespawnDecision::Action::Restart:
      if (decision.delay.count() == 0) {
        fork_worker(slot);
      } else {
        slot.respawn_timer = loop_.after(decision.delay, [this, &slot] { fork_worker(slot); });
      }
      break;
    case RespawnDecision::Action::Errored:
      slot.errored = true;
      if (events_.errored) events_.errored(slot.instance, workers_.size());
      break;
    case RespawnDecision::Action::Stop:
      break;
  }
  if (!stopping_) dispatch_pending();
}

void Primary::close_channel(Worker& worker) {
  if (!worker.channel_.is_open()) return;
  loop_.remove(worker.channel_.fd());
  worker.channel_.close();
  reclaim_unacked(worker);
  if (events_.disconnect) events_.disconnect(worker);
}

void Primary::update_channel_interest(Worker& worker) {
  if (!worker.channel_.is_open()) return;
  const std::uint32_t events = EPOLLIN | (worker.channel_.has_pending_output() ? EPOLLOUT : 0u);
  (void)loop_.modify(worker.channel_.fd(), events);
}

void Primary::on_channel_event(Worker& worker, std::uint32_t events) {
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

void Primary::on_internal_message(Worker& worker, const std::string& command,
                                  const nlohmann::json& body) {
  if (command == wire::kAccepted) {
    worker.unacked_.erase(body.value("seq", std::uint64_t{0}));
    dispatch_pending();
    return;
  }
  if (command == wire::kReady) {
    if (worker.ready_) return;
    worker.ready_ = true;
    if (events_.ready) events_.ready(worker);
    if (!stopping_) dispatch_pending();
    return;
  }
  if (command == wire::kStopping) {
    // The worker drains on its own (a signal sent to it directly): no more connections.
    worker.state_ = WorkerState::Stopping;
    reclaim_unacked(worker);
    dispatch_pending();
    return;
  }
  if (command == wire::kOnline && worker.state_ == WorkerState::Starting) {
    worker.state_ = WorkerState::Online;
    if (events_.online) events_.online(worker);
    if (stopping_) {
      worker.disconnect();
    } else {
      send_listen_instructions(worker);
    }
  } else if (command == wire::kListening && worker.state_ == WorkerState::Online) {
    worker.state_ = WorkerState::Listening;
    if (events_.listening) events_.listening(worker);
    if (!stopping_) dispatch_pending();
  }
}

void Primary::send_listen_instructions(Worker& worker) {
  nlohmann::json message = wire::internal(wire::kListen);
  message["policy"] = std::string(to_string(settings_.policy));
  message["host"] = settings_.host;
  message["port"] = port_;
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

Worker* Primary::next_round_robin_worker(bool advance) {
  if (settings_.policy != ListenPolicy::RoundRobin || by_id_.empty()) return nullptr;
  auto can_take = [this](const Worker& w) {
    return w.state_ == WorkerState::Listening && w.channel_.is_open() &&
           !w.channel_.has_pending_output() && w.unacked_.size() < kMaxUnacked &&
           (w.ready_ || !settings_.wait_ready);
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

void Primary::set_accepting(bool on) {
  if (settings_.policy != ListenPolicy::RoundRobin || accepting_ == on) return;
  accepting_ = on;
  (void)loop_.modify(listener_.get(), on ? EPOLLIN : 0u);
}

void Primary::accept_connections() {
  for (int i = 0; i < 64; ++i) {
    if (next_round_robin_worker(/*advance=*/false) == nullptr) return set_accepting(false);
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

void Primary::dispatch_pending() {
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
  if (!stopping_)
    set_accepting(pending_.size() < kMaxPending && next_round_robin_worker(false) != nullptr);
}

void Primary::reclaim_unacked(Worker& worker) {
  for (auto it = worker.unacked_.rbegin(); it != worker.unacked_.rend(); ++it) {
    pending_.push_front(std::move(it->second));  // oldest first, ahead of newer arrivals
  }
  worker.unacked_.clear();
}

void Primary::report(const Error& error) {
  if (events_.error) events_.error(error);
}

}  // namespace clab::cluster
