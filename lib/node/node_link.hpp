// NodeLink: a Node.js program's own IPC channel, as child_process.fork() gives one: pm is
// the parent at the other end of NODE_CHANNEL_FD (NodeChannel), so `process.send` and
// `process.on('message')` work in the app, unmodified, as under PM2 or plain fork().
//
// In fork mode the process is up once it runs; `process.send('ready')` is PM2's ready (the
// string, as PM2's God compares packet.raw). Every other message the app sends is reported
// to the group (pm logs it). A stop is SIGINT, or with shutdown_with_message the string
// 'shutdown' on the channel, as PM2 sends it (God.killProcess).
// Invariant: the channel is read on the loop from started() until close().
#pragma once

#include <memory>
#include <string>

#include "cluster/event_loop.hpp"
#include "cluster/watched_channel.hpp"
#include "cluster/worker_link.hpp"
#include "node/node_channel.hpp"

namespace clab::cluster {
struct ClusterSettings;
}

namespace clab::node {

class NodeLink final : public cluster::WorkerLink {
 public:
  struct Context {
    cluster::EventLoop& loop;
    cluster::LinkEvents& events;
    const cluster::ClusterSettings& settings;
  };

  static Result<std::unique_ptr<NodeLink>> create(Context context);
  ~NodeLink() override;

  cluster::SpawnPlan plan(int id, int instance) override;
  void started(cluster::Worker& worker) override;
  // One descriptor at most: Node sends one handle per message.
  Status send(const nlohmann::json& message, std::span<const int> fds) override;
  void send_listen(cluster::Worker&) override {}
  void ask_to_stop(cluster::Worker& worker, const cluster::StopMethod& method) override;
  bool channel_open() const override { return channel_->is_open(); }
  void close() override;

 private:
  NodeLink(Context context, NodeChannel channel, UniqueFd child_end);
  void on_channel_event(std::uint32_t events);

  Context context_;
  cluster::WatchedChannel<NodeChannel> channel_;
  UniqueFd child_end_;  // until the process runs
  cluster::Worker* worker_ = nullptr;
};

}  // namespace clab::node
