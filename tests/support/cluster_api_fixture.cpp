// A program for the Primary/WorkerRuntime API test: the primary sends each worker a
// message when it listens; workers echo it back; after both echoes the primary kills one
// worker (SIGKILL through Worker::kill) and disconnects the other, then stops once both
// have exited. Every event is printed as a JSON line for the test to read.
// With --hang-on-disconnect the workers ignore the disconnect (and SIGINT/SIGTERM), so
// only the kill timer can end the disconnected one.
#include <fmt/format.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>

#include "cluster/environment.hpp"
#include "cluster/primary.hpp"
#include "cluster/worker_runtime.hpp"

namespace cluster = clab::cluster;

namespace {

void print(const nlohmann::json& line) {
  fmt::print("{}\n", line.dump());
  std::fflush(stdout);
}

bool has_flag(int argc, char** argv, std::string_view flag) {
  return std::find(argv + 1, argv + argc, flag) != argv + argc;
}

int run_worker(bool hang_on_disconnect) {
  auto runtime = cluster::WorkerRuntime::attach();
  if (!runtime) return 1;
  auto& worker = *runtime.value();
  worker.ignore_stop_signals(hang_on_disconnect);
  worker.run([](clab::UniqueFd) {},
             [&worker](const nlohmann::json& m) {
               (void)worker.send({{"echo", m}, {"from", worker.id()}});
             });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool hang = has_flag(argc, argv, "--hang-on-disconnect");
  if (cluster::is_worker()) return run_worker(hang);

  cluster::ClusterSettings settings{.workers = 2, .kill_timeout = std::chrono::milliseconds(500)};
  settings.argv.assign(argv, argv + argc);
  int echoes = 0;
  cluster::Primary* primary_ptr = nullptr;
  cluster::ClusterEvents events;
  events.online = [](cluster::Worker& w) { print({{"event", "online"}, {"id", w.id()}}); };
  events.listening = [](cluster::Worker& w) {
    print({{"event", "listening"}, {"id", w.id()}});
    (void)w.send({{"hello", w.id()}});
  };
  events.message = [&](cluster::Worker& w, const nlohmann::json& m) {
    print({{"event", "message"}, {"id", w.id()}, {"body", m}});
    if (++echoes < 2) return;
    auto workers = primary_ptr->workers();
    workers.at(0)->kill(SIGKILL);
    workers.at(1)->disconnect();
  };
  events.disconnect = [](cluster::Worker& w) { print({{"event", "disconnect"}, {"id", w.id()}}); };
  events.exit = [&](cluster::Worker& w, const cluster::ExitStatus& s,
                    const cluster::RespawnDecision& d) {
    print({{"event", "exit"},
           {"id", w.id()},
           {"code", s.code},
           {"signal", s.signal},
           {"respawned", d.action == cluster::RespawnDecision::Action::Restart},
           {"killed_by_primary", w.killed_by_primary()}});
    if (primary_ptr->workers().empty()) primary_ptr->stop();
  };
  cluster::Primary primary(settings, events);
  primary_ptr = &primary;
  if (!primary.start()) return 1;
  print({{"event", "primary"}, {"port", primary.port()}});
  return primary.run();
}
