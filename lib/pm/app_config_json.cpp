#include "pm/app_config_json.hpp"

#include <fmt/format.h>

namespace clab::pm {

using nlohmann::json;

json to_json(const AppConfig& a) {
  json health_check;  // null without one
  if (a.health_check) {
    health_check = {{"path", a.health_check->path},
                    {"interval", a.health_check->interval.count()},
                    {"timeout", a.health_check->timeout.count()},
                    {"failures", a.health_check->failures}};
  }
  return {{"name", a.name},
          {"script", a.script},
          {"args", a.args},
          {"interpreter", a.interpreter},
          {"interpreter_args", a.interpreter_args},
          {"cwd", a.cwd},
          {"instances", a.instances},
          {"exec_mode", a.exec_mode == ExecMode::Cluster ? "cluster" : "fork"},
          {"listen_policy", a.listen_policy},
          {"env", a.env},
          {"port", a.port},
          {"kill_timeout", a.kill_timeout_ms},
          {"wait_ready", a.wait_ready},
          {"listen_timeout", a.listen_timeout_ms},
          {"heartbeat_timeout", a.heartbeat_timeout_ms},
          {"shutdown_with_message", a.shutdown_with_message},
          {"min_uptime", a.min_uptime_ms},
          {"max_restarts", a.max_restarts},
          {"restart_delay", a.restart_delay_ms},
          {"exp_backoff_restart_delay", a.exp_backoff_restart_delay_ms},
          {"autorestart", a.autorestart},
          {"max_memory_restart", a.max_memory_restart_bytes},
          {"cron_restart", a.cron_restart},
          {"instance_var", a.instance_var},
          {"increment_var", a.increment_var},
          {"out_file", a.out_file},
          {"error_file", a.error_file},
          {"log_file", a.log_file},
          {"merge_logs", a.merge_logs},
          {"log_date_format", a.log_date_format},
          {"time", a.time},
          {"watch", a.watch},
          {"watch_paths", a.watch_paths},
          {"ignore_watch", a.ignore_watch},
          {"health_check", health_check}};
}

Result<AppConfig> app_from_json(const json& j) {
  if (!j.is_object()) return Error{"an app is not a JSON object"};
  AppConfig a;
  std::string field;
  try {
    auto get = [&](const char* key, auto& out) {
      field = key;
      if (auto it = j.find(key); it != j.end()) it->get_to(out);
    };
    std::string mode = "fork";
    get("name", a.name);
    get("script", a.script);
    get("args", a.args);
    get("interpreter", a.interpreter);
    get("interpreter_args", a.interpreter_args);
    get("cwd", a.cwd);
    get("instances", a.instances);
    get("exec_mode", mode);
    a.exec_mode = mode == "cluster" ? ExecMode::Cluster : ExecMode::Fork;
    get("listen_policy", a.listen_policy);
    get("env", a.env);
    get("port", a.port);
    get("kill_timeout", a.kill_timeout_ms);
    get("wait_ready", a.wait_ready);
    get("listen_timeout", a.listen_timeout_ms);
    get("heartbeat_timeout", a.heartbeat_timeout_ms);
    get("shutdown_with_message", a.shutdown_with_message);
    get("min_uptime", a.min_uptime_ms);
    get("max_restarts", a.max_restarts);
    get("restart_delay", a.restart_delay_ms);
    get("exp_backoff_restart_delay", a.exp_backoff_restart_delay_ms);
    get("autorestart", a.autorestart);
    get("max_memory_restart", a.max_memory_restart_bytes);
    get("cron_restart", a.cron_restart);
    get("instance_var", a.instance_var);
    get("increment_var", a.increment_var);
    get("out_file", a.out_file);
    get("error_file", a.error_file);
    get("log_file", a.log_file);
    get("merge_logs", a.merge_logs);
    get("log_date_format", a.log_date_format);
    get("time", a.time);
    get("watch", a.watch);
    get("watch_paths", a.watch_paths);
    get("ignore_watch", a.ignore_watch);
    field = "health_check";
    if (auto it = j.find("health_check"); it != j.end() && it->is_object()) {
      monitor::ProbeSettings probe;
      probe.path = it->value("path", probe.path);
      probe.interval = std::chrono::milliseconds(it->value("interval", probe.interval.count()));
      probe.timeout = std::chrono::milliseconds(it->value("timeout", probe.timeout.count()));
      probe.failures = it->value("failures", probe.failures);
      a.health_check = probe;
    }
  } catch (const json::exception& e) {
    return Error{fmt::format("app field '{}': {}", field, e.what())};
  }
  if (a.name.empty() || a.script.empty()) return Error{"an app needs a name and a script"};
  if (a.instances < 1) return Error{"an app's instances must be at least 1"};
  return a;
}

}  // namespace clab::pm
