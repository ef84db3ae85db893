// EventLog: prints a primary's cluster events, one line each, flushed at once so a program
// reading the output through a pipe sees each event when it happens.
//
// Human lines follow the Node lesson ("Primary 41 is running", "Worker 42 started",
// "Worker 42 died (signal 9 (SIGKILL))"); with Format::Json every line is a JSON object
// with an "event" field, for the harness and the tests.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster/primary.hpp"

namespace clab::cluster {

class EventLog {
 public:
  enum class Format { Human, Json };

  explicit EventLog(Format format, std::FILE* out = stdout) : format_(format), out_(out) {}

  // Events callbacks that print through this log (they keep a pointer to it).
  ClusterEvents events();

  void primary_running(const Primary& primary);
  void primary_stopped(int exit_status);
  // A page the primary serves besides the cluster's port: "Metrics on URL" for "metrics".
  void serving(const std::string& what, const std::string& url, std::uint16_t port);
  void error(const Error& error);

 private:
  void emit(const std::string& human, nlohmann::json fields);

  Format format_;
  std::FILE* out_;
};

}  // namespace clab::cluster
