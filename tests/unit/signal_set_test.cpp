#include "proc/signal_set.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <pthread.h>

#include <csignal>

namespace clab::proc {
namespace {

// Restores this thread's signal mask when a test ends, pass or fail.
class SavedSignalMask {
 public:
  SavedSignalMask() { ::pthread_sigmask(SIG_SETMASK, nullptr, &saved_); }
  ~SavedSignalMask() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

 private:
  sigset_t saved_{};
};

bool is_blocked(int signal) {
  sigset_t mask;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, signal) == 1;
}

TEST(SignalSet, ABlockedSignalArrivesThroughTheDescriptorNotAHandler) {
  SavedSignalMask restore;
  auto signals = SignalSet::block({SIGUSR1, SIGUSR2});
  ASSERT_TRUE(signals.ok()) << signals.error().message;
  EXPECT_TRUE(is_blocked(SIGUSR1));
  EXPECT_EQ(signals.value().read_one(), std::nullopt) << "nothing pending yet";

  ASSERT_EQ(::raise(SIGUSR2), 0);  // blocked: would terminate the test if it were delivered
  pollfd p{signals.value().fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1) << "the descriptor becomes readable";
  EXPECT_EQ(signals.value().read_one(), SIGUSR2);
  EXPECT_EQ(signals.value().read_one(), std::nullopt);
}

TEST(SignalSet, UnblockAllSignalsClearsTheMask) {
  SavedSignalMask restore;
  auto signals = SignalSet::block({SIGUSR1});
  ASSERT_TRUE(signals.ok());
  ASSERT_TRUE(is_blocked(SIGUSR1));
  unblock_all_signals();
  EXPECT_FALSE(is_blocked(SIGUSR1));
}

}  // namespace
}  // namespace clab::proc
