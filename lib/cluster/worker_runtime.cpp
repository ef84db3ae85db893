#include "cluster/worker_runtime.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "cluster/environment.hpp"
#include "cluster/wire.hpp"
#include "net/tcp_listener.hpp"
#include "proc/descriptor_limit.hpp"
#include "proc/exit_status.hpp"

namespace clab::cluster {

Result<std::unique_ptr<WorkerRuntime>> WorkerRuntime::attach() {
  const auto id = env_integer(kEnvWorkerId);
  const auto instance = env_integer(kEnvInstance);
  const auto ipc_fd = env_integer(kEnvIpcFd);
  const auto primary = env_integer(kEnvPrimaryPid);
  if (!id || !instance || !ipc_fd || !primary) {
    return Error{fmt::format("worker: {}, {}, {} and {} must all be set by the primary",
                             kEnvWorkerId, kEnvInstance, kEnvIpcFd, kEnvPrimaryPid)};
  }
  // The primary set PR_SET_PDEATHSIG before exec; it may have died since.
  if (::getppid() != static_cast<pid_t>(*primary)) {
    return Error{fmt::format("worker: the primary {} is gone", *primary)};
  }
  set_cloexec(static_cast<int>(*ipc_fd));
  (void)proc::raise_descriptor_limit();
  auto signals = proc::SignalSet::block({SIGINT, SIGTERM});
  if (!signals) return signals.error();
  UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake) return errno_error("eventfd");
  return std::unique_ptr<WorkerRuntime>(
      new WorkerRuntime(static_cast<int>(*id), static_cast<int>(*instance),
                        IpcChannel(UniqueFd(static_cast<int>(*ipc_fd))), std::move(signals.value()),
                        std::move(wake)));
}

Result<std::unique_ptr<WorkerRuntime>> WorkerRuntime::standalone(UniqueFd listener) {
  (void)proc::raise_descriptor_limit();
  auto signals = proc::SignalSet::block({SIGINT, SIGTERM});
  if (!signals) return signals.error();
  UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake) return errno_error("eventfd");
  const int instance = static_cast<int>(env_integer("NODE_APP_INSTANCE").value_or(0));
  std::unique_ptr<WorkerRuntime> runtime(
      new WorkerRuntime(0, instance, IpcChannel(), std::move(signals.value()), std::move(wake)));
  runtime->listener_ = std::move(listener);
  return runtime;
}

WorkerRuntime::WorkerRuntime(int id, int instance, IpcChannel channel, proc::SignalSet signals,
                             UniqueFd wake)
    : id_(id),
      instance_(instance),
      channel_(std::move(channel)),
      signals_(std::move(signals)),
      wake_(std::move(wake)) {}

WorkerRuntime::~WorkerRuntime() = default;

Status WorkerRuntime::send(const nlohmann::json& message) {
  std::lock_guard lock(send_mutex_);
  return send_locked(message);
}

Status WorkerRuntime::send_locked(const nlohmann::json& message) {
  if (!channel_.is_open()) return {};  // standalone: nobody to tell
  if (auto s = channel_.send(message); !s) return s;
  return channel_.flush_blocking(5000);
}

