// pm: ClusterLab's process manager, PM2's vocabulary and defaults. The first command starts
// the daemon (PM2's God), which keeps the apps running after the CLI exits; every command
// is one request to it over the control socket in PM_HOME (default ~/.clusterlab).
//
// Exit status: 0 done, 1 an operation failed (named on stderr), 2 bad input (flags, an
// ecosystem file; nothing was started).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cli/cli_error.hpp"
#include "daemon_client.hpp"
#include "log_tail.hpp"
#include "monit.hpp"
#include "pm/ecosystem.hpp"
#include "pm/pm_home.hpp"
#include "proc/child_process.hpp"
#include "process_view.hpp"
#include "start_request.hpp"

namespace {

using nlohmann::json;
using namespace clab;
using namespace clab::pm;

constexpr int kExitFailed = 1;

struct Options {
  StartArguments start;
  std::string target = "all";
  std::string instances;  // scale
  std::string signal;
  std::string message;  // send
  std::size_t parallel = 1;
  bool take_over_at_timeout = false;
  std::size_t lines = 15;
  bool raw = false;
  bool no_stream = false;
  bool json = false;
  bool resurrect = false;
  int dashboard_port = 0;
};

// The answer to one request: printed as JSON (--json) or as the process table, failures on
// stderr. Returns the exit status.
int report(const Result<json>& answer, const Options& o, bool table = true) {
  if (!answer) {
    fmt::print(stderr, "pm: {}\n", answer.error().message);
    return kExitFailed;
  }
  const json& r = answer.value();
  if (o.json) {
    fmt::print("{}\n", r.dump());
  } else {
    for (const auto& name : r.value("already_running", std::vector<std::string>{}))
      fmt::print(stderr, "pm: app '{}' is already running (pm restart {} to restart it)\n", name,
                 name);
    if (table && r.contains("processes")) print_process_table(r["processes"], stdout);
  }
  if (r.value("ok", false)) return 0;
  const auto failures = r.value("failures", std::vector<std::string>{});
  if (failures.empty()) fmt::print(stderr, "pm: {}\n", r.value("error", "the operation failed"));
  for (const auto& f : failures)
    fmt::print(stderr, "pm: {}\n", f);
  return kExitFailed;
}

// `pm daemon`: the daemon in the foreground (systemd's unit runs this). exec, so that the
// pid systemd watches is the daemon's.
int run_daemon(const Options& o) {
  const std::string daemon = daemon_executable();
  if (o.resurrect) {
    ::execl(daemon.c_str(), "pm-daemon", "--resurrect", static_cast<char*>(nullptr));
  } else {
    ::execl(daemon.c_str(), "pm-daemon", static_cast<char*>(nullptr));
  }
  fmt::print(stderr, "pm: cannot run {}: {}\n", daemon, std::strerror(errno));
  return kExitFailed;
}

std::string systemd_unit(const PmHome& home) {
  const char* user = std::getenv("USER");
  const char* path = std::getenv("PATH");
  return fmt::format(
      "[Unit]\n"
      "Description=ClusterLab process manager (pm) for {0}\n"
      "After=network.target\n"
      "\n"
      "[Service]\n"
      "Type=notify\n"
      "User={0}\n"
      "Environment=PM_HOME={1}\n"
      "Environment=PATH={2}\n"
      "ExecStart={3} daemon --resurrect\n"
      "ExecStop={3} kill\n"
      "# pm stops its apps itself (drain, kill_timeout); systemd waits for it.\n"
      "KillMode=mixed\n"
      "TimeoutStopSec=60\n"
      "Restart=on-failure\n"
      "LimitNOFILE=infinity\n"
      "\n"
      "[Install]\n"
      "WantedBy=multi-user.target\n",
      user ? user : "root", home.root, path ? path : "/usr/local/bin:/usr/bin:/bin",
      proc::own_executable());
}

std::vector<LogSource> log_sources(const json& processes, const std::string& target) {
  std::vector<LogSource> sources;
  std::map<std::string, int> colours;
  for (const auto& p : processes) {
    const std::string name = p.value("name", "");
    const std::string id = std::to_string(p.value("pm_id", 0));
    if (target != "all" && target != name && target != id) continue;
    const int colour = colours.emplace(name, static_cast<int>(colours.size())).first->second;
    const std::string prefix = fmt::format("{}|{}|", id, name);
    const json& env = p["pm2_env"];
    for (bool is_error : {false, true}) {
      const std::string path = env.value(is_error ? "pm_err_log_path" : "pm_out_log_path", "");
      const bool seen = std::any_of(sources.begin(), sources.end(),
                                    [&](const LogSource& s) { return s.path == path; });
      if (!seen) sources.push_back({path, prefix, is_error, colour});
    }
  }
  return sources;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "pm: a process manager with PM2's vocabulary: start apps from an ecosystem file, "
      "keep them running, reload them without dropping a request.",
      "pm"};
  app.require_subcommand(1);
  app.footer(
      "State lives in $PM_HOME (default ~/.clusterlab): the daemon's socket, its log, the\n"
      "  apps' logs (logs/), the saved list (dump.json).\n"
      "Exit status: 0 done, 1 an operation failed, 2 bad input (nothing was started).");
  Options o;
  auto add_json = [&](CLI::App* verb) {
    verb->add_flag("--json", o.json, "print the answer as JSON");
  };
  auto add_target = [&](CLI::App* verb, bool required) {
    auto* option = verb->add_option("target", o.target, "an app name, a pm_id, or 'all'");
    if (required) option->required();
  };

