#include "pm/ecosystem.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "sched/cron_expression.hpp"

namespace clab::pm {
namespace {

using nlohmann::json;

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Reads one app object into an AppConfig; the first wrong value is the error.
class AppReader {
 public:
  // How strict: a file's unknown field is a warning (a typo, or a PM2 field pm does not
  // have); a resolved app's (the CLI's request, dump.json) is an error, as the CLI sends none.
  enum class Form { File, Resolved };

  AppReader(const ConfigDocument& document, std::string pointer, const json& app,
            const EcosystemOptions& options, std::vector<std::string>& warnings,
            Form form = Form::File)
      : document_(document),
        pointer_(std::move(pointer)),
        app_(app),
        options_(options),
        warnings_(warnings),
        form_(form) {}

  Result<AppConfig> read();
  // A resolved app's `environment` (NAME=value entries), once read.
  std::vector<std::string> take_environment() { return std::move(environment_); }

  // How each field of an app is read: the field names pm knows are this table's keys.
  using Reader = Status (*)(const AppReader&, const std::string& key, const json& value,
                            AppConfig& app);
  static const std::map<std::string, Reader>& readers();
  // The fields only a resolved app has: what the CLI worked out from the file and its
  // environment (port, watch_paths), and the environment itself.
  static const std::map<std::string, Reader>& resolved_readers();

 private:
  std::string at(const std::string& key) const { return document_.where(pointer_ + "/" + key); }
  Error wrong(const std::string& key, const json& value, const std::string& expected) const {
    return Error{fmt::format("{}: app '{}': {} is {}; expected {}", at(key), label_, key,
                             shown_value(value), expected)};
  }
  Status text(const std::string& key, const json& v, std::string& out) const {
    if (!v.is_string()) return wrong(key, v, "a string");
    out = v.get<std::string>();
    return {};
  }
  Status flag(const std::string& key, const json& v, bool& out) const {
    if (!v.is_boolean()) return wrong(key, v, "true or false");
    out = v.get<bool>();
    return {};
  }
  Status whole(const std::string& key, const json& v, int& out, int min,
               const std::string& unit) const {
    if (!whole_number_in(v, min, 1 << 30)) {
      return wrong(key, v, fmt::format("a whole number of {}, {} or more", unit, min));
    }
    out = v.get<int>();
    return {};
  }
  Status strings(const std::string& key, const json& v, std::vector<std::string>& out) const;
  // A string split on spaces (PM2's way with args), or a list of strings.
  Status words(const std::string& key, const json& v, std::vector<std::string>& out) const;
  Status instances(const std::string& key, const json& v, AppConfig& app) const;
  Status memory(const std::string& key, const json& v, AppConfig& app) const;
  Status health_check(const std::string& key, const json& v, AppConfig& app) const;
  Status environment(const std::string& key, const json& v,
                     std::map<std::string, std::string>& out) const;
  Status field(const std::string& key, const json& v, AppConfig& app) const;

