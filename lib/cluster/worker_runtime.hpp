// WorkerRuntime: a worker's end of the cluster (Node's cluster.worker, seen from inside).
//
// attach() reads the environment the primary set, checks the primary is still there and
// blocks SIGINT/SIGTERM into a signalfd (call it in main() before any thread starts).
// A standalone runtime (no primary) serves the listener it was given from the start.
// run() says "online", follows the primary's listen instructions for the policy, says
// "listening", then hands every accepted connection to the handler until the primary sends
// "disconnect", SIGINT/SIGTERM arrives, request_stop() is called or the primary goes away
// (IPC end of file). It never calls shutdown() on a listening socket, so leaving a shared
// socket does not stop it for the other workers. Once listening it sends a heartbeat at the
// interval the primary asked for, from a timer on its loop: a loop that is blocked sends none,
// which is how the primary tells a hung worker from a busy one.
// Thread-safety: send() and request_stop() from any thread; run() on one thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cluster/event_loop.hpp"
#include "cluster/ipc_channel.hpp"
#include "cluster/listen_policy.hpp"
#include "proc/signal_set.hpp"

namespace clab::cluster {

class WorkerRuntime {
 public:
  using ConnectionHandler = std::function<void(UniqueFd connection)>;
  using MessageHandler = std::function<void(const nlohmann::json& message)>;
  // The figures a heartbeat carries besides the loop's lag (a JSON object). Runs on run()'s
  // thread; a call that blocks blocks the heartbeat, as it should.
  using HeartbeatFigures = std::function<nlohmann::json()>;

  enum class StopReason { Disconnect, Signal, Requested, PrimaryGone, Failed };
  struct Stopped {
    StopReason reason;
    int signal = 0;      // for StopReason::Signal
    std::string detail;  // for StopReason::Failed
  };

  // Fails when this process was not started by a cluster primary.
  static Result<std::unique_ptr<WorkerRuntime>> attach();
  // A process on its own (fork mode, or systemd's socket activation): it serves `listener`
  // and stops on SIGINT/SIGTERM; there is no primary, so send() does nothing.
  static Result<std::unique_ptr<WorkerRuntime>> standalone(UniqueFd listener);

  int id() const { return id_; }
  int instance() const { return instance_; }
  // The loop run() dispatches on: an event-loop HTTP server shares it, so one thread carries
  // the worker's connections, its IPC channel and its signals (Node's model). It may be run
  // again after run() returned, to drain.
  EventLoop& loop() { return loop_; }

  // Sends a user message to the primary (its "message" event). Thread-safe.
  Status send(const nlohmann::json& message);
  // Makes run() return with StopReason::Requested. Thread-safe.
  void request_stop();
  // When set, SIGINT, SIGTERM and the primary's disconnect and shutdown messages are
  // reported on stderr and otherwise ignored (a worker that will not stop, to demonstrate
  // kill_timeout). Call before run().
  void ignore_stop_signals(bool ignore) { ignore_signals_ = ignore; }
  // What each heartbeat reports besides the lag. Call before run().
  void set_heartbeat_figures(HeartbeatFigures figures) { heartbeat_figures_ = std::move(figures); }

  // `on_listening` runs once, on this thread, when connections start to arrive.
  Stopped run(ConnectionHandler on_connection, MessageHandler on_message = {},
              std::function<void()> on_listening = {});

  ~WorkerRuntime();

 private:
  WorkerRuntime(int id, int instance, IpcChannel channel, proc::SignalSet signals, UniqueFd wake);
  void on_channel_readable();
  void on_listen(IpcMessage& message);
  void accept_connections();
  // Sends one heartbeat and arms the next, `interval` after the time this one was due.
  void beat(std::chrono::milliseconds interval, EventLoop::Clock::time_point due);
  void finish(Stopped stopped);
  Status send_locked(const nlohmann::json& message);

  int id_;
  int instance_;
  std::mutex send_mutex_;
  IpcChannel channel_;
  proc::SignalSet signals_;
  UniqueFd wake_;  // eventfd written by request_stop()
  UniqueFd listener_;
  EventLoop loop_;
  ConnectionHandler on_connection_;
  MessageHandler on_message_;
  std::function<void()> on_listening_;
  HeartbeatFigures heartbeat_figures_;
  bool heartbeating_ = false;
  std::optional<Stopped> stopped_;
  bool ignore_signals_ = false;
};

}  // namespace clab::cluster
