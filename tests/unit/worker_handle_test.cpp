#include "cluster/worker_handle.hpp"

#include "cluster/clusterlab_link.hpp"
#include "cluster/worker_group.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

namespace clab::cluster {
namespace {

// Records what the workers asked of their supervisor.
class RecordingSupervisor final : public WorkerSupervisor {
 public:
  void request_stop(Worker& worker, StopMethod method) override {
    requests.push_back({worker.id(), method});
  }
  struct Request {
    int worker;
    StopMethod method;
  };
  std::vector<Request> requests;
};

// Hears nothing: these tests never run the loop.
struct IgnoredEvents final : LinkEvents {
  void said(Worker&, WorkerEvent) override {}
  void heartbeat(Worker&, const nlohmann::json&) override {}
  void message(Worker&, const nlohmann::json&) override {}
  void channel_closed(Worker&) override {}
  void drained(Worker&) override {}
  void problem(Worker&, const Error&) override {}
};

// A worker with ClusterLab's link, and the worker process's end of its channel.
struct WorkerWithPeer {
  explicit WorkerWithPeer(RecordingSupervisor& supervisor) {
    auto link = ClusterLabLink::create({.loop = loop,
                                        .events = events,
                                        .settings = settings,
                                        .port = 0,
                                        .listener = -1,
                                        .handoff = nullptr,
                                        .may_take = [](const Worker&) { return true; }});
    EXPECT_TRUE(link.ok());
    ClusterLabLink& started = *link.value();
    peer = IpcChannel(UniqueFd(::dup(started.plan(7, 1).inherit_fd)));
    worker.emplace(7, 1, ::getpid(), std::move(link.value()), supervisor);
    started.started(*worker);  // as the group does once the process runs
  }
  EventLoop loop;
  IgnoredEvents events;
  ClusterSettings settings;
  IpcChannel peer;
  std::optional<Worker> worker;
};

TEST(Worker, StartsNewWithNothingRequested) {
  RecordingSupervisor supervisor;
  WorkerWithPeer w(supervisor);
  EXPECT_EQ(w.worker->id(), 7);
  EXPECT_EQ(w.worker->instance(), 1);
  EXPECT_EQ(w.worker->state(), WorkerState::New);
  EXPECT_FALSE(w.worker->stop_requested());
  EXPECT_FALSE(w.worker->killed_by_primary());
  EXPECT_EQ(w.worker->stop_duration().count(), 0);
  EXPECT_FALSE(w.worker->exit_kind().has_value());
}

TEST(Worker, SendDeliversAMessageAndItsDescriptorsToTheWorkersEnd) {
  RecordingSupervisor supervisor;
  WorkerWithPeer w(supervisor);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  ASSERT_TRUE(w.worker->send({{"hello", 1}}, std::span<const int>(&pipe_fds[1], 1)).ok());
  auto received = w.peer.receive(5000);
  ASSERT_TRUE(received.ok() && received.value().has_value());
  EXPECT_EQ(received.value()->body["hello"], 1);
  ASSERT_EQ(received.value()->fds.size(), 1u);
  EXPECT_TRUE(received.value()->fds[0]) << "a descriptor of its own, the sender keeps its copy";
}

TEST(Worker, DisconnectAndKillAreStopRequestsToItsSupervisor) {
  RecordingSupervisor supervisor;
  WorkerWithPeer w(supervisor);
  w.worker->disconnect();
  w.worker->kill(SIGUSR1);
  ASSERT_EQ(supervisor.requests.size(), 2u);
  EXPECT_EQ(supervisor.requests[0].worker, 7);
  EXPECT_EQ(supervisor.requests[0].method.kind, StopMethod::Kind::Disconnect);
  EXPECT_EQ(supervisor.requests[1].method.kind, StopMethod::Kind::Signal);
  EXPECT_EQ(supervisor.requests[1].method.signal, SIGUSR1);
}

}  // namespace
}  // namespace clab::cluster
