#include "http/worker_main.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "cluster/worker_runtime.hpp"
#include "http/worker_app.hpp"

namespace clab::http {

int run_worker(ConnectionSettings settings) {
  auto runtime = cluster::WorkerRuntime::attach();
  if (!runtime) {
    fmt::print(stderr, "{}\n", runtime.error().message);
    return 1;
  }
  auto& worker = *runtime.value();
  WorkerApp app({worker.id(), worker.instance(), ::getpid()}, settings);
  const auto stopped =
      worker.run([&app](UniqueFd connection) { app.server().serve(std::move(connection)); });
  app.server().close_all();
  if (stopped.reason == cluster::WorkerRuntime::StopReason::Failed) {
    fmt::print(stderr, "worker {} (pid {}): {}\n", worker.id(), ::getpid(), stopped.detail);
    return 1;
  }
  return 0;
}

}  // namespace clab::http
