#include "pm/managed_app.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>

#include "proc/program_path.hpp"

namespace clab::pm {
namespace {

using cluster::WorkerState;
using nlohmann::json;

}  // namespace

// A process's stdout or stderr: the loop reads it and writes whole lines to the logs.
struct ManagedApp::Pipe {
  UniqueFd fd;
  int instance = 0;
  bool is_err = false;
  LineSplitter lines;
};

ManagedApp::ManagedApp(cluster::EventLoop& loop, AppConfig config,
                       std::vector<std::string> environment, AppServices services)
    : loop_(loop),
      config_(std::move(config)),
      environment_(std::move(environment)),
      services_(std::move(services)) {
  for (int i = 0; i < config_.instances; ++i)
    pm_id_of(i);
}

ManagedApp::~ManagedApp() {
  if (start_timer_) loop_.cancel(*start_timer_);
  if (stopped_timer_) loop_.cancel(*stopped_timer_);
  group_.reset();  // kills and reaps what still runs
  for (auto& [fd, pipe] : pipes_)
    loop_.remove(fd);
}

int ManagedApp::pm_id_of(int instance) {
  auto it = pm_ids_.find(instance);
  if (it != pm_ids_.end()) return it->second;
  if (instance >= config_.instances) return -1;  // scaled away, still stopping
  return pm_ids_[instance] = services_.next_pm_id();
}

std::vector<int> ManagedApp::pm_ids() const {
  std::vector<int> out;
  for (const auto& [instance, id] : pm_ids_)
    out.push_back(id);
  return out;
}

std::optional<int> ManagedApp::instance_of(int pm_id) const {
  for (const auto& [instance, id] : pm_ids_) {
    if (id == pm_id) return instance;
  }
  return std::nullopt;
}

std::string ManagedApp::log_path(const std::string& configured, const char* kind,
                                 int instance) const {
  // PM2's names: NAME-out-ID.log, NAME-error-ID.log; merge_logs drops the id. A configured
  // path gets -ID before its extension when instances would otherwise share it.
  const bool shared = config_.merge_logs;
  if (configured.empty()) {
    return shared ? fmt::format("{}/{}-{}.log", services_.logs_dir, config_.name, kind)
                  : fmt::format("{}/{}-{}-{}.log", services_.logs_dir, config_.name, kind,
                                pm_ids_.at(instance));
  }
  std::string path = configured;
  if (path.front() != '/')
    path = (config_.cwd.empty() ? services_.logs_dir : config_.cwd) + "/" + path;
  if (shared || config_.instances == 1) return path;
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  const auto cut = dot != std::string::npos && dot > slash + 1 ? dot : path.size();
  return path.substr(0, cut) + "-" + std::to_string(pm_ids_.at(instance)) + path.substr(cut);
}

Result<ManagedApp::InstanceLogs*> ManagedApp::logs_for(int instance) {
  auto it = logs_.find(instance);
  if (it != logs_.end()) return &it->second;
  // Instances that share a path share the file, so rotation sees every line.
  auto shared = [&](const std::string& path) -> Result<std::shared_ptr<LogFile>> {
    for (auto& [i, logs] : logs_) {
      for (auto* file : {&logs.out, &logs.err, &logs.combined}) {
        if (*file && (*file)->path() == path) return *file;
      }
    }
    return LogFile::open(path, services_.rotation);
  };
  InstanceLogs logs;
  auto out = shared(log_path(config_.out_file, "out", instance));
  if (!out) return out.error();
  logs.out = out.value();
  auto err = shared(log_path(config_.error_file, "error", instance));
  if (!err) return err.error();
  logs.err = err.value();
  if (!config_.log_file.empty()) {
    auto combined = shared(log_path(config_.log_file, "combined", instance));
    if (!combined) return combined.error();
    logs.combined = combined.value();
  }
  return &(logs_[instance] = std::move(logs));
}

Result<cluster::ChildStdio> ManagedApp::open_stdio(int instance) {
  if (auto logs = logs_for(instance); !logs) return logs.error();
  cluster::ChildStdio stdio;
  for (bool is_err : {false, true}) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return errno_error("pipe");
    // The child's end blocks, as a terminal's would; ours does not.
    ::fcntl(ends[1], F_SETFL, 0);
    auto pipe = std::make_unique<Pipe>();
    pipe->fd = UniqueFd(ends[0]);
    pipe->instance = instance;
    pipe->is_err = is_err;
    (is_err ? stdio.err : stdio.out) = UniqueFd(ends[1]);
    if (auto s = loop_.add(ends[0], EPOLLIN,
                           [this, fd = ends[0]](std::uint32_t) { on_pipe_readable(fd); });
        !s) {
      return s.error();
    }
    pipes_[ends[0]] = std::move(pipe);
  }
  return stdio;
}

