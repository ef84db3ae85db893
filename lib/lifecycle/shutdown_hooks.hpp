// ShutdownHooks: named clean-up steps run once when a worker stops, last registered first
// (like destructors, and like Nest's onApplicationShutdown order), each with a time budget.
// A hook that throws is reported and the next one runs; a hook over its budget is reported
// and abandoned (its thread is detached: the process is about to exit) so that one stuck
// hook cannot keep the others from running. Not thread-safe: add() before run_all().
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace clab::lifecycle {

struct HookResult {
  std::string name;
  bool completed = false;  // ran to its end within its budget, without throwing
  std::chrono::milliseconds took{0};
  std::string error;  // why not completed
};

class ShutdownHooks {
 public:
  void add(std::string name, std::chrono::milliseconds budget, std::function<void()> hook);
  std::vector<HookResult> run_all();
  std::size_t size() const { return hooks_.size(); }

 private:
  struct Hook {
    std::string name;
    std::chrono::milliseconds budget;
    std::function<void()> run;
  };
  std::vector<Hook> hooks_;
};

}  // namespace clab::lifecycle