void WorkerRuntime::request_stop() {
  const std::uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

WorkerRuntime::Stopped WorkerRuntime::run(ConnectionHandler on_connection,
                                          MessageHandler on_message,
                                          std::function<void()> on_listening) {
  on_connection_ = std::move(on_connection);
  on_message_ = std::move(on_message);
  on_listening_ = std::move(on_listening);
  stopped_.reset();

  const bool standalone = !channel_.is_open();
  if (!standalone) {
    (void)loop_.add(channel_.fd(), EPOLLIN, [this](std::uint32_t) { on_channel_readable(); });
  }
  (void)loop_.add(signals_.fd(), EPOLLIN, [this](std::uint32_t) {
    auto signal = signals_.read_one();
    if (!signal) return;
    if (ignore_signals_) {
      fmt::print(stderr, "Worker {} ignores {}\n", ::getpid(), proc::signal_name(*signal));
      return;
    }
    finish({StopReason::Signal, *signal, {}});
  });
  (void)loop_.add(wake_.get(), EPOLLIN, [this](std::uint32_t) {
    finish({StopReason::Requested, 0, {}});
  });
  if (standalone) {
    (void)loop_.add(listener_.get(), EPOLLIN, [this](std::uint32_t) { accept_connections(); });
    if (on_listening_) on_listening_();
  } else if (auto s = send(wire::internal(wire::kOnline)); !s) {
    finish({StopReason::PrimaryGone, 0, s.error().message});
  }
  loop_.run();

  if (!standalone) loop_.remove(channel_.fd());
  loop_.remove(signals_.fd());
  loop_.remove(wake_.get());
  if (listener_) {
    loop_.remove(listener_.get());
    listener_.reset();  // close, never shutdown(): siblings may share this socket
  }
  return *stopped_;
}

void WorkerRuntime::finish(Stopped stopped) {
  if (!stopped_) stopped_ = std::move(stopped);
  loop_.stop();
}

void WorkerRuntime::on_channel_readable() {
  std::vector<IpcMessage> messages;
  auto state = channel_.read_available(messages);
  for (auto& message : messages) {
    const std::string command = wire::command_of(message.body);
    if (command == wire::kConnection && message.fds.size() == 1) {
      // Acknowledge before serving: from here on the primary will not hand it elsewhere.
      // A descriptor that could not be received (out of descriptors) costs that connection
      // only: the primary closes its copy.
      nlohmann::json ack = wire::internal(wire::kAccepted);
      ack["seq"] = message.body.value("seq", std::uint64_t{0});
      ack["received"] = !message.fds_lost;
      (void)send(ack);
      if (message.fds.front()) on_connection_(std::move(message.fds.front()));
    } else if (command == wire::kListen) {
      on_listen(message);
    } else if (command == wire::kDisconnect || command == wire::kShutdown) {
      if (ignore_signals_) {
        fmt::print(stderr, "Worker {} ignores the primary's '{}'\n", ::getpid(), command);
      } else {
        finish({StopReason::Disconnect, 0, {}});
      }
    } else if (command.empty() && on_message_) {
      on_message_(message.body);
    }
  }
  if (!state) return finish({StopReason::Failed, 0, state.error().message});
  if (state.value() == IpcChannel::ReadState::Closed) finish({StopReason::PrimaryGone, 0, {}});
}

void WorkerRuntime::on_listen(IpcMessage& message) {
  const auto policy = parse_listen_policy(message.body.value("policy", ""));
  if (!policy) return finish({StopReason::Failed, 0, "listen: unknown policy"});
  if (*policy == ListenPolicy::Shared) {
    if (message.fds.size() != 1) return finish({StopReason::Failed, 0, "listen: no socket"});
    listener_ = std::move(message.fds.front());
  } else if (*policy == ListenPolicy::ReusePort) {
    auto fd = net::bind_tcp(message.body.value("host", "127.0.0.1"),
                            message.body.value("port", std::uint16_t{0}), {.reuse_port = true});
    if (!fd) return finish({StopReason::Failed, 0, fd.error().message});
    listener_ = std::move(fd.value());
  }
  if (listener_) {
    (void)loop_.add(listener_.get(), EPOLLIN, [this](std::uint32_t) { accept_connections(); });
  }
  if (auto s = send(wire::internal(wire::kListening)); !s) {
    finish({StopReason::PrimaryGone, 0, s.error().message});
    return;
  }
  const std::chrono::milliseconds interval(message.body.value("heartbeat_ms", 0));
  if (interval.count() > 0 && !heartbeating_) {
    heartbeating_ = true;
    const auto due = EventLoop::Clock::now() + interval;
    loop_.after(interval, [this, interval, due] { beat(interval, due); });
  }
  if (on_listening_) on_listening_();
}

void WorkerRuntime::beat(std::chrono::milliseconds interval, EventLoop::Clock::time_point due) {
  const auto now = EventLoop::Clock::now();
  nlohmann::json message = heartbeat_figures_ ? heartbeat_figures_() : nlohmann::json::object();
  message[wire::kKey] = wire::kHeartbeat;
  message["lag_ms"] = std::max(0.0, std::chrono::duration<double, std::milli>(now - due).count());
  if (!send(message)) return;  // the primary is gone: the channel's end of file stops us
  // The next one is due an interval after this one was: a late beat is followed by a
  // prompt one, so the rate stays the interval's. Far behind (a long block), start afresh.
  auto next = due + interval;
  if (next <= now) next = now + interval;
  loop_.after(std::chrono::ceil<std::chrono::milliseconds>(next - now),
              [this, interval, next] { beat(interval, next); });
}

void WorkerRuntime::accept_connections() {
  for (;;) {
    UniqueFd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: leave the connection in the backlog and look again later,
        // rather than spinning on a socket that stays readable.
        (void)loop_.modify(listener_.get(), 0);
        loop_.after(std::chrono::milliseconds(100),
                    [this] { (void)loop_.modify(listener_.get(), EPOLLIN); });
      }
      return;  // EAGAIN: another worker won the race, or none is left
    }
    on_connection_(std::move(connection));
  }
}

}  // namespace clab::cluster
