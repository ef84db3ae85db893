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

Result<ResolvedApp> app_from_json(const ConfigDocument& document, const std::string& pointer,
                                  int cores) {
  ResolvedApp app;
  auto config = read_resolved_app(document, pointer, cores, app.environment);
  if (!config) return config.error();
  app.config = std::move(config).value();
  return app;
}

}  // namespace clab::pm
