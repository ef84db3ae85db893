#include "cluster/worker_group.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

#include "cluster/clusterlab_link.hpp"
#include "cluster/notify_socket.hpp"
#include "cluster/signal_link.hpp"
#include "cluster/worker_spawner.hpp"
#include "net/tcp_listener.hpp"
#include "node/node_link.hpp"
#include "proc/child_process.hpp"
#include "proc/descriptor_limit.hpp"
#include "proc/signal_set.hpp"

namespace clab::cluster {

WorkerGroup::WorkerGroup(EventLoop& loop, ClusterSettings settings, ClusterEvents events)
    : loop_(loop), settings_(std::move(settings)), events_(std::move(events)) {
  if (settings_.executable.empty()) settings_.executable = proc::own_executable();
}

WorkerGroup::~WorkerGroup() {
  for (auto& [pid, worker] : workers_) {
    worker->link_->close();
    for (auto timer : worker->timers_)
      loop_.cancel(timer);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  for (auto& [instance, slot] : slots_) {
    if (slot.respawn_timer) loop_.cancel(*slot.respawn_timer);
    if (slot.replace_timer) loop_.cancel(*slot.replace_timer);
  }
  if (heartbeat_check_) loop_.cancel(*heartbeat_check_);
}

std::chrono::milliseconds ClusterSettings::heartbeat_interval() const {
  // A quarter of the timeout, so a hung worker is suspect after two missed beats and well
  // before it is killed; without a timeout, often enough for a live view.
  constexpr std::chrono::milliseconds kDefault{500}, kShortest{10};
  if (heartbeat_timeout.count() <= 0) return kDefault;
  return std::clamp(heartbeat_timeout / 4, kShortest, kDefault);
}

RoundRobinHandoff::Limits WorkerGroup::budget_descriptors() const {
  constexpr std::size_t kMaxPending = 4096;
  constexpr std::size_t kMaxUnacked = 64;  // per worker: flow control, as Node's
  const std::size_t total = proc::raise_descriptor_limit();
  // Keep room for what the primary itself needs (IPC channels and respawns, epoll, the
  // signalfd, timers): connections it holds never take the last descriptors.
  const std::size_t reserve = 32 + 4 * static_cast<std::size_t>(settings_.workers);
  RoundRobinHandoff::Limits limits;
  limits.budget = total > reserve + 1 ? std::min(kMaxPending, total - reserve) : 1;
  // Descriptors in flight in sockets count against the same limit (ETOOMANYREFS); each
  // worker gets an equal share, at most kMaxUnacked.
  limits.max_unanswered = std::clamp<std::size_t>(
      limits.budget / (2 * static_cast<std::size_t>(settings_.workers)), 1, kMaxUnacked);
  return limits;
}

Status WorkerGroup::bind() {
  if (settings_.workers < 1) return Error{"cluster: at least one worker is needed"};
  if (settings_.argv.empty()) return Error{"cluster: the worker command line is empty"};
  if (settings_.protocol == WorkerProtocol::SocketActivation)
    settings_.policy = ListenPolicy::Shared;
  if (settings_.protocol == WorkerProtocol::None || settings_.protocol == WorkerProtocol::Node)
    return {};  // fork mode: each process binds what it binds

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
  return {};
}

Status WorkerGroup::start() {
  if (started_) return Error{"cluster: already started"};
  started_ = true;
  lifecycle_ = {.wait_ready = settings_.wait_ready};
  if (settings_.protocol == WorkerProtocol::SocketActivation ||
      settings_.protocol == WorkerProtocol::None) {
    // Readiness from programs without a channel of ours: systemd's.
    auto notify = NotifySocket::open(loop_, [this](pid_t sender, std::string_view line) {
      auto it = workers_.find(sender);
      if (it == workers_.end()) return;  // not one of ours (or a grandchild): ignored
      if (line == "READY=1") apply(*it->second, WorkerEvent::SaidReady);
      if (line == "STOPPING=1") apply(*it->second, WorkerEvent::SaidStopping);
    });
    if (!notify) return notify.error();
    notify_ = std::move(notify.value());
  }
  if (settings_.policy == ListenPolicy::RoundRobin &&
      settings_.protocol == WorkerProtocol::ClusterLab) {
    handoff_ = std::make_unique<RoundRobinHandoff>(loop_, listener_.get(), budget_descriptors(),
                                                   [this](const Error& e) { report(e); });
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

Result<std::unique_ptr<WorkerLink>> WorkerGroup::make_link() {
  LinkEvents& events = *this;
  switch (settings_.protocol) {
    case WorkerProtocol::ClusterLab: {
      auto link = ClusterLabLink::create({.loop = loop_,
                                          .events = events,
                                          .settings = settings_,
                                          .port = port_,
                                          .listener = listener_.get(),
                                          .handoff = handoff_.get(),
                                          .may_take = [this](const Worker& w) {
                                            return is_up(w.state_, lifecycle_) && !w.suspect_;
                                          }});
      if (!link) return link.error();
      return std::unique_ptr<WorkerLink>(std::move(link.value()));
    }
    case WorkerProtocol::SocketActivation:
      return std::unique_ptr<WorkerLink>(
          std::make_unique<SignalLink>(events, notify_->address(), listener_.get()));
    case WorkerProtocol::None:
      return std::unique_ptr<WorkerLink>(
          std::make_unique<SignalLink>(events, notify_->address(), -1));
    case WorkerProtocol::Node: {
      auto link = node::NodeLink::create({.loop = loop_, .events = events, .settings = settings_});
      if (!link) return link.error();
      return std::unique_ptr<WorkerLink>(std::move(link.value()));
    }
  }
  return Error{"cluster: unknown worker protocol"};
}

void WorkerGroup::fork_worker(Slot& slot) {
  slot.respawn_timer.reset();
  auto link = make_link();
  if (!link) return on_spawn_failure(slot, link.error());
  const int id = next_worker_id_++;
  auto pid = spawn_worker(settings_, slot.instance, link.value()->plan(id, slot.instance));
  if (!pid) return on_spawn_failure(slot, pid.error());

  if (slot.spawned) ++slot.restarts;
  slot.spawned = true;
  auto worker =
      std::make_unique<Worker>(id, slot.instance, pid.value(), std::move(link.value()), *this);
  Worker& w = *worker;
  workers_[w.pid()] = std::move(worker);
  if (slot.worker == nullptr) {
    slot.worker = &w;
  } else {
    slot.replacement = &w;
  }
  if (auto* taker = w.link_->connection_taker(); taker != nullptr && handoff_) {
    handoff_->join(id, *taker);
  }
  apply(w, WorkerEvent::Forked);
  if (events_.fork) events_.fork(w);
  w.link_->started(w);
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
      return w.link_->send_listen(w);
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
      return w.link_->ask_to_stop(w, w.stop_method_);
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
      return leave_handoff(w);
    case WorkerAction::DispatchConnections:
      return dispatch_connections();
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

void WorkerGroup::kill_all() {
  for (auto& [pid, worker] : workers_)
    ::kill(pid, SIGKILL);
  killed_any_ = true;
}

void WorkerGroup::stop(int signal) {
  if (stopping_) return;
  stopping_ = true;
  if (handoff_) handoff_->close();
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
  if (!worker.link_->channel_open()) return;
  worker.link_->close();
  channel_closed(worker);
}

void WorkerGroup::said(Worker& worker, WorkerEvent event) {
  if (event == WorkerEvent::SaidListening)
    worker.heartbeat_at_ = Clock::now();  // the first beat is due an interval from now
  apply(worker, event);
}

void WorkerGroup::heartbeat(Worker& worker, const nlohmann::json& figures) {
  worker.heartbeat_ = figures;
  worker.heartbeat_at_ = Clock::now();
  if (worker.suspect_) {
    worker.suspect_ = false;
    dispatch_connections();
  }
}

void WorkerGroup::message(Worker& worker, const nlohmann::json& message) {
  if (events_.message) events_.message(worker, message);
}

void WorkerGroup::channel_closed(Worker& worker) {
  leave_handoff(worker);
  if (events_.disconnect) events_.disconnect(worker);
}

void WorkerGroup::drained(Worker&) {
  dispatch_connections();
}

void WorkerGroup::problem(Worker&, const Error& error) {
  report(error);
}

void WorkerGroup::dispatch_connections() {
  if (handoff_ && !stopping_) handoff_->dispatch();
}

void WorkerGroup::leave_handoff(Worker& worker) {
  if (handoff_) handoff_->leave(worker.id());
}

void WorkerGroup::report(const Error& error) {
  if (events_.error) events_.error(error);
}

}  // namespace clab::cluster