void ManagedApp::write_line(InstanceLogs& logs, bool is_err, std::string_view line) {
  std::string stamp;
  if (config_.time || !config_.log_date_format.empty()) {
    stamp = format_log_date(
        config_.log_date_format.empty() ? "YYYY-MM-DDTHH:mm:ss" : config_.log_date_format,
        std::chrono::system_clock::now());
  }
  (void)(is_err ? logs.err : logs.out)->write_line(line, stamp);
  if (logs.combined) (void)logs.combined->write_line(line, stamp);
}

void ManagedApp::on_pipe_readable(int fd) {
  auto it = pipes_.find(fd);
  if (it == pipes_.end()) return;
  Pipe& pipe = *it->second;
  InstanceLogs& logs = logs_.at(pipe.instance);
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      pipe.lines.feed(std::string_view(buffer, static_cast<std::size_t>(n)),
                      [&](std::string_view line) { write_line(logs, pipe.is_err, line); });
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    // End of file: every process holding the write end has exited.
    pipe.lines.finish([&](std::string_view line) { write_line(logs, pipe.is_err, line); });
    loop_.remove(fd);
    pipes_.erase(it);
    return;
  }
}

Status ManagedApp::flush_logs() {
  for (auto& [instance, logs] : logs_) {
    for (auto* file : {&logs.out, &logs.err, &logs.combined}) {
      if (*file) {
        if (auto s = (*file)->flush(); !s) return s;
      }
    }
  }
  return {};
}