  const ConfigDocument& document_;
  std::string pointer_;
  const json& app_;
  const EcosystemOptions& options_;
  std::vector<std::string>& warnings_;
  Form form_;
  std::string label_;  // the app's name (at most 80 characters of it), or its position
  std::vector<std::string> environment_;
};

Status AppReader::strings(const std::string& key, const json& v,
                          std::vector<std::string>& out) const {
  out.clear();
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return {};
  }
  if (!v.is_array()) return wrong(key, v, "a string or a list of strings");
  for (const auto& item : v) {
    if (!item.is_string()) return wrong(key, v, "a string or a list of strings");
    out.push_back(item.get<std::string>());
  }
  return {};
}

Status AppReader::words(const std::string& key, const json& v,
                        std::vector<std::string>& out) const {
  if (v.is_string()) {  // PM2 splits a string of arguments on spaces
    out.clear();
    std::istringstream words(v.get<std::string>());
    for (std::string w; words >> w;)
      out.push_back(w);
    return {};
  }
  return strings(key, v, out);
}

Status AppReader::instances(const std::string& key, const json& v, AppConfig& app) const {
  const std::string expected =
      "a whole number of instances, 'max' or 0 for one per core, -1 for one fewer";
  int count = 0;
  if (v.is_string() && v.get<std::string>() == "max") {
    count = 0;
  } else if (whole_number_in(v, -1, 1024)) {
    count = v.get<int>();
  } else {
    return wrong(key, v, expected);
  }
  if (count == 0) count = options_.cores;
  if (count == -1) count = std::max(1, options_.cores - 1);
  app.instances = count;
  return {};
}

Status AppReader::memory(const std::string& key, const json& v, AppConfig& app) const {
  const std::string expected = "a size such as '300M', '1G', '512K', or a number of bytes";
  if (v.is_number_unsigned()) {  // a number of bytes; 0: no limit
    app.max_memory_restart_bytes = v.get<std::uint64_t>();
    return {};
  }
  static const std::regex size(R"(^\s*([0-9]+(?:\.[0-9]+)?)\s*([KkMmGg])?[Bb]?\s*$)");
  std::smatch m;
  const std::string text = v.is_string() ? v.get<std::string>() : "";
  if (!std::regex_match(text, m, size)) return wrong(key, v, expected);
  const double number = std::stod(m[1]);
  const char unit = m[2].matched ? static_cast<char>(std::toupper(m[2].str()[0])) : 'B';
  const double scale = unit == 'K'   ? 1024.0
                       : unit == 'M' ? 1024.0 * 1024
                       : unit == 'G' ? 1024.0 * 1024 * 1024
                                     : 1;
  if (number * scale < 1) return wrong(key, v, expected);
  app.max_memory_restart_bytes = static_cast<std::uint64_t>(number * scale);
  return {};
}

Status AppReader::health_check(const std::string& key, const json& v, AppConfig& app) const {
  const std::string expected =
      "an object such as {path: '/health', interval: 1000, timeout: 500, failures: 3}";
  if (v.is_null()) {  // none
    app.health_check.reset();
    return {};
  }
  if (!v.is_object()) return wrong(key, v, expected);
  monitor::ProbeSettings probe;
  for (const auto& [name, value] : v.items()) {
    const std::string field = key + "." + name;
    int ms = 0;
    if (name == "path") {
      if (!value.is_string() || value.get<std::string>().rfind('/', 0) != 0)
        return wrong(field, value, "a path starting with '/'");
      probe.path = value.get<std::string>();
    } else if (name == "interval") {
      if (auto s = whole(field, value, ms, 10, "ms"); !s) return s;
      probe.interval = std::chrono::milliseconds(ms);
    } else if (name == "timeout") {
      if (auto s = whole(field, value, ms, 1, "ms"); !s) return s;
      probe.timeout = std::chrono::milliseconds(ms);
    } else if (name == "failures") {
      if (auto s = whole(field, value, probe.failures, 1, "failures"); !s) return s;
    } else {
      return wrong(key, v, expected + " (no '" + name + "')");
    }
  }
  app.health_check = probe;
  return {};
}

Status AppReader::environment(const std::string& key, const json& v,
                              std::map<std::string, std::string>& out) const {
  if (!v.is_object()) return wrong(key, v, "an object of NAME: value");
  for (const auto& [name, value] : v.items()) {
    if (value.is_string()) {
      out[name] = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      out[name] = value.dump();
    } else if (!value.is_null()) {
      return Error{
          fmt::format("{}: app '{}': {}.{} is {}; expected a string, a number or a "
                      "boolean",
                      document_.where(pointer_ + "/" + key + "/" + name), label_, key, name,
                      shown_value(value))};
    }
  }
  return {};
}

const std::map<std::string, AppReader::Reader>& AppReader::readers() {
  static const std::map<std::string, Reader> table = {
      {"name", [](const AppReader& r, const std::string& key, const json& x,
                  AppConfig& app) { return r.text(key, x, app.name); }},
      {"script", [](const AppReader& r, const std::string& key, const json& x,
                    AppConfig& app) { return r.text(key, x, app.script); }},
      {"args", [](const AppReader& r, const std::string& key, const json& x,
                  AppConfig& app) { return r.words(key, x, app.args); }},
      {"interpreter", [](const AppReader& r, const std::string& key, const json& x,
                         AppConfig& app) { return r.text(key, x, app.interpreter); }},
      {"interpreter_args", [](const AppReader& r, const std::string& key, const json& x,
                              AppConfig& app) { return r.words(key, x, app.interpreter_args); }},
      {"node_args", [](const AppReader& r, const std::string& key, const json& x,
                       AppConfig& app) { return r.words(key, x, app.interpreter_args); }},
      {"cwd", [](const AppReader& r, const std::string& key, const json& x,
                 AppConfig& app) { return r.text(key, x, app.cwd); }},
      {"instances", [](const AppReader& r, const std::string& key, const json& x,
                       AppConfig& app) { return r.instances(key, x, app); }},
      {"exec_mode",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) -> Status {
         const std::string mode = x.is_string() ? x.get<std::string>() : "";
         if (mode == "fork" || mode == "fork_mode") {
           app.exec_mode = ExecMode::Fork;
         } else if (mode == "cluster" || mode == "cluster_mode") {
           app.exec_mode = ExecMode::Cluster;
         } else {
           return r.wrong(key, x, "'fork' or 'cluster'");
         }
         return {};
       }},
      {"listen_policy",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) -> Status {
         const std::string policy = x.is_string() ? x.get<std::string>() : "";
         if (policy != "round-robin" && policy != "shared" && policy != "reuseport" &&
             policy != "socket-activation") {
           return r.wrong(key, x, "'round-robin', 'shared', 'reuseport' or 'socket-activation'");
         }
         app.listen_policy = policy;
         return {};
       }},
      {"env", [](const AppReader& r, const std::string& key, const json& x,
                 AppConfig& app) { return r.environment(key, x, app.env); }},
      {"kill_timeout",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) {
         return r.whole(key, x, app.kill_timeout_ms, 0, "ms");
       }},
      {"wait_ready", [](const AppReader& r, const std::string& key, const json& x,
                        AppConfig& app) { return r.flag(key, x, app.wait_ready); }},
      {"listen_timeout",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) {
         return r.whole(key, x, app.listen_timeout_ms, 1, "ms");
       }},
      {"heartbeat_timeout",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) {
         return r.whole(key, x, app.heartbeat_timeout_ms, 0, "ms");
       }},
      {"health_check", [](const AppReader& r, const std::string& key, const json& x,
                          AppConfig& app) { return r.health_check(key, x, app); }},
      {"shutdown_with_message",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) {
         return r.flag(key, x, app.shutdown_with_message);
       }},
      {"min_uptime", [](const AppReader& r, const std::string& key, const json& x,
                        AppConfig& app) { return r.whole(key, x, app.min_uptime_ms, 0, "ms"); }},
      {"max_restarts",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) {
         return r.whole(key, x, app.max_restarts, 0, "restarts");
       }},
      {"restart_delay",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) {
         return r.whole(key, x, app.restart_delay_ms, 0, "ms");
       }},
      {"exp_backoff_restart_delay",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) {
         return r.whole(key, x, app.exp_backoff_restart_delay_ms, 0, "ms");
       }},
      {"autorestart", [](const AppReader& r, const std::string& key, const json& x,
                         AppConfig& app) { return r.flag(key, x, app.autorestart); }},
      {"max_memory_restart", [](const AppReader& r, const std::string& key, const json& x,
                                AppConfig& app) { return r.memory(key, x, app); }},
      {"cron_restart",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) -> Status {
         if (auto s = r.text(key, x, app.cron_restart); !s) return s;
         if (app.cron_restart.empty()) return {};  // none
         if (auto cron = sched::CronExpression::parse(app.cron_restart); !cron) {
           return r.wrong(key, x, "a cron expression (" + cron.error().message + ")");
         }
         return {};
       }},
      {"instance_var", [](const AppReader& r, const std::string& key, const json& x,
                          AppConfig& app) { return r.text(key, x, app.instance_var); }},
      {"increment_var", [](const AppReader& r, const std::string& key, const json& x,
                           AppConfig& app) { return r.text(key, x, app.increment_var); }},
      {"out_file", [](const AppReader& r, const std::string& key, const json& x,
                      AppConfig& app) { return r.text(key, x, app.out_file); }},
      {"error_file", [](const AppReader& r, const std::string& key, const json& x,
                        AppConfig& app) { return r.text(key, x, app.error_file); }},
      {"log_file", [](const AppReader& r, const std::string& key, const json& x,
                      AppConfig& app) { return r.text(key, x, app.log_file); }},
      {"merge_logs", [](const AppReader& r, const std::string& key, const json& x,
                        AppConfig& app) { return r.flag(key, x, app.merge_logs); }},
      {"log_date_format", [](const AppReader& r, const std::string& key, const json& x,
                             AppConfig& app) { return r.text(key, x, app.log_date_format); }},
      {"time", [](const AppReader& r, const std::string& key, const json& x,
                  AppConfig& app) { return r.flag(key, x, app.time); }},
      {"watch",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) -> Status {
         if (x.is_boolean()) {
           app.watch = x.get<bool>();
           return {};
         }
         app.watch = true;
         return r.strings(key, x, app.watch_paths);
       }},
      {"ignore_watch", [](const AppReader& r, const std::string& key, const json& x,
                          AppConfig& app) { return r.strings(key, x, app.ignore_watch); }},
  };
  return table;
}

