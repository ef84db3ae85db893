#include "proc/signal_set.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

namespace clab::proc {

Result<SignalSet> SignalSet::block(std::initializer_list<int> signals) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : signals)
    sigaddset(&mask, s);
  if (::pthread_sigmask(SIG_BLOCK, &mask, nullptr) != 0) return errno_error("sigprocmask");
  UniqueFd fd(::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd) return errno_error("signalfd");
  return SignalSet(std::move(fd));
}

std::optional<int> SignalSet::read_one() {
  signalfd_siginfo info;
  const ssize_t n = ::read(fd_.get(), &info, sizeof info);
  if (n != static_cast<ssize_t>(sizeof info)) return std::nullopt;
  return static_cast<int>(info.ssi_signo);
}

void unblock_all_signals() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace clab::proc
