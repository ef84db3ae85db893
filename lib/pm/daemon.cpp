#include "pm/daemon.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <thread>

#include "core/file_text.hpp"
#include "lifecycle/sd_notify.hpp"
#include "monitor/prometheus_text.hpp"
#include "pm/app_config_json.hpp"
#include "pm/request_fields.hpp"
#include "proc/exit_status.hpp"
#include "proc/reap.hpp"
#include "sched/cron_expression.hpp"

namespace clab::pm {
namespace {

using nlohmann::json;

json failure(const std::string& message) {
  return {{"ok", false}, {"error", message}};
}

std::string timestamp() {
  return format_log_date("YYYY-MM-DDTHH:mm:ss", std::chrono::system_clock::now());
}

}  // namespace

Daemon::Daemon(DaemonOptions options)
    : options_(std::move(options)), monitor_("pm", [this] {
        std::vector<monitor::InstanceSource> all;
        for (const auto& name : order_) {
          for (auto& source : apps_.at(name)->sources())
            all.push_back(std::move(source));
        }
        return all;
      }) {}

Daemon::~Daemon() = default;

void Daemon::log(const std::string& line) const {
  fmt::print(stderr, "{} {}\n", timestamp(), line);
  std::fflush(stderr);
}

int Daemon::run() {
  auto signals = proc::SignalSet::block({SIGCHLD, SIGINT, SIGTERM, SIGHUP});
  if (!signals) {
    log(signals.error().message);
    return 1;
  }
  signals_.emplace(std::move(signals.value()));
  (void)loop_.add(signals_->fd(), EPOLLIN, [this](std::uint32_t) { on_signal(); });
  auto server = ControlServer::listen(
      loop_, options_.home.socket(),
      [this](const json& request, Reply reply) { handle(request, std::move(reply)); });
  if (!server) {
    log(server.error().message);
    return 1;
  }
  server_ = std::move(server.value());
  if (auto s = write_text_file(options_.home.pid_file(), fmt::format("{}\n", ::getpid())); !s)
    log(s.error().message);
  log(fmt::format("pm daemon {} listening on {}", ::getpid(), options_.home.socket()));
  auto announce = [this] {
    if (options_.ready_fd >= 0) {
      (void)!::write(options_.ready_fd, "1", 1);
      ::close(options_.ready_fd);
      options_.ready_fd = -1;
    }
    const auto notifier = lifecycle::SdNotifier::from_environment();
    (void)notifier.notify("READY=1");
    ::unsetenv("NOTIFY_SOCKET");  // the apps' readiness is ours to hear, not systemd's
  };
  if (options_.resurrect) {
    handle({{"verb", "resurrect"}}, [this, announce](const json& response) {
      if (!response.value("ok", false)) log("resurrect: " + response.value("error", ""));
      announce();
    });
  } else {
    announce();
  }
  loop_.after(std::chrono::milliseconds(1000), [this] { sample(); });
  loop_.run();
  server_.reset();
  dashboard_.reset();
  ::unlink(options_.home.pid_file().c_str());
  log(fmt::format("pm daemon {} exits", ::getpid()));
  return 0;
}

void Daemon::on_signal() {
  while (auto signal = signals_->read_one()) {
    if (*signal == SIGCHLD) {
      proc::reap_exited_children([this](pid_t pid, int status) {
        for (auto& [name, app] : apps_) {
          if (app->on_reaped(pid, status)) return;
        }
      });
    } else if (*signal == SIGHUP) {
      continue;
    } else if (exiting_) {
      log("a second " + proc::signal_name(*signal) + ": killing every app now");
      apps_.clear();  // SIGKILLs and reaps
      loop_.stop();
    } else {
      log("received " + proc::signal_name(*signal) + ": stopping every app");
      kill([](const json&) {});
    }
  }
}

void Daemon::serve_dashboard(const json& request, Reply reply) {
  const int port = request.value("port", 0);
  if (port < 0 || port > 65535)
    return reply(failure(fmt::format("port is {}; expected 0 to 65535", port)));
  if (dashboard_ && (port == 0 || port == dashboard_->port())) {
    return reply({{"ok", true}, {"port", dashboard_->port()}, {"url", dashboard_->url("/")}});
  }
  auto server =
      monitor::MonitorServer::start(loop_, monitor_, "127.0.0.1", static_cast<std::uint16_t>(port));
  if (!server) return reply(failure(server.error().message));
  dashboard_ = std::move(server).value();
  log(fmt::format("dashboard and /metrics on {}", dashboard_->url("/")));
  return reply({{"ok", true}, {"port", dashboard_->port()}, {"url", dashboard_->url("/")}});
}

void Daemon::sample() {
  const auto& figures = monitor_.figures();
  for (auto& [name, app] : apps_)
    app->apply_memory_limit(figures);
  loop_.after(std::chrono::milliseconds(1000), [this] { sample(); });
}

json Daemon::process_list() {
  json list = json::array();
  const auto& figures = monitor_.figures();
  for (const auto& name : order_) {
    for (auto& process : apps_.at(name)->processes(figures))
      list.push_back(std::move(process));
  }
  return list;
}

Result<std::vector<Daemon::Target>> Daemon::resolve(const json& request) const {
  const std::string target = request.value("target", "all");
  std::vector<Target> out;
  if (target == "all") {
    for (const auto& name : order_)
      out.push_back({apps_.at(name).get(), std::nullopt});
    return out;
  }
  if (auto it = apps_.find(target); it != apps_.end()) {
    out.push_back({it->second.get(), std::nullopt});
    return out;
  }
  int id = 0;
  const auto [end, error] = std::from_chars(target.data(), target.data() + target.size(), id);
  if (!target.empty() && error == std::errc() && end == target.data() + target.size() && id >= 0) {
    for (const auto& [name, app] : apps_) {
      if (auto instance = app->instance_of(id)) {
        out.push_back({app.get(), instance});
        return out;
      }
    }
  }
  return Error{fmt::format("process or app '{}' not found", target)};
}

const std::vector<Daemon::Verb>& Daemon::verbs() {
  using K = FieldKind;
  static const RequestField target{"target", K::Target};
  static const std::vector<Verb> table = {
      {"ping", {}, &Daemon::ping},
      {"list", {}, &Daemon::list},
      {"figures", {}, &Daemon::figures},
      {"metrics", {}, &Daemon::metrics},
      {"dashboard", {{"port", K::Port}}, &Daemon::serve_dashboard},
      {"start", {{"apps", K::Apps, true}}, &Daemon::start},
      {"save", {}, &Daemon::save_apps},
      {"resurrect", {}, &Daemon::resurrect},
      {"kill", {}, &Daemon::kill_all},
      {"scale", {{"target", K::Target, true}, {"instances", K::Text, true}}, &Daemon::scale},
      {"describe", {target}, &Daemon::describe},
      {"flush", {target}, &Daemon::flush},
      {"reset", {target}, &Daemon::reset},
      {"signal", {target, {"signal", K::Text, true}}, &Daemon::signal},
      {"send", {target, {"message", K::Message, true}}, &Daemon::send},
      {"stop", {target}, &Daemon::stop},
      {"restart", {target}, &Daemon::restart},
      {"reload",
       {target, {"parallel", K::Count}, {"take_over_at_timeout", K::Flag}},
       &Daemon::reload},
      {"delete", {target}, &Daemon::remove},
  };
  return table;
}

void Daemon::handle(const json& request, Reply reply) {
  const std::string& name = request.at("verb").get_ref<const std::string&>();
  const auto& table = verbs();
  const auto verb =
      std::find_if(table.begin(), table.end(), [&](const Verb& v) { return v.name == name; });
  if (verb == table.end())
    return reply(failure(
        fmt::format("unknown verb '{}'", name.size() <= 80 ? name : name.substr(0, 77) + "...")));
  if (exiting_ && name != "ping") return reply(failure("the daemon is shutting down"));
  if (auto s = check_request_fields(name, request, verb->fields); !s)
    return reply(failure(s.error().message));
  (this->*verb->handler)(request, std::move(reply));
}

void Daemon::ping(const json&, Reply reply) {
  reply({{"ok", true}, {"pid", ::getpid()}, {"apps", apps_.size()}});
}

void Daemon::list(const json&, Reply reply) {
  reply({{"ok", true}, {"processes", process_list()}});
}

void Daemon::figures(const json&, Reply reply) {
  json answer = monitor_.snapshot(/*with_timeline=*/true);
  answer["ok"] = true;
  reply(answer);
}

void Daemon::metrics(const json&, Reply reply) {
  reply({{"ok", true}, {"text", monitor::prometheus_text(monitor_.figures())}});
}

void Daemon::save_apps(const json&, Reply reply) {
  if (auto s = save(); !s) return reply(failure(s.error().message));
  reply({{"ok", true}, {"path", options_.home.dump()}, {"apps", order_.size()}});
}

void Daemon::resurrect(const json&, Reply reply) {
  const std::string path = options_.home.dump();
  auto text = read_text_file(path);
  if (!text) {
    return reply(
        failure(fmt::format("nothing saved: {} (pm save writes it)", text.error().message)));
  }
  auto dump = json::parse(text.value(), nullptr, false);
  if (!dump.is_object() || !dump.contains("apps") || !dump["apps"].is_array())
    return reply(failure(fmt::format("{} is not a pm dump", path)));
  json apps = json::array();
  for (const auto& entry : dump["apps"]) {
    if (!entry.is_object() || !entry.contains("config") || !entry["config"].is_object())
      return reply(failure(fmt::format("{}: an app is {}; expected {{config, environment}}", path,
                                       shown_value(entry))));
    json app = entry["config"];
    app["environment"] = entry.value("environment", json::array());
    apps.push_back(std::move(app));
  }
  start_apps(ConfigDocument{.path = path, .root = {{"apps", std::move(apps)}}}, std::move(reply));
}

void Daemon::kill_all(const json&, Reply reply) {
  kill(std::move(reply));
}

void Daemon::scale(const json& request, Reply reply) {
  const std::string name = request["target"];
  auto it = apps_.find(name);
  if (it == apps_.end()) return reply(failure(fmt::format("app '{}' not found", name)));
  const std::string spec = request["instances"];
  const int current = it->second->config().instances;
  const bool relative = !spec.empty() && (spec.front() == '+' || spec.front() == '-');
  int n = 0;
  const char* begin = spec.data() + (relative && spec.front() == '+' ? 1 : 0);
  const auto [end, error] = std::from_chars(begin, spec.data() + spec.size(), n);
  const int wanted = relative ? current + n : n;
  if (spec.empty() || error != std::errc() || end != spec.data() + spec.size() || wanted < 1 ||
      wanted > 1024) {
    return reply(failure(fmt::format(
        "scale request: field 'instances' is {}; expected N, +N or -N, leaving 1 to 1024",
        shown_value(spec))));
  }
  if (auto s = it->second->scale(wanted); !s) return reply(failure(s.error().message));
  log(fmt::format("app '{}' scaled from {} to {} instances", name, current, wanted));
  reply({{"ok", true}, {"processes", process_list()}});
}

void Daemon::describe(const json& request, Reply reply) {
  auto targets = resolve(request);
  if (!targets) return reply(failure(targets.error().message));
  json processes = json::array();
  for (const auto& t : targets.value()) {
    for (auto& p : t.app->processes(monitor_.figures())) {
      if (!t.instance || t.app->instance_of(p["pm_id"].get<int>()) == t.instance)
        processes.push_back(std::move(p));
    }
  }
  reply({{"ok", true}, {"processes", processes}});
}

void Daemon::flush(const json& request, Reply reply) {
  on_each_target(request, std::move(reply), [](const Target& t) { return t.app->flush_logs(); });
}

void Daemon::reset(const json& request, Reply reply) {
  auto targets = resolve(request);
  if (!targets) return reply(failure(targets.error().message));
  for (const auto& t : targets.value())
    t.app->reset_counters();
  reply({{"ok", true}, {"processes", process_list()}});
}

void Daemon::on_each_target(const json& request, Reply reply,
                            const std::function<Status(const Target&)>& act) {
  auto targets = resolve(request);
  if (!targets) return reply(failure(targets.error().message));
  for (const auto& t : targets.value()) {
    if (auto s = act(t); !s) return reply(failure(s.error().message));
  }
  reply({{"ok", true}});
}

void Daemon::signal(const json& request, Reply reply) {
  const std::string name = request["signal"];
  const int signal = proc::signal_number(name);
  if (signal <= 0) return reply(failure(fmt::format("'{}' is not a signal name", name)));
  on_each_target(request, std::move(reply),
                 [&](const Target& t) { return t.app->send_signal(t.instance, signal); });
}

void Daemon::send(const json& request, Reply reply) {
  on_each_target(request, std::move(reply), [&](const Target& t) {
    return t.app->send_message(t.instance, request["message"]);
  });
}

namespace {
using Finish = std::function<void(std::vector<std::string>)>;
std::function<void(Status)> as_failures(const Finish& finish) {
  return [finish](Status s) {
    finish(s ? std::vector<std::string>{} : std::vector<std::string>{s.error().message});
  };
}
}  // namespace

void Daemon::stop(const json& request, Reply reply) {
  auto targets = resolve(request);
  if (!targets) return reply(failure(targets.error().message));
  for_each_target(
      targets.value(),
      [](const Target& t, Finish finish) {
        if (t.instance) {
          t.app->stop_instance(*t.instance);
          return finish({});
        }
        t.app->stop(as_failures(finish));
      },
      std::move(reply));
}

void Daemon::restart(const json& request, Reply reply) {
  auto targets = resolve(request);
  if (!targets) return reply(failure(targets.error().message));
  for_each_target(
      targets.value(),
      [](const Target& t, Finish finish) {
        if (t.instance) return t.app->restart_instance(*t.instance, std::move(finish));
        t.app->restart(as_failures(finish));
      },
      std::move(reply));
}

void Daemon::reload(const json& request, Reply reply) {
  auto targets = resolve(request);
  if (!targets) return reply(failure(targets.error().message));
  const auto parallel = request.value("parallel", std::size_t{1});
  const auto rule = request.value("take_over_at_timeout", false)
                        ? cluster::WorkerGroup::ReplaceRule::TakeOverAtTimeout
                        : cluster::WorkerGroup::ReplaceRule::RollBack;
  for_each_target(
      targets.value(),
      [parallel, rule](const Target& t, Finish finish) {
        if (t.instance) return t.app->restart_instance(*t.instance, std::move(finish), rule);
        t.app->reload(parallel, std::move(finish), rule);
      },
      std::move(reply));
}

void Daemon::remove(const json& request, Reply reply) {
  auto targets = resolve(request);
  if (!targets) return reply(failure(targets.error().message));
  for (const auto& t : targets.value()) {
    if (t.instance && t.app->config().instances > 1) {
      return reply(failure(fmt::format(
          "pm_id {} is one of {} instances of '{}': delete the app by name, or scale it",
          request.value("target", ""), t.app->config().instances, t.app->config().name)));
    }
  }
  for_each_target(
      targets.value(),
      [this](const Target& t, Finish finish) {
        const std::string name = t.app->config().name;
        t.app->stop([this, name, finish](Status s) {
          // Deleted once the stop's callbacks have all returned.
          loop_.after(std::chrono::milliseconds(0), [this, name] { remove_app(name); });
          as_failures(finish)(s);
        });
      },
      std::move(reply));
}

void Daemon::start(const json& request, Reply reply) {
  start_apps(ConfigDocument{.path = "start request", .root = request}, std::move(reply));
}

void Daemon::for_each_target(
    const std::vector<Target>& targets,
    std::function<void(const Target&, std::function<void(std::vector<std::string>)>)> op,
    Reply reply) {
  // One target after the other; the reply lists what failed, then every process.
  struct Run {
    std::vector<Target> targets;
    std::size_t next = 0;
    std::vector<std::string> failures;
  };
  auto run = std::make_shared<Run>(Run{targets, 0, {}});
  auto step = std::make_shared<std::function<void()>>();
  *step = [this, run, op, reply, step] {
    if (run->next == run->targets.size()) {
      json response = {{"ok", run->failures.empty()}, {"failures", run->failures}};
      if (!run->failures.empty()) response["error"] = run->failures.front();
      // After the last callback has returned: a deleted app is gone from the list.
      loop_.after(std::chrono::milliseconds(0), [this, response, reply, step]() mutable {
        response["processes"] = process_list();
        reply(response);
        *step = nullptr;  // breaks the cycle
      });
      return;
    }
    const Target target = run->targets[run->next++];
    op(target, [run, step](std::vector<std::string> failures) {
      for (auto& f : failures)
        run->failures.push_back(std::move(f));
      (*step)();
    });
  };
  (*step)();
}

void Daemon::start_apps(const ConfigDocument& document, Reply reply) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<std::pair<AppConfig, std::vector<std::string>>> configs;
  const json& apps = document.root["apps"];
  for (std::size_t i = 0; i < apps.size(); ++i) {
    auto app = app_from_json(document, "/apps/" + std::to_string(i), cores);
    if (!app) return reply(failure(app.error().message));
    configs.emplace_back(std::move(app->config), std::move(app->environment));
  }
  if (configs.empty()) return reply(failure("start: no app given"));
  std::vector<Target> targets;
  std::vector<std::string> already;
  for (auto& [config, environment] : configs) {
    const std::string name = config.name;
    auto it = apps_.find(name);
    if (it != apps_.end() && it->second->running()) {
      already.push_back(name);
      continue;
    }
    if (it != apps_.end()) {  // stopped: started again as the file says now, same pm_ids
      it->second->reconfigure(std::move(config), std::move(environment));
      targets.push_back({it->second.get(), std::nullopt});
      continue;
    }
    AppServices services{.next_pm_id = [this] { return next_pm_id_++; },
                         .log = [this](const std::string& line) { log(line); },
                         .logs_dir = options_.home.logs(),
                         .rotation = options_.rotation,
                         .monitor = &monitor_};
    auto app = std::make_unique<ManagedApp>(loop_, std::move(config), std::move(environment),
                                            std::move(services));
    targets.push_back({app.get(), std::nullopt});
    order_.push_back(name);
    apps_[name] = std::move(app);
  }
  for_each_target(
      targets,
      [this](const Target& t, Finish finish) {
        t.app->start([this, app = t.app, finish](Status s) {
          if (s) arm_rules(*app);
          as_failures(finish)(s);
        });
      },
      [reply, already](const json& response) {
        json r = response;
        r["already_running"] = already;
        reply(r);
      });
}

