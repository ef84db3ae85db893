// SignalLink: a worker without a channel. It runs a program that speaks no protocol of ours:
// fork mode, or systemd's socket activation (the shared listening socket as descriptor 3,
// LISTEN_FDS=1). It is up once it runs, ready once it says READY=1 on NOTIFY_SOCKET (the
// group's NotifySocket hears it), and asked to stop with a signal.
#pragma once

#include <string>

#include "cluster/worker_link.hpp"

namespace clab::cluster {

struct ClusterSettings;

class SignalLink final : public WorkerLink {
 public:
  // `activation_fd`: the listening socket for socket activation, -1 in fork mode.
  SignalLink(LinkEvents& events, std::string notify_address, int activation_fd)
      : events_(events),
        notify_address_(std::move(notify_address)),
        activation_fd_(activation_fd) {}

  SpawnPlan plan(int id, int instance) override;
  void started(Worker& worker) override;
  Status send(const nlohmann::json& message, std::span<const int> fds) override;
  void send_listen(Worker&) override {}
  void ask_to_stop(Worker& worker, const StopMethod& method) override;
  bool channel_open() const override { return false; }
  void close() override {}

 private:
  LinkEvents& events_;
  std::string notify_address_;
  int activation_fd_;
};

}  // namespace clab::cluster
