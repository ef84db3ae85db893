// The ecosystem file: PM2's list of apps and how to run each, with PM2's field names,
// defaults and meaning, read from .json, .yaml/.yml or ecosystem.config.js (see
// config_document.hpp). Validation: a wrong type or value is an error naming file:line, the
// app, the field, the value and what is allowed; an unknown field is a warning naming the
// nearest valid one. Nothing is started from a file with an error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "monitor/health_probe.hpp"
#include "pm/config_document.hpp"

namespace clab::pm {

enum class ExecMode { Fork, Cluster };

struct AppConfig {
  std::string name;    // default: the script's file name without its extension
  std::string script;  // required
  std::vector<std::string> args;
  std::string interpreter;  // "none" runs the script itself; default "node" for .js/.cjs/.mjs
  std::vector<std::string> interpreter_args;  // node_args / interpreter_args: before the script
  std::string cwd;
  int instances = 1;  // resolved: 'max' or 0 -> cores, -1 -> cores - 1 (at least 1)
  ExecMode exec_mode = ExecMode::Fork;
  // ClusterLab's own: how cluster-mode instances share the port: round-robin, shared,
  // reuseport (ClusterLab's worker protocol) or socket-activation (LISTEN_FDS, any program).
  std::string listen_policy = "round-robin";
  std::map<std::string, std::string> env;  // env, then env_<name> over it with --env <name>
  int port = 3000;                         // a cluster-mode app's port: env.PORT
  int kill_timeout_ms = 1600;
  bool wait_ready = false;
  int listen_timeout_ms = 3000;
  int heartbeat_timeout_ms = 0;  // ClusterLab's own; 0: off (cluster/worker_group.hpp)
  // ClusterLab's own: an HTTP probe of each fork-mode instance on its PORT (PORT + instance
  // with increment_var 'PORT'); the instance is killed (and restarted) after `failures`.
  std::optional<monitor::ProbeSettings> health_check;
  bool shutdown_with_message = false;
  int min_uptime_ms = 1000;
  int max_restarts = 16;
  int restart_delay_ms = 0;
  int exp_backoff_restart_delay_ms = 0;
  bool autorestart = true;
  std::uint64_t max_memory_restart_bytes = 0;  // 0: no limit; from '300M', '1G', bytes
  std::string cron_restart;                    // a cron expression; empty: none
  std::string instance_var = "NODE_APP_INSTANCE";
  std::string increment_var;
  std::string out_file, error_file, log_file;
  bool merge_logs = false;
  std::string log_date_format;
  bool time = false;
  bool watch = false;                    // true: restart on a change under watch_paths
  std::vector<std::string> watch_paths;  // empty with watch: the app's directory
  std::vector<std::string> ignore_watch;
};

struct Ecosystem {
  std::vector<AppConfig> apps;
  std::vector<std::string> script_where;  // per app: where its script is ("file.js:4")
  std::vector<std::string> warnings;      // one line each, for stderr
};

struct EcosystemOptions {
  std::string env_name;  // --env NAME: env_NAME is laid over env
  int cores = 1;         // what 'max' means
};

Result<Ecosystem> load_ecosystem(const std::string& path, const EcosystemOptions& options);
Result<Ecosystem> interpret_ecosystem(const ConfigDocument& document,
                                      const EcosystemOptions& options);

// An app in resolved form (app_config_json.hpp) at `pointer` in `document`: read by the same
// field readers as a file, so a value a file may not have is refused with the same line;
// an unknown field is an error. Fills `environment` from its "environment" list.
Result<AppConfig> read_resolved_app(const ConfigDocument& document, const std::string& pointer,
                                    int cores, std::vector<std::string>& environment);

// The valid field closest to `word` in spelling, if one is close enough to be a typo.
std::string nearest_field(const std::string& word);

}  // namespace clab::pm
