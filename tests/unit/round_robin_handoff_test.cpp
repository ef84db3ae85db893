// RoundRobinHandoff on a real listening socket on loopback, with fake workers: the order
// connections go out in, the limit of unanswered ones, a refusal, a worker that leaves.
#include "cluster/round_robin_handoff.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <map>
#include <vector>

#include "net/tcp_listener.hpp"

namespace clab::cluster {
namespace {

using namespace std::chrono_literals;

// A worker that records what it was handed and stops the loop when the test has seen enough.
struct FakeWorker final : RoundRobinHandoff::Taker {
  bool up = true;
  bool channel_open = true;
  std::vector<std::uint64_t> handed;
  std::function<void()> on_hand;
  bool can_take_connection() const override { return up; }
  bool hand_connection(int, std::uint64_t seq) override {
    if (!channel_open) return false;
    handed.push_back(seq);
    if (on_hand) on_hand();
    return true;
  }
};

class RoundRobinHandoffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto listener = net::bind_tcp("127.0.0.1", 0, {});
    ASSERT_TRUE(listener.ok()) << listener.error().message;
    listener_ = std::move(listener.value());
    port_ = net::bound_port(listener_.get()).value();
  }
  void connect_clients(int n) {
    for (int i = 0; i < n; ++i) {
      UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(port_);
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
      clients_.push_back(std::move(client));
    }
  }
  // Runs the loop until `done` holds after a hand-off (or 5 s pass: then the test fails).
  void run_until(std::vector<FakeWorker*> workers, const std::function<bool()>& done) {
    for (auto* w : workers)
      w->on_hand = [&] {
        if (done()) loop_.stop();
      };
    const auto deadline = loop_.after(5s, [&] { loop_.stop(); });
    if (!done()) loop_.run();
    loop_.cancel(deadline);
    for (auto* w : workers)
      w->on_hand = nullptr;
    EXPECT_TRUE(done()) << "the hand-offs did not happen within 5 s";
  }

  EventLoop loop_;
  UniqueFd listener_;
  std::uint16_t port_ = 0;
  std::vector<UniqueFd> clients_;
  std::vector<Error> errors_;
};

TEST_F(RoundRobinHandoffTest, TakesTurnsInIdOrderAndHoldsEachConnectionUntilAnswered) {
  RoundRobinHandoff handoff(loop_, listener_.get(), {.budget = 64, .max_unanswered = 8},
                            [&](const Error& e) { errors_.push_back(e); });
  FakeWorker one, two, three;
  handoff.join(1, one);
  handoff.join(2, two);
  handoff.join(3, three);
  handoff.dispatch();
  connect_clients(6);
  auto total = [&] { return one.handed.size() + two.handed.size() + three.handed.size(); };
  run_until({&one, &two, &three}, [&] { return total() == 6; });
  EXPECT_EQ(one.handed.size(), 2u);
  EXPECT_EQ(two.handed.size(), 2u);
  EXPECT_EQ(three.handed.size(), 2u);
  EXPECT_EQ(handoff.unanswered(1), 2u);
  handoff.answered(1, one.handed[0], true);
  EXPECT_EQ(handoff.unanswered(1), 1u);
  EXPECT_TRUE(errors_.empty());
}

TEST_F(RoundRobinHandoffTest, AWorkerHoldsAtMostItsLimitAndARefusalGoesToTheNext) {
  RoundRobinHandoff handoff(loop_, listener_.get(), {.budget = 64, .max_unanswered = 1},
                            [&](const Error& e) { errors_.push_back(e); });
  FakeWorker one, two;
  handoff.join(1, one);
  handoff.join(2, two);
  handoff.dispatch();
  connect_clients(3);
  run_until({&one, &two}, [&] { return one.handed.size() + two.handed.size() == 2; });
  ASSERT_EQ(one.handed.size(), 1u);
  ASSERT_EQ(two.handed.size(), 1u);
  // The third waits in the kernel's backlog or the queue: both hold one unanswered.
  handoff.answered(1, one.handed[0], false);  // refused (Node: accepted: false)
  EXPECT_EQ(two.handed.size(), 1u) << "two still holds its first";
  ASSERT_EQ(one.handed.size(), 2u) << "the refused one is handed out again at once";
  handoff.answered(1, one.handed[1], true);
  run_until({&one, &two}, [&] { return one.handed.size() == 3; });
}

TEST_F(RoundRobinHandoffTest, ALeavingWorkersUnansweredConnectionsGoToTheOthers) {
  RoundRobinHandoff handoff(loop_, listener_.get(), {.budget = 64, .max_unanswered = 4},
                            [&](const Error& e) { errors_.push_back(e); });
  FakeWorker one, two;
  two.up = false;
  handoff.join(1, one);
  handoff.join(2, two);
  handoff.dispatch();
  connect_clients(3);
  run_until({&one}, [&] { return one.handed.size() == 3; });
  two.up = true;
  handoff.leave(1);
  EXPECT_EQ(two.handed.size(), 3u);
  EXPECT_EQ(handoff.unanswered(2), 3u);
  EXPECT_EQ(handoff.unanswered(1), 0u);
}

TEST_F(RoundRobinHandoffTest, AWorkerWhoseChannelIsGoneLosesItsPlaceNotTheConnection) {
  RoundRobinHandoff handoff(loop_, listener_.get(), {.budget = 64, .max_unanswered = 4},
                            [&](const Error& e) { errors_.push_back(e); });
  FakeWorker one, two;
  one.channel_open = false;
  handoff.join(1, one);
  handoff.join(2, two);
  handoff.dispatch();
  connect_clients(2);
  run_until({&two}, [&] { return two.handed.size() == 2; });
  EXPECT_TRUE(one.handed.empty());
}

TEST_F(RoundRobinHandoffTest, NothingIsAcceptedBeyondTheBudgetOrWhileNoWorkerCanTake) {
  RoundRobinHandoff handoff(loop_, listener_.get(), {.budget = 2, .max_unanswered = 8},
                            [&](const Error& e) { errors_.push_back(e); });
  FakeWorker one;
  handoff.join(1, one);
  handoff.dispatch();
  connect_clients(4);
  run_until({&one}, [&] { return one.handed.size() == 2; });
  EXPECT_EQ(handoff.queued(), 0u) << "the other two wait in the kernel, not in the primary";
  handoff.answered(1, one.handed[0], true);
  run_until({&one}, [&] { return one.handed.size() == 3; });
  one.up = false;
  handoff.answered(1, one.handed[1], true);
  handoff.answered(1, one.handed[2], true);
  EXPECT_EQ(handoff.queued(), 0u);
  EXPECT_EQ(one.handed.size(), 3u);
}

}  // namespace
}  // namespace clab::cluster
