// graceful-shutdown: the lesson's third program, as a function its main (and an exercise that
// brings its own stop code) calls. A cluster (or one process, --workers 1)
// whose workers, on SIGINT or SIGTERM, stop accepting, let requests in flight finish, then
// run their shutdown hooks; one hook writes the access log to a file, so a lost hook shows
// as lost lines. --naive exits at once instead, to show what that loses. The other flags
// inject the faults the harness checks need: a worker slow to become ready, one that never
// does, one that ignores stop signals, one that dies at start.
//
// Signals: as native-cluster. Exit status: 0 stopped cleanly, 1 a worker had to be killed,
// a shutdown hook failed or the start failed, 2 bad flags (an --access-log that cannot be
// opened for appending among them).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "lifecycle/graceful_stop.hpp"
#include "lifecycle/shutdown_hooks.hpp"

namespace clab::demos {

// The access log: lines kept in memory while the worker serves, appended to its file by a
// shutdown hook. It is open from open() to close(); each flush() opens the file by name
// (so a rotated file is followed), appends and closes it.
class AccessLog {
 public:
  void open(const std::string& path);
  void add(std::string line);
  // Appends the lines kept so far; throws, naming the file and why, when it cannot (the log
  // closed already, the file not writable).
  void flush();
  void close();

 private:
  std::mutex mutex_;
  std::string path_;
  bool open_ = false;
  std::vector<std::string> lines_;
};

// The built-in access-log hooks: flush the lines, then close the file.
void add_access_log_hooks(lifecycle::ShutdownHooks& hooks, AccessLog& log);

// Code a program brings in place of graceful-shutdown's own (each empty one: the built-in).
struct GracefulProgramCode {
  std::function<void(lifecycle::ShutdownHooks&, AccessLog&)> add_access_log_hooks;
  std::function<int(lifecycle::Drainable&, lifecycle::ShutdownHooks&,
                    const lifecycle::GracefulStop&)>
      stop_sequence;
};

// graceful-shutdown's whole program: flags, primary and workers. Returns the exit status.
int run_graceful_shutdown(int argc, char** argv, const GracefulProgramCode& code = {});

}  // namespace clab::demos