void Daemon::arm_rules(ManagedApp& app) {
  const AppConfig& config = app.config();
  const std::string name = config.name;
  Watched& rules = rules_[name];
  if (config.watch && !rules.watch) {
    std::vector<std::string> roots = config.watch_paths;
    const std::string base =
        config.cwd.empty() ? config.script.substr(0, config.script.rfind('/')) : config.cwd;
    if (roots.empty()) roots.push_back(base);
    for (auto& root : roots) {
      if (!root.empty() && root.front() != '/') root = base + "/" + root;
    }
    std::vector<std::string> ignore = config.ignore_watch;
    ignore.insert(ignore.end(), {".git", "node_modules", "*.log"});
    auto watch = FileWatch::start(loop_, roots, ignore, std::chrono::milliseconds(500),
                                  [this, name](const std::string& path) {
                                    auto it = apps_.find(name);
                                    if (it == apps_.end() || !it->second->running()) return;
                                    log(fmt::format("app '{}': {} changed: reloading", name, path));
                                    it->second->reload(1, [](std::vector<std::string>) {});
                                  });
    if (watch) {
      rules.watch = std::move(watch.value());
    } else {
      log(fmt::format("app '{}': watch: {}", name, watch.error().message));
    }
  }
  if (!config.cron_restart.empty() && !rules.cron_timer) arm_cron(name);
}