  auto* start = app.add_subcommand("start", "start the apps of an ecosystem file, or a program");
  start
      ->add_option("file_or_program", o.start.target,
                   "ecosystem.config.js (.json, .yaml) or a program")
      ->required();
  start->add_option("args", o.start.args, "arguments for the program (after --)");
  start->add_option("--name", o.start.name, "the app's name (a program)");
  start->add_option("-i,--instances", o.start.instances, "instances in cluster mode: N, max, -1")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (text == "max" || text == "-1" || text == "0") return {};
            if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
                text.size() < 5 && std::stoi(text) >= 1) {
              return {};
            }
            return "expected a number of instances, 'max', 0 or -1";
          },
          "N|max|-1"));
  start->add_option("--only", o.start.only, "only these apps of the file")->delimiter(',');
  start->add_option("--env", o.start.env_name, "lay env_NAME over env");
  start->add_flag("--watch", o.start.watch, "restart on a file change");
  add_json(start);

  auto* stop = app.add_subcommand("stop", "stop apps (they stay in the list)");
  auto* restart = app.add_subcommand("restart", "stop then start (the port closes in between)");
  auto* reload = app.add_subcommand("reload", "replace instances one by one, without downtime");
  reload->add_option("--parallel", o.parallel, "instances replaced at once")
      ->check(CLI::Range(1, 1024));
  reload->add_flag("--pm2-timeout-rule", o.take_over_at_timeout,
                   "PM2's rule, to compare: at listen_timeout the new instance replaces the old "
                   "one even if it never came up (loses requests)");
  auto* remove = app.add_subcommand("delete", "stop apps and forget them");
  auto* describe = app.add_subcommand("describe", "everything about an app's processes");
  auto* reset = app.add_subcommand("reset", "reset restart counters");
  auto* flush = app.add_subcommand("flush", "empty log files");
  for (auto* verb : {stop, restart, reload, remove, describe, reset}) {
    add_target(verb, true);
    add_json(verb);
  }
  add_target(flush, false);
  add_json(flush);

  auto* list = app.add_subcommand("list", "the process table");
  list->alias("ls");
  add_json(list);
  auto* jlist = app.add_subcommand("jlist", "the process list as JSON (PM2's shape)");

  auto* logs = app.add_subcommand("logs", "show and follow the apps' logs");
  add_target(logs, false);
  logs->add_option("--lines", o.lines, "lines shown from each log first")->capture_default_str();
  logs->add_flag("--raw", o.raw, "lines without the id|name| prefix");
  logs->add_flag("--nostream", o.no_stream, "print the last lines and exit");

  auto* scale = app.add_subcommand("scale", "set the number of instances: N, +N or -N");
  scale->add_option("name", o.target, "the app")->required();
  scale->add_option("instances", o.instances, "N, +N or -N")
      ->required()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            const std::string digits = text.substr(text.front() == '+' || text.front() == '-');
            return !digits.empty() && digits.size() < 5 &&
                           digits.find_first_not_of("0123456789") == std::string::npos
                       ? std::string()
                       : "expected N, +N or -N";
          },
          "N|+N|-N"));
  add_json(scale);

  auto* send_signal = app.add_subcommand("sendSignal", "send a signal to an app's processes");
  send_signal->add_option("signal", o.signal, "SIGUSR2, USR2 or 12")->required();
  add_target(send_signal, true);
  add_json(send_signal);

  auto* send = app.add_subcommand(
      "send", "send a JSON message to a Node app's process.on('message') (sendDataToProcessId)");
  add_target(send, true);
  send->add_option("message", o.message, "a JSON value: '\"hello\"' or '{\"topic\":1}'")
      ->required()
      ->check(CLI::Validator(
          [](const std::string& text) {
            return json::accept(text) ? std::string()
                                      : "expected a JSON value, such as '\"hello\"' or '{}'";
          },
          "JSON"));
  add_json(send);

  auto* monit = app.add_subcommand("monit", "a live terminal dashboard of every process");
  auto* metrics = app.add_subcommand("metrics", "print every app's figures as Prometheus text");
  auto* dashboard = app.add_subcommand(
      "dashboard", "serve the live web dashboard and /metrics from the daemon, on 127.0.0.1");
  dashboard->add_option("--port", o.dashboard_port, "TCP port; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  add_json(dashboard);

  auto* save = app.add_subcommand("save", "remember the app list for resurrect");
  add_json(save);
  auto* resurrect = app.add_subcommand("resurrect", "start the saved app list");
  add_json(resurrect);
  auto* startup = app.add_subcommand("startup", "print a systemd unit that runs the daemon");
  auto* kill = app.add_subcommand("kill", "stop every app and the daemon");
  add_json(kill);
  auto* ping = app.add_subcommand("ping", "start the daemon if needed and check it answers");
  add_json(ping);
  auto* daemon = app.add_subcommand("daemon", "run the daemon in the foreground (systemd's way)");
  daemon->add_flag("--resurrect", o.resurrect, "start the saved app list");

  if (auto exit_status = cli::parse(app, argc, argv)) return *exit_status;
  if (daemon->parsed()) return run_daemon(o);

  auto home = PmHome::locate();
  if (!home) {
    fmt::print(stderr, "{}\n", home.error().message);
    return cli::kExitUsage;
  }
  if (startup->parsed()) {
    fmt::print("{}", systemd_unit(home.value()));
    fmt::print(stderr,
               "pm: save this as /etc/systemd/system/pm-{0}.service, then: systemctl "
               "daemon-reload && systemctl enable --now pm-{0}\n",
               std::getenv("USER") ? std::getenv("USER") : "root");
    return 0;
  }
  if (kill->parsed()) {
    auto answer = kill_daemon(home.value());
    if (answer && answer.value().is_null()) {
      fmt::print("pm: no daemon runs for {}\n", home.value().root);
      return 0;
    }
    if (!answer || o.json) return report(answer, o, false);
    fmt::print("pm: daemon {} stopped, with its apps\n", answer.value().value("pid", 0));
    return answer.value().value("ok", false) ? 0 : kExitFailed;
  }

  json request;
  std::vector<std::string> warnings;
  if (start->parsed()) {
    auto built = build_start_request(o.start, warnings);
    for (const auto& w : warnings)
      fmt::print(stderr, "pm: warning: {}\n", w);
    if (!built) {
      fmt::print(stderr, "pm: {}\n", built.error().message);
      return cli::kExitUsage;
    }
    request = built.value();
  }
  if (auto s = ensure_daemon(home.value()); !s) {
    fmt::print(stderr, "pm: {}\n", s.error().message);
    return kExitFailed;
  }
  if (start->parsed()) return report(ask_daemon(home.value(), request), o);
  if (ping->parsed()) {
    auto answer = ask_daemon(home.value(), {{"verb", "ping"}});
    if (answer && !o.json) {
      fmt::print("pm: daemon {} answers ({} apps)\n", answer.value().value("pid", 0),
                 answer.value().value("apps", 0));
      return 0;
    }
    return report(answer, o, false);
  }
  if (list->parsed()) return report(ask_daemon(home.value(), {{"verb", "list"}}), o);
  if (monit->parsed()) return run_monit(home.value());
  if (metrics->parsed()) {
    auto answer = ask_daemon(home.value(), {{"verb", "metrics"}});
    if (!answer || !answer.value().value("ok", false)) return report(answer, o, false);
    fmt::print("{}", answer.value().value("text", ""));
    return 0;
  }
  if (dashboard->parsed()) {
    auto answer = ask_daemon(home.value(), {{"verb", "dashboard"}, {"port", o.dashboard_port}});
    if (!answer || o.json || !answer.value().value("ok", false)) return report(answer, o, false);
    const std::string url = answer.value().value("url", "");
    fmt::print("Dashboard on {}\nMetrics on {}metrics\n", url, url);
    return 0;
  }
  if (jlist->parsed()) {
    auto answer = ask_daemon(home.value(), {{"verb", "list"}});
    if (!answer) return report(answer, o, false);
    fmt::print("{}\n", answer.value().value("processes", json::array()).dump());
    return 0;
  }
  if (describe->parsed()) {
    auto answer = ask_daemon(home.value(), {{"verb", "describe"}, {"target", o.target}});
    if (!answer || o.json || !answer.value().value("ok", false)) return report(answer, o, false);
    for (const auto& p : answer.value()["processes"])
      print_description(p, stdout);
    return 0;
  }
  if (logs->parsed()) {
    auto answer = ask_daemon(home.value(), {{"verb", "list"}});
    if (!answer) return report(answer, o, false);
    auto sources = log_sources(answer.value()["processes"], o.target);
    if (sources.empty()) {
      fmt::print(stderr, "pm: process or app '{}' not found\n", o.target);
      return kExitFailed;
    }
    tail_logs(sources, o.lines, o.raw, !o.no_stream);
    return 0;
  }
  if (save->parsed()) {
    auto answer = ask_daemon(home.value(), {{"verb", "save"}});
    if (answer && answer.value().value("ok", false) && !o.json) {
      fmt::print("pm: saved {} app(s) to {}\n", answer.value().value("apps", 0),
                 answer.value().value("path", ""));
      return 0;
    }
    return report(answer, o, false);
  }
  if (resurrect->parsed()) return report(ask_daemon(home.value(), {{"verb", "resurrect"}}), o);
  if (scale->parsed()) {
    return report(ask_daemon(home.value(),
                             {{"verb", "scale"}, {"target", o.target}, {"instances", o.instances}}),
                  o);
  }
  if (send_signal->parsed()) {
    return report(
        ask_daemon(home.value(), {{"verb", "signal"}, {"target", o.target}, {"signal", o.signal}}),
        o, false);
  }
  if (send->parsed()) {
    return report(
        ask_daemon(home.value(),
                   {{"verb", "send"}, {"target", o.target}, {"message", json::parse(o.message)}}),
        o, false);
  }
  if (flush->parsed()) {
    auto answer = ask_daemon(home.value(), {{"verb", "flush"}, {"target", o.target}});
    if (answer && answer.value().value("ok", false) && !o.json) {
      fmt::print("pm: logs flushed\n");
      return 0;
    }
    return report(answer, o, false);
  }
  const std::pair<CLI::App*, const char*> verbs[] = {{stop, "stop"},
                                                     {restart, "restart"},
                                                     {reload, "reload"},
                                                     {remove, "delete"},
                                                     {reset, "reset"}};
  for (const auto& [verb, name] : verbs) {
    if (!verb->parsed()) continue;
    json r = {{"verb", name}, {"target", o.target}};
    if (verb == reload) {
      r["parallel"] = o.parallel;
      r["take_over_at_timeout"] = o.take_over_at_timeout;
    }
    return report(ask_daemon(home.value(), r), o);
  }
  return cli::kExitUsage;
}
