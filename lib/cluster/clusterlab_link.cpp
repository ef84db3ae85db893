#include "cluster/clusterlab_link.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cluster/environment.hpp"
#include "cluster/wire.hpp"
#include "cluster/worker_group.hpp"

namespace clab::cluster {

Result<std::unique_ptr<ClusterLabLink>> ClusterLabLink::create(Context context) {
  auto pair = IpcChannel::create_pair();
  if (!pair) return pair.error();
  return std::unique_ptr<ClusterLabLink>(new ClusterLabLink(
      std::move(context), std::move(pair.value().first), std::move(pair.value().second)));
}

ClusterLabLink::ClusterLabLink(Context context, IpcChannel channel, UniqueFd child_end)
    : context_(std::move(context)),
      channel_(context_.loop, std::move(channel)),
      child_end_(std::move(child_end)) {}

ClusterLabLink::~ClusterLabLink() {
  close();
}

SpawnPlan ClusterLabLink::plan(int id, int instance) {
  SpawnPlan plan;
  plan.environment = {{kEnvWorkerId, std::to_string(id)},
                      {kEnvInstance, std::to_string(instance)},
                      {kEnvIpcFd, std::to_string(child_end_.get())},
                      {kEnvPrimaryPid, std::to_string(::getpid())}};
  plan.inherit_fd = child_end_.get();
  return plan;
}

void ClusterLabLink::started(Worker& worker) {
  worker_ = &worker;
  child_end_.reset();
  if (auto s = channel_.watch([this](std::uint32_t events) { on_channel_event(events); }); !s) {
    context_.events.problem(worker, s.error());
  }
}

Status ClusterLabLink::send(const nlohmann::json& message, std::span<const int> fds) {
  if (!channel_->is_open())
    return Error{fmt::format("worker {}: IPC channel is closed", worker_ ? worker_->id() : 0)};
  auto sent = channel_->send(message, fds);
  channel_.update_interest();
  return sent;
}

void ClusterLabLink::send_listen(Worker& worker) {
  if (!channel_->is_open()) return;
  const ClusterSettings& settings = context_.settings;
  nlohmann::json message = wire::internal(wire::kListen);
  message["policy"] = std::string(to_string(settings.policy));
  message["host"] = settings.host;
  message["port"] = context_.port;
  message["heartbeat_ms"] = settings.heartbeat_interval().count();
  const int fd = context_.listener;
  auto sent = settings.policy == ListenPolicy::Shared ? send(message, std::span<const int>(&fd, 1))
                                                      : send(message, {});
  if (!sent) context_.events.problem(worker, sent.error());
}

void ClusterLabLink::ask_to_stop(Worker& worker, const StopMethod& method) {
  switch (method.kind) {
    case StopMethod::Kind::Signal:
      ::kill(worker.pid(), method.signal);
      return;
    case StopMethod::Kind::Disconnect:
      (void)send(wire::internal(wire::kDisconnect), {});
      return;
    case StopMethod::Kind::ClusterDefault:
      if (context_.settings.shutdown_with_message && channel_->is_open()) {
        (void)send(wire::internal(wire::kShutdown), {});
      } else {
        (void)send(wire::internal(wire::kDisconnect), {});
        ::kill(worker.pid(), SIGINT);
      }
      return;
  }
}

void ClusterLabLink::close() {
  channel_.close();
}

bool ClusterLabLink::can_take_connection() const {
  return worker_ != nullptr && context_.may_take(*worker_) && channel_->is_open() &&
         !channel_->has_pending_output();
}

bool ClusterLabLink::hand_connection(int fd, std::uint64_t seq) {
  nlohmann::json message = wire::internal(wire::kConnection);
  message["seq"] = seq;
  return send(message, std::span<const int>(&fd, 1)).ok();
}

void ClusterLabLink::retry_output() {
  if (channel_->has_pending_output() && !channel_->wants_writable()) {
    if (!channel_->flush()) return;  // the read side will see it closed
    channel_.update_interest();
  }
}

void ClusterLabLink::on_channel_event(std::uint32_t events) {
  Worker& worker = *worker_;
  LinkEvents& report = context_.events;
  if (events & EPOLLOUT) {
    const auto written = channel_.on_writable();
    if (written == Written::Failed) return report.channel_closed(worker);
    if (written == Written::Drained) report.drained(worker);
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  std::vector<IpcMessage> messages;
  auto state = channel_->read_available(messages);
  for (auto& message : messages) {
    const std::string command = wire::command_of(message.body);
    if (command.empty()) {
      report.message(worker, message.body);
    } else {
      on_internal_message(command, message.body);
    }
    if (!channel_->is_open()) return;  // the group closed it meanwhile
  }
  if (!state || state.value() == IpcChannel::ReadState::Closed) {
    if (!state)
      report.problem(worker,
                     Error{fmt::format("worker {}: {}", worker.id(), state.error().message)});
    close();
    report.channel_closed(worker);
  }
}

void ClusterLabLink::on_internal_message(const std::string& command, const nlohmann::json& body) {
  Worker& worker = *worker_;
  LinkEvents& report = context_.events;
  if (command == wire::kAccepted) {
    // A worker that could not receive the descriptor (out of descriptors itself) says so:
    // that one connection is closed, the worker carries on.
    if (!body.value("received", true)) {
      report.problem(worker, Error{fmt::format("worker {}: a connection's descriptor did not "
                                               "arrive; it is closed",
                                               worker.id())});
    }
    if (context_.handoff)
      context_.handoff->answered(worker.id(), body.value("seq", std::uint64_t{0}), true);
  } else if (command == wire::kOnline) {
    report.said(worker, WorkerEvent::SaidOnline);
  } else if (command == wire::kListening) {
    report.said(worker, WorkerEvent::SaidListening);
  } else if (command == wire::kHeartbeat) {
    report.heartbeat(worker, body);
  } else if (command == wire::kReady) {
    report.said(worker, WorkerEvent::SaidReady);
  } else if (command == wire::kStopping) {
    report.said(worker, WorkerEvent::SaidStopping);
  }
}

}  // namespace clab::cluster