Result<cluster::ClusterSettings> ManagedApp::group_settings() {
  using std::chrono::milliseconds;
  cluster::ClusterSettings s;
  s.workers = config_.instances;
  const bool cluster_mode = config_.exec_mode == ExecMode::Cluster;
  if (cluster_mode) {
    s.protocol = config_.listen_policy == "socket-activation"
                     ? cluster::WorkerProtocol::SocketActivation
                     : cluster::WorkerProtocol::ClusterLab;
    if (s.protocol == cluster::WorkerProtocol::ClusterLab)
      s.policy = *cluster::parse_listen_policy(config_.listen_policy);
    // Port 0 is any free port for the first start, then the same one for good: a restart
    // or a resurrected daemon does not move the app.
    s.port = static_cast<std::uint16_t>(config_.port != 0 ? config_.port : bound_port_);
    if (auto host = config_.env.find("HOST"); host != config_.env.end()) s.host = host->second;
  } else {
    // PM2's test for a Node interpreter (ForkMode.js: 'node' or a path ending in node): such a
    // program gets Node's IPC channel, as PM2's fork mode gives it one.
    const bool node = config_.interpreter.ends_with("node");
    s.protocol = node ? cluster::WorkerProtocol::Node : cluster::WorkerProtocol::None;
  }
  s.kill_timeout = milliseconds(config_.kill_timeout_ms);
  s.shutdown_with_message = config_.shutdown_with_message;
  s.wait_ready = config_.wait_ready;
  s.listen_timeout = milliseconds(config_.listen_timeout_ms);
  s.heartbeat_timeout = milliseconds(config_.heartbeat_timeout_ms);
  s.respawn.autorestart = config_.autorestart;
  s.respawn.restart_delay = milliseconds(config_.restart_delay_ms);
  s.respawn.exp_backoff_restart_delay = milliseconds(config_.exp_backoff_restart_delay_ms);
  s.respawn.min_uptime = milliseconds(config_.min_uptime_ms);
  s.respawn.max_restarts = config_.max_restarts;

  // The environment: the CLI's (as PM2 passes it), the app's env over it.
  s.environment = environment_;
  for (const auto& [name, value] : config_.env) {
    std::erase_if(s.environment, [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
    s.environment.push_back(name + "=" + value);
  }
  if (config_.interpreter == "none") {
    auto program = proc::find_program_in(config_.script, s.environment);
    if (!program)
      return Error{fmt::format("app '{}': script {}", config_.name, program.error().message)};
    s.executable = program.value();
    s.argv = {config_.script};
  } else {
    if (::access(config_.script.c_str(), R_OK) != 0) {
      return Error{
          fmt::format("app '{}': script '{}' cannot be read", config_.name, config_.script)};
    }
    auto program = proc::find_program_in(config_.interpreter, s.environment);
    if (!program) {
      return Error{fmt::format("app '{}': interpreter {}", config_.name, program.error().message)};
    }
    s.executable = program.value();
    s.argv = {config_.interpreter};
    s.argv.insert(s.argv.end(), config_.interpreter_args.begin(), config_.interpreter_args.end());
    s.argv.push_back(config_.script);
  }
  s.argv.insert(s.argv.end(), config_.args.begin(), config_.args.end());
  s.cwd = config_.cwd;
  s.instance_environment = [this](int instance) {
    std::vector<std::pair<std::string, std::string>> vars = {
        {config_.instance_var, std::to_string(instance)},
        {"pm_id", std::to_string(pm_id_of(instance))},
        {"name", config_.name}};
    if (!config_.increment_var.empty()) {
      // The app's env first, then the environment pm was started in (PM2 merges them).
      long base = 0;
      const std::string prefix = config_.increment_var + "=";
      if (auto it = config_.env.find(config_.increment_var); it != config_.env.end()) {
        base = std::strtol(it->second.c_str(), nullptr, 10);
      } else if (auto inherited = std::find_if(
                     environment_.begin(), environment_.end(),
                     [&](const std::string& entry) { return entry.rfind(prefix, 0) == 0; });
                 inherited != environment_.end()) {
        base = std::strtol(inherited->c_str() + prefix.size(), nullptr, 10);
      }
      vars.emplace_back(config_.increment_var, std::to_string(base + instance));
    }
    return vars;
  };
  s.stdio = [this](int instance) { return open_stdio(instance); };
  return s;
}

void ManagedApp::reconfigure(AppConfig config, std::vector<std::string> environment) {
  if (group_) return;
  config_ = std::move(config);
  environment_ = std::move(environment);
  std::erase_if(pm_ids_, [&](const auto& entry) { return entry.first >= config_.instances; });
  for (int i = 0; i < config_.instances; ++i)
    pm_id_of(i);
}

void ManagedApp::start(Done done) {
  if (group_) return done({});  // already running
  auto settings = group_settings();
  if (!settings) {
    errored_ = true;
    return done(settings.error());
  }
  errored_ = false;
  cluster::ClusterEvents events;
  events.ready = [this](cluster::Worker&) { settle_waiters(); };
  events.listening = [this](cluster::Worker& w) {
    probe(w);
    settle_waiters();
  };
  events.errored = [this](int, std::size_t) { settle_waiters(); };
  events.exit = [this](cluster::Worker& w, const cluster::ExitStatus& status,
                       const cluster::RespawnDecision& decision) {
    probes_.erase(w.pid());
    services_.log(fmt::format("app '{}' pm_id {} pid {} exited ({}): {}", config_.name,
                              pm_id_of(w.instance()), w.pid(), status.describe(),
                              decision.reason.empty() ? "restarting" : decision.reason));
    settle_waiters();
  };
  events.listen_timeout = [this](cluster::Worker& w) {
    services_.log(fmt::format("app '{}' pm_id {} pid {} not ready within listen_timeout ({} ms)",
                              config_.name, pm_id_of(w.instance()), w.pid(),
                              config_.listen_timeout_ms));
  };
  events.message = [this](cluster::Worker& w, const nlohmann::json& message) {
    // process.send() from a Node app: PM2 puts it on its bus as process:msg; pm logs it.
    std::string text = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > 1000) text = text.substr(0, 997) + "...";
    services_.log(fmt::format("app '{}' pm_id {} pid {} sent {}", config_.name,
                              pm_id_of(w.instance()), w.pid(), text));
  };
  events.suspect = [this](cluster::Worker& w, std::chrono::milliseconds silent) {
    services_.log(fmt::format("app '{}' pm_id {} pid {} late with its heartbeat ({} ms)",
                              config_.name, pm_id_of(w.instance()), w.pid(), silent.count()));
  };
  events.hung = [this](cluster::Worker& w, std::chrono::milliseconds silent) {
    services_.log(fmt::format("app '{}' pm_id {} pid {} hung: no heartbeat for {} ms, killed",
                              config_.name, pm_id_of(w.instance()), w.pid(), silent.count()));
  };
  events.error = [this](const Error& e) {
    services_.log(fmt::format("app '{}': {}", config_.name, e.message));
  };
  events.stopped = [this] { on_group_stopped(); };
  if (services_.monitor) events = services_.monitor->recording(std::move(events), config_.name);
  auto group = std::make_unique<cluster::WorkerGroup>(loop_, std::move(settings.value()), events);
  if (auto bound = group->bind(); !bound) {
    errored_ = true;
    return done(Error{fmt::format("app '{}': {}", config_.name, bound.error().message)});
  }
  group_ = std::move(group);
  if (bound_port_ == 0) bound_port_ = group_->port();
  if (auto started = group_->start(); !started) {
    group_.reset();
    errored_ = true;
    return done(Error{fmt::format("app '{}': {}", config_.name, started.error().message)});
  }
  services_.log(fmt::format("app '{}' started: {} instance{} in {} mode{}", config_.name,
                            config_.instances, config_.instances == 1 ? "" : "s",
                            config_.exec_mode == ExecMode::Cluster ? "cluster" : "fork",
                            group_->port() ? fmt::format(", port {}", group_->port()) : ""));
  start_waiters_.push_back(std::move(done));
  // Whatever happens, the caller hears back after listen_timeout (and a little): that the
  // instances still not up failed to start (pm goes on restarting them).
  if (!start_timer_) {
    start_timer_ = loop_.after(std::chrono::milliseconds(config_.listen_timeout_ms + 500), [this] {
      start_timer_.reset();
      const Status started = not_up_in_time();
      auto waiters = std::exchange(start_waiters_, {});
      for (auto& w : waiters)
        w(started);
    });
  }
  settle_waiters();
}

bool ManagedApp::settled(const cluster::WorkerGroup::SlotView& slot) const {
  const cluster::LifecycleOptions options{.wait_ready = config_.wait_ready};
  return slot.errored || slot.stopped ||
         (slot.worker != nullptr && cluster::is_up(slot.worker->state(), options));
}

Status ManagedApp::not_up_in_time() {
  if (!group_) return {};
  std::string late;
  for (const auto& slot : group_->slots()) {
    if (settled(slot)) continue;
    late += fmt::format("{}{}", late.empty() ? "" : ", ", pm_id_of(slot.instance));
  }
  if (late.empty()) return {};
  return Error{fmt::format("app '{}' pm_id {}: not {} within listen_timeout ({} ms); restarting",
                           config_.name, late, config_.wait_ready ? "ready" : "online",
                           config_.listen_timeout_ms)};
}

void ManagedApp::settle_waiters() {
  if (start_waiters_.empty() || !group_) return;
  for (const auto& slot : group_->slots()) {
    if (!settled(slot)) return;
  }
  if (start_timer_) loop_.cancel(*start_timer_);
  start_timer_.reset();
  auto waiters = std::exchange(start_waiters_, {});
  for (auto& w : waiters)
    w({});
}

void ManagedApp::stop(Done done) {
  if (!group_) return done({});
  stop_waiters_.push_back(std::move(done));
  group_->stop(SIGTERM);
}

void ManagedApp::on_group_stopped() {
  // Called from inside the group: it is destroyed once the call has returned.
  for (const auto& slot : group_->slots())
    carried_restarts_[slot.instance] += slot.restarts;
  // Nobody asked: every slot errored and the group gave up.
  if (stop_waiters_.empty()) errored_ = true;
  stopped_timer_ = loop_.after(std::chrono::milliseconds(0), [this] {
    stopped_timer_.reset();
    if (!group_ || !group_->stopping()) return;
    group_.reset();
    services_.log(fmt::format("app '{}' {}", config_.name, errored_ ? "errored" : "stopped"));
    auto waiters = std::exchange(stop_waiters_, {});
    for (auto& w : waiters)
      w({});
  });
}

void ManagedApp::restart(Done done) {
  stop([this, done = std::move(done)](Status) mutable {
    for (auto& [instance, count] : pm_ids_)
      ++carried_restarts_[instance];
    start(std::move(done));
  });
}

void ManagedApp::reload(std::size_t parallel, ReloadDone done,
                        cluster::WorkerGroup::ReplaceRule rule) {
  if (!group_) {
    return start([done = std::move(done)](Status s) {
      done(s ? std::vector<std::string>{} : std::vector<std::string>{s.error().message});
    });
  }
  if (reload_) return done({fmt::format("app '{}' is already being reloaded", config_.name)});
  Reload r;
  for (const auto& slot : group_->slots())
    r.queue.push_back(slot.instance);
  std::reverse(r.queue.begin(), r.queue.end());  // popped from the back: instance 0 first
  r.parallel = std::max<std::size_t>(parallel, 1);
  r.rule = rule;
  r.done = std::move(done);
  reload_ = std::move(r);
  replace_next();
}

void ManagedApp::replace_next() {
  // Not re-entered: an instance that finishes at once calls back from inside the loop.
  if (!reload_ || replacing_) return;
  replacing_ = true;
  // Stop at the first failure: a broken release goes no further than one instance.
  while (reload_->failures.empty() && !reload_->queue.empty() &&
         reload_->running < reload_->parallel && group_) {
    const int instance = reload_->queue.back();
    reload_->queue.pop_back();
    ++reload_->running;
    restart_instance(
        instance,
        [this](std::vector<std::string> failures) {
          --reload_->running;
          for (auto& f : failures)
            reload_->failures.push_back(std::move(f));
          replace_next();
        },
        reload_->rule);
  }
  replacing_ = false;
  if (reload_->running == 0 && (reload_->queue.empty() || !reload_->failures.empty() || !group_)) {
    for (int instance : reload_->queue) {
      reload_->failures.push_back(
          fmt::format("pm_id {} not reloaded: an earlier instance failed", pm_id_of(instance)));
    }
    auto r = std::move(*reload_);
    reload_.reset();
    r.done(std::move(r.failures));
  }
}

void ManagedApp::restart_instance(int instance, ReloadDone done,
                                  cluster::WorkerGroup::ReplaceRule rule) {
  if (!group_) return done({fmt::format("app '{}' is not running", config_.name)});
  const int id = pm_id_of(instance);
  if (config_.exec_mode == ExecMode::Fork) {
    // PM2's rule: in fork mode a reload is a restart (the program binds its own port, so a
    // second copy could not start beside the first).
    group_->restart_instance(instance);
    return done({});
  }
  group_->replace_instance(
      instance,
      [this, id, instance, done = std::move(done)](std::optional<std::string> failure) {
        if (!failure) {
          services_.log(fmt::format("app '{}' pm_id {} reloaded", config_.name, id));
          if (services_.monitor)
            services_.monitor->record(
                {.kind = "reload", .app = config_.name, .instance = instance});
          return done({});
        }
        services_.log(
            fmt::format("app '{}' pm_id {} reload rolled back: {}", config_.name, id, *failure));
        done({fmt::format("pm_id {} ({}): {}; rolled back, the old process still serves", id,
                          config_.name, *failure)});
      },
      rule);
}

void ManagedApp::stop_instance(int instance) {
  if (group_) group_->stop_instance(instance);
}

Status ManagedApp::scale(int instances) {
  if (instances < 1) return Error{"an app needs at least 1 instance; to stop it, use stop"};
  config_.instances = instances;
  for (int i = 0; i < instances; ++i)
    pm_id_of(i);
  std::erase_if(pm_ids_, [&](const auto& entry) { return entry.first >= instances; });
  if (group_) group_->scale(instances);
  return {};
}

Status ManagedApp::send_signal(std::optional<int> instance, int signal) {
  if (!group_) return Error{fmt::format("app '{}' is not running", config_.name)};
  for (const auto& slot : group_->slots()) {
    if (instance && slot.instance != *instance) continue;
    if (auto s = group_->signal_instance(slot.instance, signal); !s) return s;
  }
  return {};
}

Status ManagedApp::send_message(std::optional<int> instance, const nlohmann::json& message) {
  if (!group_) return Error{fmt::format("app '{}' is not running", config_.name)};
  for (auto* worker : group_->workers()) {
    if (instance && worker->instance() != *instance) continue;
    if (!worker->is_alive() || worker->stop_requested()) continue;
    if (auto s = worker->send(message); !s)
      return Error{fmt::format("app '{}' pm_id {}: {}", config_.name, pm_id_of(worker->instance()),
                               s.error().message)};
  }
  return {};
}

void ManagedApp::reset_counters() {
  carried_restarts_.clear();
  if (!group_) return;
  for (const auto& slot : group_->slots())
    carried_restarts_[slot.instance] = -slot.restarts;
}

bool ManagedApp::on_reaped(pid_t pid, int wait_status) {
  return group_ && group_->on_reaped(pid, wait_status);
}

std::vector<monitor::InstanceSource> ManagedApp::sources() const {
  std::map<int, cluster::WorkerGroup::SlotView> slots;
  if (group_) {
    for (const auto& slot : group_->slots())
      slots[slot.instance] = slot;
  }
  std::vector<monitor::InstanceSource> out;
  for (const auto& [instance, pm_id] : pm_ids_) {
    const auto slot = slots.find(instance);
    const cluster::WorkerGroup::SlotView* view = slot != slots.end() ? &slot->second : nullptr;
    monitor::InstanceSource s{.app = config_.name,
                              .instance = instance,
                              .id = pm_id,
                              .status = view       ? status_of(*view)
                                        : errored_ ? "errored"
                                                   : "stopped",
                              .restarts = restarts_of(instance, view)};
    if (const cluster::Worker* w = view ? view->worker : nullptr) {
      s.pid = w->pid();
      s.started_at = w->started_at();
      s.heartbeat = w->heartbeat();
      s.heartbeat_at = w->heartbeat_at();
      s.suspect = w->suspect();
    }
    out.push_back(std::move(s));
  }
  return out;
}

int ManagedApp::restarts_of(int instance, const cluster::WorkerGroup::SlotView* slot) const {
  const auto carried = carried_restarts_.find(instance);
  return std::max(
      (slot ? slot->restarts : 0) + (carried != carried_restarts_.end() ? carried->second : 0), 0);
}

void ManagedApp::apply_memory_limit(const std::vector<monitor::InstanceFigures>& figures) {
  const std::uint64_t limit = config_.max_memory_restart_bytes;
  if (!group_ || limit == 0) return;
  for (const auto& slot : group_->slots()) {
    if (slot.worker == nullptr || memory_reload_[slot.instance]) continue;
    const auto f = std::find_if(figures.begin(), figures.end(), [&](const auto& f) {
      return f.app == config_.name && f.pid == slot.worker->pid();
    });
    if (f == figures.end() || f->rss_bytes <= limit) continue;
    if (!cluster::is_up(slot.worker->state(), {.wait_ready = config_.wait_ready})) continue;
    services_.log(
        fmt::format("app '{}' pm_id {} pid {} uses {} MB, over max_memory_restart ({} "
                    "MB): reloading it",
                    config_.name, pm_id_of(slot.instance), slot.worker->pid(),
                    f->rss_bytes / (1024 * 1024), limit / (1024 * 1024)));
    memory_reload_[slot.instance] = true;
    restart_instance(slot.instance, [this, instance = slot.instance](std::vector<std::string>) {
      memory_reload_[instance] = false;
    });
  }
}

void ManagedApp::probe(cluster::Worker& worker) {
  if (!config_.health_check || config_.port == 0) return;
  const bool per_instance = config_.increment_var == "PORT";
  const auto port =
      static_cast<std::uint16_t>(config_.port + (per_instance ? worker.instance() : 0));
  const pid_t pid = worker.pid();
  const int instance = worker.instance();
  probes_[pid] = std::make_unique<monitor::HealthProbe>(
      loop_, *config_.health_check, port, [this, pid, instance](const std::string& why) {
        services_.log(fmt::format(
            "app '{}' pm_id {} pid {} failed its health check {} times ({}): "
            "killed",
            config_.name, pm_id_of(instance), pid, config_.health_check->failures, why));
        if (services_.monitor) {
          services_.monitor->record({.kind = "unhealthy",
                                     .app = config_.name,
                                     .instance = instance,
                                     .pid = pid,
                                     .detail = why});
        }
        ::kill(pid, SIGKILL);  // its exit is unexpected: restarted as autorestart says
      });
}

std::string ManagedApp::status_of(const cluster::WorkerGroup::SlotView& slot) const {
  if (slot.errored) return "errored";
  if (slot.stopped) return slot.worker ? "stopping" : "stopped";
  if (slot.worker == nullptr) return "waiting restart";
  switch (slot.worker->state()) {
    case WorkerState::Ready:
      return "online";
    case WorkerState::Listening:
      return config_.wait_ready ? "launching" : "online";
    case WorkerState::Stopping:
    case WorkerState::Draining:
    case WorkerState::Failing:
    case WorkerState::Hung:
      return "stopping";
    default:
      return "launching";
  }
}

std::vector<json> ManagedApp::processes(
    const std::vector<monitor::InstanceFigures>& figures) const {
  std::map<int, cluster::WorkerGroup::SlotView> slots;
  if (group_) {
    for (const auto& slot : group_->slots())
      slots[slot.instance] = slot;
  }
  const auto now_wall = std::chrono::system_clock::now();
  const auto now_steady = std::chrono::steady_clock::now();
  std::vector<json> out;
  for (const auto& [instance, pm_id] : pm_ids_) {
    const auto slot = slots.find(instance);
    const cluster::Worker* worker = slot != slots.end() ? slot->second.worker : nullptr;
    const std::string status = slot != slots.end() ? status_of(slot->second)
                               : errored_          ? "errored"
                                                   : "stopped";
    std::int64_t started_ms = 0;
    json monit = {{"memory", 0}, {"cpu", 0}};
    if (worker != nullptr) {
      const auto started = now_wall - (now_steady - worker->started_at());
      started_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(started.time_since_epoch()).count();
      const auto f = std::find_if(figures.begin(), figures.end(), [&](const auto& f) {
        return f.app == config_.name && f.pid == worker->pid();
      });
      if (f != figures.end()) {
        // PM2's two figures, then ClusterLab's (monitor/instance_figures.hpp).
        monit = monitor::to_json(*f);
        monit["memory"] = f->rss_bytes;
        monit["cpu"] = std::round(f->cpu_percent * 10) / 10;
      }
    }
    const int restarts = restarts_of(instance, slot != slots.end() ? &slot->second : nullptr);
    const auto logs = logs_.find(instance);
    json env = config_.env;
    env[config_.instance_var] = std::to_string(instance);
    out.push_back(
        {{"pid", worker ? worker->pid() : 0},
         {"name", config_.name},
         {"pm_id", pm_id},
         {"monit", std::move(monit)},
         {"pm2_env",
          {{"status", status},
           {"exec_mode", config_.exec_mode == ExecMode::Cluster ? "cluster_mode" : "fork_mode"},
           {"instances", config_.instances},
           {"restart_time", restarts},
           {"unstable_restarts", 0},
           {"pm_uptime", started_ms},
           {"pm_id", pm_id},
           {"name", config_.name},
           {"NODE_APP_INSTANCE", instance},
           {"pm_exec_path", config_.script},
           {"pm_cwd", config_.cwd},
           {"args", config_.args},
           {"exec_interpreter", config_.interpreter},
           {"pm_out_log_path", logs != logs_.end() ? logs->second.out->path()
                                                   : log_path(config_.out_file, "out", instance)},
           {"pm_err_log_path", logs != logs_.end()
                                   ? logs->second.err->path()
                                   : log_path(config_.error_file, "error", instance)},
           {"port", group_ ? group_->port() : 0},
           {"kill_timeout", config_.kill_timeout_ms},
           {"listen_timeout", config_.listen_timeout_ms},
           {"wait_ready", config_.wait_ready},
           {"autorestart", config_.autorestart},
           {"max_memory_restart", config_.max_memory_restart_bytes},
           {"cron_restart", config_.cron_restart},
           {"watch", config_.watch},
           {"env", env}}}});
  }
  return out;
}

}  // namespace clab::pm
