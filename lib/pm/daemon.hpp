// Daemon: pm's God process. It keeps every app running after the CLI has exited, answers
// the CLI over the control socket (control_socket.hpp, docs/pm-protocol.md) and applies the
// resource rules: max_memory_restart (RSS sampled each second), cron_restart, watch.
//
// One thread, one EventLoop: the control socket, every app's WorkerGroup (sockets, IPC
// channels, timers), the apps' stdout/stderr pipes, inotify, and a signalfd for SIGCHLD
// (each reaped child goes to the app that owns it), SIGTERM/SIGINT (stop every app, then
// exit: `pm kill`'s path too) and SIGHUP (ignored: the daemon outlives the terminal).
// Apps never outlive it: each child has PR_SET_PDEATHSIG and its IPC channel closes.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/event_loop.hpp"
#include "monitor/monitor_server.hpp"
#include "pm/control_socket.hpp"
#include "pm/file_watch.hpp"
#include "pm/managed_app.hpp"
#include "pm/pm_home.hpp"
#include "pm/request_fields.hpp"
#include "proc/signal_set.hpp"

namespace clab::pm {

// The pipe a starting daemon writes one byte to once its socket listens (set by the CLI).
inline constexpr const char* kEnvReadyFd = "CLUSTERLAB_PM_READY_FD";

struct DaemonOptions {
  PmHome home;
  LogRotation rotation;
  bool resurrect = false;  // start the apps `pm save` wrote, as `pm resurrect` does
  int ready_fd = -1;       // written to (one byte) and closed once the socket listens
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  // Runs until killed (`pm kill`, SIGTERM, SIGINT). Returns the process exit status.
  int run();

 private:
  struct Watched {
    std::unique_ptr<FileWatch> watch;
    std::optional<cluster::EventLoop::TimerId> cron_timer;
  };
  // What a request names: every app, one app, or one instance of one app (by pm_id).
  struct Target {
    ManagedApp* app;
    std::optional<int> instance;
  };

  // A verb of the protocol: its fields (checked before the handler runs) and its handler.
  struct Verb {
    std::string_view name;
    std::vector<RequestField> fields;
    void (Daemon::*handler)(const nlohmann::json& request, Reply reply);
  };
  static const std::vector<Verb>& verbs();

  // A request from the control socket (an object with a string `verb`): looked up in
  // verbs(), its fields checked, then handled.
  void handle(const nlohmann::json& request, Reply reply);
  void ping(const nlohmann::json& request, Reply reply);
  void list(const nlohmann::json& request, Reply reply);
  void figures(const nlohmann::json& request, Reply reply);
  void metrics(const nlohmann::json& request, Reply reply);
  void start(const nlohmann::json& request, Reply reply);
  void save_apps(const nlohmann::json& request, Reply reply);
  void resurrect(const nlohmann::json& request, Reply reply);
  void kill_all(const nlohmann::json& request, Reply reply);
  void scale(const nlohmann::json& request, Reply reply);
  void describe(const nlohmann::json& request, Reply reply);
  void flush(const nlohmann::json& request, Reply reply);
  void reset(const nlohmann::json& request, Reply reply);
  void signal(const nlohmann::json& request, Reply reply);
  void send(const nlohmann::json& request, Reply reply);
  void stop(const nlohmann::json& request, Reply reply);
  void restart(const nlohmann::json& request, Reply reply);
  void reload(const nlohmann::json& request, Reply reply);
  void remove(const nlohmann::json& request, Reply reply);

  Result<std::vector<Target>> resolve(const nlohmann::json& request) const;
  // Acts on each target of the request in turn; the first failure is the answer, else ok.
  void on_each_target(const nlohmann::json& request, Reply reply,
                      const std::function<Status(const Target&)>& act);
  nlohmann::json process_list();
  // The apps of `document` (its root's "apps", each checked by app_from_json): a start
  // request, or dump.json for resurrect.
  void start_apps(const ConfigDocument& document, Reply reply);
  void for_each_target(
      const std::vector<Target>& targets,
      std::function<void(const Target&, std::function<void(std::vector<std::string>)>)> op,
      Reply reply);
  void remove_app(const std::string& name);
  void arm_rules(ManagedApp& app);
  void arm_cron(const std::string& name);
  Status save() const;
  void kill(Reply reply);
  void on_signal();
  void sample();
  // `dashboard`: serves MonitorServer (the page and /metrics) on 127.0.0.1:port, once.
  void serve_dashboard(const nlohmann::json& request, Reply reply);
  void log(const std::string& line) const;

  DaemonOptions options_;
  cluster::EventLoop loop_;
  // Every app's instances, for pm list, monit, /metrics; it outlives the apps, whose
  // events it records.
  monitor::Monitor monitor_;
  std::optional<proc::SignalSet> signals_;
  std::unique_ptr<ControlServer> server_;
  std::unique_ptr<monitor::MonitorServer> dashboard_;
  std::map<std::string, std::unique_ptr<ManagedApp>> apps_;  // by name
  std::vector<std::string> order_;                           // names, in start order
  std::map<std::string, Watched> rules_;
  int next_pm_id_ = 0;
  bool exiting_ = false;
  std::vector<Reply> kill_replies_;
};

}  // namespace clab::pm
