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

#include <algorithm>
#include <climits>
#include <cstring>

#include "cluster/environment.hpp"
#include "cluster/wire.hpp"
#include "net/tcp_listener.hpp"
#include "proc/descriptor_limit.hpp"
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

void Primary::budget_descriptors() {
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

Status Primary::start() {
  if (settings_.workers < 1) return Error{"cluster: at least one worker is needed"};
  if (settings_.argv.empty()) return Error{"cluster: the worker command line is empty"};
  executable_ = own_executable();

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
  auto signals = proc::SignalSet::block({SIGCHLD, SIGINT, SIGTERM});
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
  lifecycle_ = {.wait_ready = settings_.wait_ready};
  slots_.resize(static_cast<std::size_t>(settings_.workers));
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].instance = static_cast<int>(i);
    slots_[i].policy = RespawnPolicy(settings_.respawn);
    fork_worker(slots_[i]);
  }
  loop_.run();
  const bool any_errored =
      std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.errored; });
  return killed_any_ || failed_stop_ || any_errored ? 1 : 0;
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
  if (!pair) return on_spawn_failure(slot, pair.error());
  auto& [channel, child_end] = pair.value();
  const int id = next_worker_id_++;

  std::vector<std::string> env = worker_environment(id, slot.instance, child_end.get());
  std::vector<std::string> args = settings_.argv;
  std::vector<char*> envp = proc::pointers_to(env);
  std::vector<char*> argv = proc::pointers_to(args);
  const pid_t primary_pid = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) return on_spawn_failure(slot, errno_error("fork"));
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    proc::unblock_all_signals();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != primary_pid) ::_exit(1);  // the primary died before prctl
    ::fcntl(child_end.get(), F_SETFD, 0);        // keep the IPC end across exec
    ::execve(executable_.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  child_end.reset();

  auto worker = std::make_unique<Worker>(id, slot.instance, pid, std::move(channel), *this);
  Worker& w = *worker;
  workers_[pid] = std::move(worker);
  by_id_[id] = &w;
  slot.worker = &w;
  if (auto s = loop_.add(w.channel_.fd(), EPOLLIN,
                         [this, &w](std::uint32_t events) { on_channel_event(w, events); });
      !s) {
    report(s.error());
  }
  apply(w, WorkerEvent::Forked);
  if (events_.fork) events_.fork(w);
}

void Primary::on_spawn_failure(Slot& slot, const Error& error) {
  const RespawnDecision decision = slot.policy.on_spawn_failure(error.message);
  report(Error{fmt::format("worker slot {}: {}{}", slot.instance, error.message,
                           decision.action == RespawnDecision::Action::Restart
                               ? fmt::format("; retrying in {} ms", decision.delay.count())
                               : std::string())});
  act_on(slot, decision);
}

void Primary::apply(Worker& worker, WorkerEvent event) {
  const WorkerTransition t = transition(worker.state_, event, lifecycle_);
  const WorkerState before = worker.state_;
  worker.state_ = t.next;
  if (t.next == WorkerState::Stopping) worker.stop_requested_ = true;
  if ((t.next == WorkerState::Stopping || t.next == WorkerState::Draining) && !worker.stop_began_) {
    worker.stop_began_ = Worker::Clock::now();
  }
  if (event == WorkerEvent::Reaped) worker.exit_kind_ = exit_kind(before, lifecycle_);
  // Bit order is execution order: see WorkerAction.
  for (std::uint32_t bit = 1;
       bit != 0 && bit <= static_cast<std::uint32_t>(WorkerAction::DecideRespawn); bit <<= 1) {
    const auto action = static_cast<WorkerAction>(bit);
    if (t.actions.has(action)) execute(worker, action);
  }
}

void Primary::execute(Worker& w, WorkerAction action) {
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
  }
}

void Primary::after(Worker& worker, std::chrono::milliseconds delay, WorkerEvent event) {
  const pid_t pid = worker.pid();
  worker.timers_.push_back(loop_.after(delay, [this, pid, event] {
    auto it = workers_.find(pid);
    if (it != workers_.end()) apply(*it->second, event);
  }));
}

void Primary::ask_to_stop(Worker& w) {
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
  request_stop(worker, {});
}

void Primary::request_stop(Worker& worker, StopMethod method) {
  if (worker.state_ == WorkerState::Stopping || !worker.is_alive()) return;
  worker.stop_method_ = method;
  apply(worker, WorkerEvent::StopRequested);
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
    worker->exit_status_ = ExitStatus::from_wait_status(status);
    close_channel(*worker);
    apply(*worker, WorkerEvent::Reaped);
  }
  finish_if_stopped();
}

void Primary::on_worker_exit(Worker& worker) {
  if (worker.stop_began_) {
    worker.stop_duration_ = std::chrono::duration_cast<std::chrono::milliseconds>(
        Worker::Clock::now() - *worker.stop_began_);
  }
  Slot& slot = slots_.at(static_cast<std::size_t>(worker.instance()));
  if (slot.worker == &worker) slot.worker = nullptr;
  // A drain past its deadline or a failed shutdown hook: the worker says why, the cluster's
  // exit status says that it happened.
  if (stopping_ && !worker.exit_status_.success()) failed_stop_ = true;

  const auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(Worker::Clock::now() -
                                                                            worker.started_at_);
  // The table decided how the exit counts: every worker of a stopping cluster was asked to
  // stop, so its exit is a requested one.
  const RespawnDecision decision = slot.policy.on_exit(*worker.exit_kind_, uptime);
  if (events_.exit) events_.exit(worker, worker.exit_status_, decision);
  act_on(slot, decision);
}

void Primary::act_on(Slot& slot, const RespawnDecision& decision) {
  switch (decision.action) {
    case RespawnDecision::Action::Restart:
      if (stopping_) break;  // invariant: nothing starts while the cluster stops
      if (decision.delay.count() == 0) {
        fork_worker(slot);
      } else {
        slot.respawn_timer = loop_.after(decision.delay, [this, &slot] { fork_worker(slot); });
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

void Primary::stop_if_every_slot_errored() {
  if (stopping_ ||
      !std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.errored; })) {
    return;
  }
  report(
      Error{fmt::format("every worker slot ({} of {}) errored: the cluster cannot keep a "
                        "worker running, so it stops",
                        slots_.size(), slots_.size())});
  stop(0);
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
  const std::uint32_t events = EPOLLIN | (worker.channel_.wants_writable() ? EPOLLOUT : 0u);
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
    apply(worker, WorkerEvent::SaidListening);
  } else if (command == wire::kReady) {
    apply(worker, WorkerEvent::SaidReady);
  } else if (command == wire::kStopping) {
    apply(worker, WorkerEvent::SaidStopping);
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
    return is_up(w.state_, lifecycle_) && w.channel_.is_open() &&
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

void Primary::set_accepting(bool on) {
  if (settings_.policy != ListenPolicy::RoundRobin || accepting_ == on) return;
  accepting_ = on;
  (void)loop_.modify(listener_.get(), on ? EPOLLIN : 0u);
}

std::size_t Primary::held_connections() const {
  std::size_t held = pending_.size();
  for (const auto& [id, worker] : by_id_)
    held += worker->unacked_.size();
  return held;
}

void Primary::accept_connections() {
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

void Primary::dispatch_pending() {
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
