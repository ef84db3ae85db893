// ClusterLabLink: ClusterLab's own protocol with one worker (wire.hpp): a socketpair
// carrying framed JSON and descriptors (IpcChannel). The worker says online, listening,
// ready, stopping and beats; the primary tells it how to listen (with the shared socket, or
// round-robin connections one by one, as RoundRobinHandoff's Taker) and asks it to stop.
// Invariant: the channel is read on the loop from started() until close().
#pragma once

#include <functional>
#include <memory>

#include "cluster/event_loop.hpp"
#include "cluster/ipc_channel.hpp"
#include "cluster/round_robin_handoff.hpp"
#include "cluster/watched_channel.hpp"
#include "cluster/worker_link.hpp"

namespace clab::cluster {

struct ClusterSettings;

class ClusterLabLink final : public WorkerLink, public RoundRobinHandoff::Taker {
 public:
  // What the group shares with each of its ClusterLab links.
  struct Context {
    EventLoop& loop;
    LinkEvents& events;
    const ClusterSettings& settings;
    std::uint16_t port;
    int listener;                                 // shared: sent with the listen instructions
    RoundRobinHandoff* handoff;                   // round-robin: answered connections go back to it
    std::function<bool(const Worker&)> may_take;  // up and not suspect
  };

  static Result<std::unique_ptr<ClusterLabLink>> create(Context context);
  ~ClusterLabLink() override;

  SpawnPlan plan(int id, int instance) override;
  void started(Worker& worker) override;
  Status send(const nlohmann::json& message, std::span<const int> fds) override;
  void send_listen(Worker& worker) override;
  void ask_to_stop(Worker& worker, const StopMethod& method) override;
  bool channel_open() const override { return channel_->is_open(); }
  RoundRobinHandoff::Taker* connection_taker() override { return this; }
  void close() override;

  bool can_take_connection() const override;
  bool hand_connection(int fd, std::uint64_t seq) override;
  void retry_output() override;

 private:
  ClusterLabLink(Context context, IpcChannel channel, UniqueFd child_end);
  void on_channel_event(std::uint32_t events);
  void on_internal_message(const std::string& command, const nlohmann::json& body);

  Context context_;
  WatchedChannel<IpcChannel> channel_;
  UniqueFd child_end_;  // until the process runs
  Worker* worker_ = nullptr;
};

}  // namespace clab::cluster
