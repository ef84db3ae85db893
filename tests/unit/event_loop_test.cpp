#include "cluster/event_loop.hpp"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <vector>

namespace clab::cluster {
namespace {

using namespace std::chrono_literals;

TEST(EventLoop, FiresTimersInDeadlineOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.after(30ms, [&] {
    order.push_back(3);
    loop.stop();
  });
  loop.after(10ms, [&] { order.push_back(1); });
  loop.after(20ms, [&] { order.push_back(2); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoop, CancelledTimerDoesNotFire) {
  EventLoop loop;
  bool fired = false;
  const auto id = loop.after(5ms, [&] { fired = true; });
  loop.cancel(id);
  loop.after(20ms, [&] { loop.stop(); });
  loop.run();
  EXPECT_FALSE(fired);
}

// A worker's loop runs again after it stopped: the event-loop server drains on it.
TEST(EventLoop, RunsAgainAfterItStopped) {
  EventLoop loop;
  loop.stop();
  loop.run();  // stopped before it ran: returns at once
  int rounds = 0;
  loop.after(1ms, [&] {
    ++rounds;
    loop.stop();
  });
  loop.run();
  loop.after(1ms, [&] {
    ++rounds;
    loop.stop();
  });
  loop.run();
  EXPECT_EQ(rounds, 2);
}

// Timers at the same deadline fire in the order they were set: a timer that stops the loop
// set after work due at the same instant runs after it.
TEST(EventLoop, TimersDueTogetherFireInTheOrderTheyWereSet) {
  EventLoop loop;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i)
    loop.after(0ms, [&, i] { order.push_back(i); });
  loop.after(0ms, [&] { loop.stop(); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(EventLoop, DispatchesReadableDescriptors) {
  EventLoop loop;
  UniqueFd fd(::eventfd(0, EFD_NONBLOCK));
  int calls = 0;
  ASSERT_TRUE(loop.add(fd.get(), EPOLLIN,
                       [&](std::uint32_t events) {
                         EXPECT_TRUE(events & EPOLLIN);
                         std::uint64_t value;
                         ASSERT_EQ(::read(fd.get(), &value, sizeof value), 8);
                         ++calls;
                         loop.stop();
                       })
                  .ok());
  const std::uint64_t one = 1;
  ASSERT_EQ(::write(fd.get(), &one, sizeof one), 8);
  loop.run();
  EXPECT_EQ(calls, 1);
}

TEST(EventLoop, ADescriptorRemovedDuringARoundGetsNoStaleEvent) {
  EventLoop loop;
  UniqueFd a(::eventfd(1, EFD_NONBLOCK)), b(::eventfd(1, EFD_NONBLOCK));
  int calls = 0;
  // Whichever fires first removes the other; the other must not be called in that round.
  ASSERT_TRUE(loop.add(a.get(), EPOLLIN,
                       [&](std::uint32_t) {
                         ++calls;
                         loop.remove(b.get());
                       })
                  .ok());
  ASSERT_TRUE(loop.add(b.get(), EPOLLIN,
                       [&](std::uint32_t) {
                         ++calls;
                         loop.remove(a.get());
                       })
                  .ok());
  loop.after(20ms, [&] { loop.stop(); });
  loop.run();
  EXPECT_GE(calls, 1);
  // The survivor stays readable (level-triggered), so it keeps firing; the removed one never.
  EXPECT_FALSE(loop.modify(a.get(), EPOLLIN).ok() && loop.modify(b.get(), EPOLLIN).ok());
}

TEST(EventLoop, ModifyOfAnUnknownDescriptorIsAnError) {
  EventLoop loop;
  auto s = loop.modify(12345, EPOLLIN);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("not registered"), std::string::npos);
}

}  // namespace
}  // namespace clab::cluster
