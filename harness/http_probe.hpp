// HTTP clients for the checks: single requests on fresh connections, and a light
// keep-alive load whose failures are attributed to the worker each connection was on.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.hpp"

namespace clab::harness {

struct Reply {
  int status = 0;  // 0: no response (error says why)
  pid_t pid = 0;   // X-Worker-Pid
  int worker = 0;  // X-Worker-Id
  std::string body;
  std::string error;
};

// GET path on a new connection to 127.0.0.1:port, closed afterwards.
Reply fetch(std::uint16_t port, const std::string& path);

// A worker hung on purpose (/hang, served with --fault-routes): the connection the request
// went out on, kept open (its response never comes), and the pid of the worker, learnt from
// a GET / answered on the same connection first. pid 0 when that failed (error says why).
struct HungWorker {
  UniqueFd connection;
  pid_t pid = 0;
  std::string error;
};
HungWorker hang_a_worker(std::uint16_t port);

// LightLoad: `connections` threads, each with one keep-alive connection, sending GET path
// at `rate` requests per second per connection until stop(). A failed request is counted
// against the worker that last answered on its connection (the connection it was sent on),
// or as unattributed when the connection was new.
class LightLoad {
 public:
  struct Tally {
    std::uint64_t ok = 0;
    std::map<pid_t, std::uint64_t> ok_by_pid;
    std::map<pid_t, std::uint64_t> failed_by_pid;
    std::uint64_t failed_unattributed = 0;
    std::vector<std::string> errors;  // the first few, for the report
  };

  LightLoad(std::uint16_t port, std::string path, int connections, int rate);
  ~LightLoad();
  LightLoad(const LightLoad&) = delete;
  LightLoad& operator=(const LightLoad&) = delete;

  // Waits until at least n requests have succeeded in total; false at the deadline.
  bool wait_for_ok(std::uint64_t n, std::chrono::milliseconds timeout);
  void stop();
  Tally tally() const;

 private:
  void run_connection(int index);

  std::uint16_t port_;
  std::string path_;
  std::chrono::microseconds interval_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::condition_variable progressed_;
  Tally tally_;
  std::vector<std::thread> threads_;
};

}  // namespace clab::harness