void Daemon::arm_cron(const std::string& name) {
  auto it = apps_.find(name);
  if (it == apps_.end()) return;
  auto cron = sched::CronExpression::parse(it->second->config().cron_restart);
  if (!cron) return;
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto next = cron.value().next_after(now, sched::Zone::Local);
  if (!next) return;
  const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now);
  rules_[name].cron_timer = loop_.after(delay, [this, name] {
    rules_[name].cron_timer.reset();
    auto app = apps_.find(name);
    if (app == apps_.end()) return;
    if (app->second->running()) {
      log(fmt::format("app '{}': cron_restart '{}': reloading", name,
                      app->second->config().cron_restart));
      app->second->reload(1, [](std::vector<std::string>) {});
    }
    arm_cron(name);
  });
}

void Daemon::remove_app(const std::string& name) {
  if (auto rules = rules_.find(name); rules != rules_.end()) {
    if (rules->second.cron_timer) loop_.cancel(*rules->second.cron_timer);
    rules_.erase(rules);
  }
  apps_.erase(name);
  std::erase(order_, name);
  log(fmt::format("app '{}' deleted", name));
}

Status Daemon::save() const {
  json dump = {{"apps", json::array()}};
  for (const auto& name : order_) {
    const auto& app = apps_.at(name);
    AppConfig config = app->config();
    config.port = app->port();  // PORT 0: the one it got, so that resurrect keeps it
    dump["apps"].push_back({{"config", to_json(config)}, {"environment", app->environment()}});
  }
  return write_text_file(options_.home.dump(), dump.dump(2) + "\n");
}

void Daemon::kill(Reply reply) {
  kill_replies_.push_back(std::move(reply));
  if (exiting_) return;
  exiting_ = true;
  std::vector<Target> targets;
  for (const auto& name : order_)
    targets.push_back({apps_.at(name).get(), std::nullopt});
  for_each_target(
      targets,
      [](const Target& t, std::function<void(std::vector<std::string>)> finish) {
        t.app->stop([finish](Status) { finish({}); });
      },
      [this](const json& response) {
        json r = response;
        r["pid"] = ::getpid();
        for (auto& reply : kill_replies_)
          reply(r);
        kill_replies_.clear();
        loop_.stop();
      });
}

}  // namespace clab::pm