const std::map<std::string, AppReader::Reader>& AppReader::resolved_readers() {
  static const std::map<std::string, Reader> table = {
      {"port",
       [](const AppReader& r, const std::string& key, const json& x, AppConfig& app) -> Status {
         if (!whole_number_in(x, 0, 65535))
           return r.wrong(key, x, "a port from 0 (any free one) to 65535");
         app.port = x.get<int>();
         return {};
       }},
      {"watch_paths", [](const AppReader& r, const std::string& key, const json& x,
                         AppConfig& app) { return r.strings(key, x, app.watch_paths); }},
  };
  return table;
}

Status AppReader::field(const std::string& key, const json& v, AppConfig& app) const {
  auto reader = readers().find(key);
  if (form_ == Form::Resolved && reader == readers().end()) {
    reader = resolved_readers().find(key);
    if (reader == resolved_readers().end()) {
      return Error{
          fmt::format("{}: app '{}': unknown field {}; expected the fields of "
                      "docs/pm-protocol.md",
                      at(key), label_, shown_value(key))};
    }
  }
  if (reader == readers().end()) {
    if (key.rfind("env_", 0) == 0) return {};  // read after env, when chosen with --env
    const std::string nearest = nearest_field(key);
    warnings_.push_back(fmt::format("unknown field '{}' in app '{}' ({}){}", key, label_, at(key),
                                    nearest.empty() ? "" : "; did you mean '" + nearest + "'?"));
    return {};
  }
  return reader->second(*this, key, v, app);
}

