#include "cluster/primary.hpp"

#include <sys/epoll.h>

#include "proc/reap.hpp"

namespace clab::cluster {
namespace {

ClusterEvents stopping_the_loop(ClusterEvents events, EventLoop& loop) {
  events.stopped = [&loop, then = std::move(events.stopped)] {
    if (then) then();
    loop.stop();
  };
  return events;
}

}  // namespace

Primary::Primary(ClusterSettings settings, ClusterEvents events)
    : report_(events.error),
      group_(loop_, std::move(settings), stopping_the_loop(std::move(events), loop_)) {}

Status Primary::start() {
  if (auto bound = group_.bind(); !bound) return bound;
  auto signals = proc::SignalSet::block({SIGCHLD, SIGINT, SIGTERM});
  if (!signals) return signals.error();
  signals_.emplace(std::move(signals.value()));
  return {};
}

int Primary::run() {
  auto fail = [this](const Error& error) {
    if (report_) report_(error);
    return 1;
  };
  if (auto s = loop_.add(signals_->fd(), EPOLLIN, [this](std::uint32_t) { on_signal(); }); !s)
    return fail(s.error());
  if (auto s = group_.start(); !s) return fail(s.error());
  loop_.run();
  return group_.exit_status();
}

void Primary::on_signal() {
  while (auto signal = signals_->read_one()) {
    if (*signal == SIGCHLD) {
      proc::reap_exited_children([this](pid_t pid, int status) { group_.on_reaped(pid, status); });
    } else if (group_.stopping()) {
      group_.kill_all();  // a second SIGINT/SIGTERM: stop waiting
    } else {
      group_.stop(*signal);
    }
  }
}

}  // namespace clab::cluster
