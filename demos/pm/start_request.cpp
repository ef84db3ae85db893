#include "start_request.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "pm/app_config_json.hpp"
#include "pm/ecosystem.hpp"
#include "proc/program_path.hpp"

extern char** environ;

namespace clab::pm {
namespace {

namespace fs = std::filesystem;

int cores() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

std::vector<std::string> cli_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (entry.rfind("CLUSTERLAB_", 0) != 0) env.push_back(entry);
  }
  return env;
}

std::string absolute_from(const std::string& base, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return (fs::path(base) / path).lexically_normal().string();
}

// A program named without a slash that is not in the current directory is looked up on
// PATH by the daemon, like a shell would.
std::string program_path(const std::string& cwd, const std::string& program) {
  if (program.find('/') == std::string::npos && !fs::exists(fs::path(cwd) / program))
    return program;
  return absolute_from(cwd, program);
}

// Refused before the daemon is asked, like any other broken file: a script that is not there
// (or a program not on PATH) would only register errored instances.
Status check_script(const AppConfig& app, const std::string& where, const std::string& given) {
  if (app.interpreter == "none") {
    const char* path = std::getenv("PATH");
    auto program = proc::find_program(app.script, path != nullptr ? path : "");
    if (program) return {};
    return Error{fmt::format("{}: app '{}': script is '{}'; expected an executable file ({})",
                             where, app.name, given, program.error().message)};
  }
  int error = 0;
  if (::access(app.script.c_str(), R_OK) != 0) {
    error = errno;
  } else if (std::error_code ec; fs::is_directory(app.script, ec)) {
    error = EISDIR;
  } else {
    return {};
  }
  return Error{fmt::format("{}: app '{}': script is '{}'; expected a file to run with {} ({}: {})",
                           where, app.name, given, app.interpreter, app.script,
                           std::strerror(error))};
}

}  // namespace

bool is_ecosystem_file(const std::string& target) {
  const std::string name = fs::path(target).filename().string();
  return name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml") ||
         name.ends_with(".config.js") || name.ends_with(".config.cjs") ||
         name.find("ecosystem") != std::string::npos;
}

Result<nlohmann::json> build_start_request(const StartArguments& a,
                                           std::vector<std::string>& warnings) {
  const std::string cwd = fs::current_path().string();
  nlohmann::json apps = nlohmann::json::array();
  const auto environment = cli_environment();
  if (is_ecosystem_file(a.target)) {
    if (!a.args.empty()) {
      return Error{
          fmt::format("pm start: arguments after -- go with a program, not with the "
                      "ecosystem file '{}'",
                      a.target)};
    }
    auto ecosystem = load_ecosystem(a.target, {.env_name = a.env_name, .cores = cores()});
    if (!ecosystem) return ecosystem.error();
    for (auto& w : ecosystem.value().warnings)
      warnings.push_back(w);
    const std::string base = fs::absolute(a.target).parent_path().lexically_normal().string();
    for (auto only : a.only) {
      const bool known = std::any_of(ecosystem.value().apps.begin(), ecosystem.value().apps.end(),
                                     [&](const AppConfig& app) { return app.name == only; });
      if (!known) {
        return Error{
            fmt::format("pm start: --only '{}': {} has no app of that name", only, a.target)};
      }
    }
    for (std::size_t i = 0; i < ecosystem.value().apps.size(); ++i) {
      AppConfig app = ecosystem.value().apps[i];
      if (!a.only.empty() && std::find(a.only.begin(), a.only.end(), app.name) == a.only.end())
        continue;
      const std::string given = app.script;
      app.cwd = app.cwd.empty() ? base : absolute_from(base, app.cwd);
      app.script = app.interpreter == "none" ? program_path(app.cwd, app.script)
                                             : absolute_from(app.cwd, app.script);
      if (auto s = check_script(app, ecosystem.value().script_where[i], given); !s)
        return s.error();
      if (a.watch) app.watch = true;
      auto json = to_json(app);
      json["environment"] = environment;
      apps.push_back(json);
    }
    return nlohmann::json{{"verb", "start"}, {"apps", apps}};
  }

  AppConfig app;
  app.script = a.target;
  app.args = a.args;
  app.cwd = cwd;
  const std::string file = fs::path(a.target).filename().string();
  app.name = a.name.empty() ? file.substr(0, file.find('.')) : a.name;
  const bool javascript = file.ends_with(".js") || file.ends_with(".cjs") || file.ends_with(".mjs");
  app.interpreter = javascript ? "node" : "none";
  app.script = javascript ? absolute_from(cwd, a.target) : program_path(cwd, a.target);
  if (auto s = check_script(app, "pm start", a.target); !s) return s.error();
  if (!a.instances.empty()) {
    // PM2: -i starts cluster mode.
    app.exec_mode = ExecMode::Cluster;
    if (a.instances == "max" || a.instances == "0") {
      app.instances = cores();
    } else if (a.instances == "-1") {
      app.instances = std::max(1, cores() - 1);
    } else {
      app.instances = std::stoi(a.instances);
    }
  }
  if (const char* port = std::getenv("PORT"); port != nullptr) {
    try {
      app.port = std::stoi(port);
    } catch (...) {
    }
  }
  app.watch = a.watch;
  auto json = to_json(app);
  json["environment"] = environment;
  apps.push_back(json);
  return nlohmann::json{{"verb", "start"}, {"apps", apps}};
}

}  // namespace clab::pm
