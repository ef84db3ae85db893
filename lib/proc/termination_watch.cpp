#include "proc/termination_watch.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

namespace clab::proc {

Result<std::unique_ptr<TerminationWatch>> TerminationWatch::start(
    std::function<void(int)> on_signal) {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  auto signals = SignalSet::block({SIGINT, SIGTERM, SIGHUP});
  if (!signals) return signals.error();
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  UniqueFd stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake || !stop) return errno_error("eventfd");
  return std::unique_ptr<TerminationWatch>(new TerminationWatch(
      std::move(signals.value()), std::move(wake), std::move(stop), std::move(on_signal)));
}

TerminationWatch::TerminationWatch(SignalSet signals, UniqueFd wake, UniqueFd stop,
                                   std::function<void(int)> on_signal)
    : signals_(std::move(signals)),
      wake_(std::move(wake)),
      stop_(std::move(stop)),
      on_signal_(std::move(on_signal)) {
  thread_ = std::thread([this] { watch(); });
}

TerminationWatch::~TerminationWatch() {
  const std::uint64_t one = 1;
  (void)!::write(stop_.get(), &one, sizeof one);
  thread_.join();
}

void TerminationWatch::watch() {
  for (;;) {
    pollfd fds[2] = {{signals_.fd(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;  // EINTR
    if (fds[1].revents != 0) return;
    const auto signal = signals_.read_one();
    if (!signal) continue;
    int none = 0;
    if (!received_.compare_exchange_strong(none, *signal)) continue;  // the first one counts
    const std::uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
    if (on_signal_) on_signal_(*signal);
  }
}

}  // namespace clab::proc