Result<AppConfig> AppReader::read() {
  if (!app_.is_object()) {
    return Error{fmt::format("{}: an app is {}; expected an object with at least 'script'",
                             document_.where(pointer_), app_.dump())};
  }
  label_ = app_.contains("name") && app_["name"].is_string()
               ? app_["name"].get<std::string>().substr(0, 80)
               : "#" + pointer_.substr(pointer_.rfind('/') + 1);
  AppConfig app;
  for (const auto& [key, value] : app_.items()) {
    if (form_ == Form::Resolved && key == "environment") {
      if (!value.is_array()) return wrong(key, value, "a list of \"NAME=value\" strings");
      if (auto s = strings(key, value, environment_); !s) return s.error();
      continue;
    }
    if (auto s = field(key, value, app); !s) return s.error();
  }
  if (app.script.empty()) {
    return Error{fmt::format("{}: app '{}' has no script; expected script: 'path/to/program'",
                             document_.where(pointer_), label_)};
  }
  if (!options_.env_name.empty()) {
    const std::string key = "env_" + options_.env_name;
    if (app_.contains(key)) {
      if (auto s = environment(key, app_[key], app.env); !s) return s.error();
    }
  }
  if (app.name.empty()) {
    const auto slash = app.script.rfind('/');
    app.name = app.script.substr(slash == std::string::npos ? 0 : slash + 1);
    app.name = app.name.substr(0, app.name.find('.'));
  }
  if (app.interpreter.empty()) {
    const bool javascript =
        app.script.ends_with(".js") || app.script.ends_with(".cjs") || app.script.ends_with(".mjs");
    app.interpreter = javascript ? "node" : "none";
  }
  if (const auto port = app.env.find("PORT"); port != app.env.end()) {
    int value = 0;
    try {
      value = std::stoi(port->second);
    } catch (...) {
    }
    if (value < 0 || value > 65535 || std::to_string(value) != port->second) {
      return Error{fmt::format(
          "{}: app '{}': env.PORT is '{}'; expected a port from 0 (any free one) to 65535",
          document_.where(pointer_ + "/env/PORT"), label_, port->second)};
    }
    app.port = value;
  }
  if (app.health_check && (app.exec_mode != ExecMode::Fork || app.port == 0)) {
    return Error{fmt::format(
        "{}: app '{}': health_check probes each instance on its own port: it needs exec_mode "
        "'fork' and env.PORT (cluster-mode ClusterLab workers have heartbeat_timeout)",
        document_.where(pointer_ + "/health_check"), label_)};
  }
  return app;
}

}  // namespace

