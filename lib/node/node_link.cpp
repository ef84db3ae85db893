#include "node/node_link.hpp"

#include <sys/epoll.h>

#include <csignal>

#include <fmt/format.h>

#include "cluster/worker_group.hpp"

namespace clab::node {

using cluster::StopMethod;
using cluster::WorkerEvent;

Result<std::unique_ptr<NodeLink>> NodeLink::create(Context context) {
  auto pair = NodeChannel::create_pair();
  if (!pair) return pair.error();
  return std::unique_ptr<NodeLink>(new NodeLink(std::move(context), std::move(pair.value().first),
                                                std::move(pair.value().second)));
}

NodeLink::NodeLink(Context context, NodeChannel channel, UniqueFd child_end)
    : context_(std::move(context)),
      channel_(context_.loop, std::move(channel)),
      child_end_(std::move(child_end)) {}

NodeLink::~NodeLink() {
  close();
}

cluster::SpawnPlan NodeLink::plan(int, int) {
  cluster::SpawnPlan plan;
  // What child_process.fork() sets (lib/child_process.js): the channel's descriptor and its
  // serialization; Node's bootstrap opens it and deletes both from process.env.
  plan.environment = {{"NODE_CHANNEL_FD", std::to_string(child_end_.get())},
                      {"NODE_CHANNEL_SERIALIZATION_MODE", "json"}};
  plan.inherit_fd = child_end_.get();
  return plan;
}

void NodeLink::started(cluster::Worker& worker) {
  worker_ = &worker;
  child_end_.reset();
  if (auto s = channel_.watch([this](std::uint32_t events) { on_channel_event(events); }); !s) {
    context_.events.problem(worker, s.error());
  }
  // Fork mode: it runs, so it is online and serving as far as pm can tell ('ready' later).
  context_.events.said(worker, WorkerEvent::SaidOnline);
  context_.events.said(worker, WorkerEvent::SaidListening);
}

Status NodeLink::send(const nlohmann::json& message, std::span<const int> fds) {
  const int id = worker_ != nullptr ? worker_->id() : 0;
  if (!channel_->is_open())
    return Error{fmt::format("worker {}: its Node IPC channel is closed", id)};
  if (fds.size() > 1)
    return Error{
        fmt::format("worker {}: Node takes one handle per message, not {}", id, fds.size())};
  auto sent = fds.empty() ? channel_->send(message) : channel_->send_handle(message, fds[0]);
  channel_.update_interest();
  return sent;
}

void NodeLink::ask_to_stop(cluster::Worker& worker, const StopMethod& method) {
  switch (method.kind) {
    case StopMethod::Kind::Signal:
      ::kill(worker.pid(), method.signal);
      return;
    case StopMethod::Kind::Disconnect:
      // subprocess.disconnect(): the app sees 'disconnect' and exits once its work is done.
      close();
      return context_.events.channel_closed(worker);
    case StopMethod::Kind::ClusterDefault:
      if (context_.settings.shutdown_with_message && channel_->is_open()) {
        (void)send("shutdown", {});
      } else {
        ::kill(worker.pid(), SIGINT);
      }
      return;
  }
}

void NodeLink::close() {
  channel_.close();
}

void NodeLink::on_channel_event(std::uint32_t events) {
  cluster::Worker& worker = *worker_;
  cluster::LinkEvents& report = context_.events;
  if (events & EPOLLOUT) {
    const auto written = channel_.on_writable();
    if (written == cluster::Written::Failed) return report.channel_closed(worker);
    if (written == cluster::Written::Drained) report.drained(worker);
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  std::vector<NodeChannel::Received> received;
  std::vector<std::string> problems;
  auto state = channel_->read_available(received, problems);
  channel_.update_interest();  // acknowledgements may have queued output
  for (const auto& problem : problems)
    report.problem(worker, Error{fmt::format("worker {} (pid {}), its Node IPC channel: {}",
                                             worker.id(), worker.pid(), problem)});
  for (auto& message : received) {
    if (message.internal) continue;  // the runtime's own (the cluster protocol: not in fork mode)
    if (message.message == "ready") report.said(worker, WorkerEvent::SaidReady);
    report.message(worker, message.message);
    if (!channel_->is_open()) return;  // the group closed it meanwhile
  }
  if (!state || state.value() == NodeChannel::ReadState::Closed) {
    if (!state) report.problem(worker, state.error());
    close();
    report.channel_closed(worker);
  }
}

}  // namespace clab::node
