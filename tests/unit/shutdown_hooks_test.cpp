#include "lifecycle/shutdown_hooks.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>

namespace clab::lifecycle {
namespace {

using namespace std::chrono_literals;

TEST(ShutdownHooks, RunLastRegisteredFirst) {
  ShutdownHooks hooks;
  std::vector<std::string> order;
  hooks.add("database", 1s, [&] { order.push_back("database"); });
  hooks.add("cache", 1s, [&] { order.push_back("cache"); });
  hooks.add("access-log", 1s, [&] { order.push_back("access-log"); });
  const auto results = hooks.run_all();
  EXPECT_EQ(order, (std::vector<std::string>{"access-log", "cache", "database"}));
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results)
    EXPECT_TRUE(r.completed) << r.name << ": " << r.error;
}

TEST(ShutdownHooks, AThrowingHookIsReportedAndTheNextStillRuns) {
  ShutdownHooks hooks;
  bool ran = false;
  hooks.add("first-registered", 1s, [&] { ran = true; });
  hooks.add("broken", 1s, [] { throw std::runtime_error("disk full"); });
  const auto results = hooks.run_all();
  EXPECT_FALSE(results[0].completed);
  EXPECT_EQ(results[0].error, "threw: disk full");
  EXPECT_TRUE(ran);
  EXPECT_TRUE(results[1].completed);
}

TEST(ShutdownHooks, AHookOverItsBudgetIsAbandonedAndTheNextStillRuns) {
  ShutdownHooks hooks;
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  std::atomic<bool> ran{false};
  hooks.add("quick", 1s, [&] { ran = true; });
  hooks.add("stuck", 50ms, [released] { released.wait(); });
  const auto start = std::chrono::steady_clock::now();
  const auto results = hooks.run_all();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_EQ(results[0].name, "stuck");
  EXPECT_FALSE(results[0].completed);
  EXPECT_EQ(results[0].error, "still running after its budget of 50 ms");
  EXPECT_GE(results[0].took, 50ms);
  EXPECT_TRUE(ran);
  release->set_value();  // let the abandoned thread finish before the test ends
}

}  // namespace
}  // namespace clab::lifecycle
