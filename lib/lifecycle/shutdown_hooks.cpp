#include "lifecycle/shutdown_hooks.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace clab::lifecycle {
namespace {

// What a hook's thread reports back; shared, so an abandoned thread never writes to freed
// memory.
struct Outcome {
  std::mutex mutex;
  std::condition_variable done_changed;
  bool done = false;
  std::string error;
};

}  // namespace

void ShutdownHooks::add(std::string name, std::chrono::milliseconds budget,
                        std::function<void()> hook) {
  hooks_.push_back({std::move(name), budget, std::move(hook)});
}

std::vector<HookResult> ShutdownHooks::run_all() {
  std::vector<HookResult> results;
  for (auto it = hooks_.rbegin(); it != hooks_.rend(); ++it) {
    auto outcome = std::make_shared<Outcome>();
    const auto start = std::chrono::steady_clock::now();
    std::thread worker([outcome, run = it->run] {
      std::string error;
      try {
        run();
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown exception";
      }
      std::lock_guard lock(outcome->mutex);
      outcome->error = std::move(error);
      outcome->done = true;
      outcome->done_changed.notify_all();
    });
    HookResult result{.name = it->name};
    {
      std::unique_lock lock(outcome->mutex);
      const bool finished =
          outcome->done_changed.wait_for(lock, it->budget, [&] { return outcome->done; });
      result.took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      if (!finished) {
        result.error = fmt::format("still running after its budget of {} ms", it->budget.count());
      } else if (!outcome->error.empty()) {
        result.error = "threw: " + outcome->error;
      } else {
        result.completed = true;
      }
    }
    if (result.completed || !result.error.starts_with("still")) {
      worker.join();
    } else {
      worker.detach();
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace clab::lifecycle
