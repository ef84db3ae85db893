// The flags that choose a worker's serving model, shared by every program that runs
// workers: --model event|threads and --threads N (which implies --model threads).
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

#include "http/worker_main.hpp"

namespace clab::demos {

struct ServingFlags {
  std::string model;        // "event" or "threads"; empty: event unless --threads was given
  std::size_t threads = 0;  // the thread-pool model's most threads; 0: its default
};

// Adds both flags; --model event with --threads is a usage error (exit 2).
void add_serving_flags(CLI::App& app, ServingFlags& flags);
// Sets options.model and options.connections.max_threads from the flags.
void apply_serving_flags(const ServingFlags& flags, http::WorkerOptions& options);

}  // namespace clab::demos
