#include "lifecycle/graceful_stop.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace clab::lifecycle {
namespace {

using namespace std::chrono_literals;

// Records the order of what the sequence does to it.
class FakeServer final : public Drainable {
 public:
  explicit FakeServer(std::vector<std::string>& steps, DrainReport report)
      : steps_(steps), report_(std::move(report)) {}
  void begin_drain() override { steps_.push_back("begin drain"); }
  DrainReport wait_drained(std::chrono::milliseconds timeout) override {
    steps_.push_back("wait " + std::to_string(timeout.count()) + " ms");
    return report_;
  }

 private:
  std::vector<std::string>& steps_;
  DrainReport report_;
};

TEST(GracefulStop, AnnouncesDrainsThenRunsTheHooks) {
  std::vector<std::string> steps;
  FakeServer server(steps, {.drained = true});
  ShutdownHooks hooks;
  hooks.add("close store", 1s, [&] { steps.push_back("hook"); });
  const int status = stop_gracefully(
      server, hooks, {.drain_timeout = 700ms, .announce = [&] { steps.push_back("announce"); }});
  EXPECT_EQ(status, 0);
  EXPECT_EQ(steps, (std::vector<std::string>{"announce", "begin drain", "wait 700 ms", "hook"}));
}

TEST(GracefulStop, ADeadlinePassedNamesWhatStillRanAndExitsOne) {
  std::vector<std::string> steps, log;
  FakeServer server(steps,
                    {.drained = false, .still_running = {"GET /sleep?ms=900 (running 1.5 s)"}});
  ShutdownHooks hooks;
  bool hook_ran = false;
  hooks.add("flush", 1s, [&] { hook_ran = true; });
  const int status = stop_gracefully(
      server, hooks,
      {.drain_timeout = 1500ms, .log = [&](const std::string& l) { log.push_back(l); }});
  EXPECT_EQ(status, 1);
  EXPECT_TRUE(hook_ran) << "the hooks run even when the drain ran out of time";
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("GET /sleep?ms=900"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("1500 ms"), std::string::npos) << log[0];
}

// A hook that fails (here: an access log whose directory is gone) must not pass for a clean
// stop: the status is 1 and the log says which hook and why; the hooks after it still run.
TEST(GracefulStop, AFailedHookIsNamedAndExitsOne) {
  std::vector<std::string> steps, log;
  FakeServer server(steps, {.drained = true});
  ShutdownHooks hooks;
  bool later_hook_ran = false;
  hooks.add("announce", 1s, [&] { later_hook_ran = true; });
  hooks.add("flush-access-log", 1s, [] { throw std::runtime_error("cannot append to 'x'"); });
  const int status =
      stop_gracefully(server, hooks, {.log = [&](const std::string& l) { log.push_back(l); }});
  EXPECT_EQ(status, 1);
  EXPECT_TRUE(later_hook_ran);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], "shutdown hook 'flush-access-log' threw: cannot append to 'x'");
}

}  // namespace
}  // namespace clab::lifecycle
