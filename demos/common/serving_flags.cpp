#include "serving_flags.hpp"

namespace clab::demos {

void add_serving_flags(CLI::App& app, ServingFlags& f) {
  app.add_option("--model", f.model,
                 "how a worker serves its connections: event (one thread, an epoll loop, "
                 "Node's model; the default) or threads (a thread per connection)")
      ->check(CLI::IsMember({"event", "threads"}));
  app.add_option("--threads", f.threads,
                 "the most request threads per worker; implies --model threads")
      ->check(CLI::Range(1, 100000));
  app.final_callback([&f] {
    if (f.model == "event" && f.threads > 0)
      throw CLI::ValidationError("--threads", "applies to --model threads, not --model event");
  });
}

void apply_serving_flags(const ServingFlags& f, http::WorkerOptions& options) {
  const bool threads = f.model == "threads" || (f.model.empty() && f.threads > 0);
  options.model = threads ? http::ServingModel::ThreadPool : http::ServingModel::EventLoop;
  if (f.threads > 0) options.connections.max_threads = f.threads;
}

}  // namespace clab::demos