std::string nearest_field(const std::string& word) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& [name, reader] : AppReader::readers()) {
    const std::size_t d = edit_distance(word, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

Result<Ecosystem> interpret_ecosystem(const ConfigDocument& document,
                                      const EcosystemOptions& options) {
  const json& root = document.root;
  std::string apps_pointer = "/apps";
  const json* apps = nullptr;
  Ecosystem ecosystem;
  if (root.is_array()) {
    apps = &root;
    apps_pointer = "";
  } else if (root.is_object() && root.contains("apps")) {
    apps = &root["apps"];
    for (const auto& [key, value] : root.items()) {
      if (key != "apps" && key != "deploy") {
        ecosystem.warnings.push_back(fmt::format(
            "unknown top-level field '{}' ({}); pm reads 'apps'", key, document.where("/" + key)));
      }
    }
  }
  if (apps == nullptr || (!apps->is_array() && !apps->is_object())) {
    return Error{fmt::format("{}: no apps; expected {{ apps: [ {{ name, script, ... }} ] }}",
                             document.where(apps_pointer))};
  }
  const json list = apps->is_object() ? json::array({*apps}) : *apps;
  if (list.empty()) {
    return Error{
        fmt::format("{}: apps is empty; expected at least one app", document.where(apps_pointer))};
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string pointer =
        apps->is_object() ? apps_pointer : apps_pointer + "/" + std::to_string(i);
    auto app = AppReader(document, pointer, list[i], options, ecosystem.warnings).read();
    if (!app) return app.error();
    for (const auto& other : ecosystem.apps) {
      if (other.name == app->name) {
        return Error{fmt::format("{}: two apps are named '{}'; expected each name once",
                                 document.where(pointer), app->name)};
      }
    }
    ecosystem.apps.push_back(std::move(app.value()));
    ecosystem.script_where.push_back(document.where(pointer + "/script"));
  }
  return ecosystem;
}

Result<AppConfig> read_resolved_app(const ConfigDocument& document, const std::string& pointer,
                                    int cores, std::vector<std::string>& environment) {
  std::vector<std::string> warnings;  // none: a resolved app's unknown field is an error
  const EcosystemOptions options{.cores = cores};
  const json* app = &document.root;
  if (!pointer.empty()) app = &document.root.at(json::json_pointer(pointer));
  AppReader reader(document, pointer, *app, options, warnings, AppReader::Form::Resolved);
  auto config = reader.read();
  if (config) environment = reader.take_environment();
  return config;
}

Result<Ecosystem> load_ecosystem(const std::string& path, const EcosystemOptions& options) {
  auto document = read_config_document(path);
  if (!document) return document.error();
  return interpret_ecosystem(document.value(), options);
}

}  // namespace clab::pm
