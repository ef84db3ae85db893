#include "process_view.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <chrono>

#include "core/text_table.hpp"

namespace clab::pm {
namespace {

using nlohmann::json;

std::string coloured(const std::string& status, std::FILE* out) {
  if (!::isatty(::fileno(out))) return status;
  const char* colour = status == "online"                           ? "\x1b[32m"
                       : status == "errored" || status == "stopped" ? "\x1b[31m"
                                                                    : "\x1b[33m";
  return fmt::format("{}{}\x1b[0m", colour, status);
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string uptime_of(const json& env) {
  const long long started = env.value("pm_uptime", 0LL);
  if (started == 0 || env.value("status", "") != "online") return "0";
  return short_duration(now_ms() - started);
}

}  // namespace

std::string short_duration(long long ms) {
  const long long s = ms / 1000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m", s / 60);
  if (s < 86400) return fmt::format("{}h", s / 3600);
  return fmt::format("{}D", s / 86400);
}

std::string short_memory(unsigned long long bytes) {
  if (bytes < 1024) return fmt::format("{}b", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f}kb", static_cast<double>(bytes) / 1024);
  if (bytes < 1024ull * 1024 * 1024)
    return fmt::format("{:.1f}mb", static_cast<double>(bytes) / (1024 * 1024));
  return fmt::format("{:.1f}gb", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
}

void print_process_table(const json& processes, std::FILE* out) {
  using A = TextTable::Align;
  TextTable table(
      {"id", "name", "mode", "pid", "uptime", "↺", "status", "cpu", "mem"},
      {A::Right, A::Left, A::Left, A::Right, A::Right, A::Right, A::Left, A::Right, A::Right});
  for (const auto& p : processes) {
    const json& env = p["pm2_env"];
    const int pid = p.value("pid", 0);
    table.add_row({std::to_string(p.value("pm_id", 0)), p.value("name", ""),
                   env.value("exec_mode", "") == "cluster_mode" ? "cluster" : "fork",
                   pid ? std::to_string(pid) : "0", uptime_of(env),
                   std::to_string(env.value("restart_time", 0)),
                   coloured(env.value("status", ""), out),
                   fmt::format("{}%", p["monit"].value("cpu", 0.0)),
                   short_memory(p["monit"].value("memory", 0ull))});
  }
  if (processes.empty()) {
    fmt::print(out, "No process is managed. Start one with: pm start ecosystem.config.js\n");
    return;
  }
  table.print(out, TextTable::Style::Boxed);
}

void print_description(const json& p, std::FILE* out) {
  const json& env = p["pm2_env"];
  fmt::print(out, "Describing process with id {} - name {}\n", p.value("pm_id", 0),
             p.value("name", ""));
  TextTable table({"field", "value"});
  auto row = [&](const std::string& key, const std::string& value) { table.add_row({key, value}); };
  row("status", coloured(env.value("status", ""), out));
  row("name", p.value("name", ""));
  row("pm_id", std::to_string(p.value("pm_id", 0)));
  row("pid", std::to_string(p.value("pid", 0)));
  row("exec mode", env.value("exec_mode", ""));
  row("instance", std::to_string(env.value("NODE_APP_INSTANCE", 0)));
  if (env.value("port", 0) != 0) row("port", std::to_string(env.value("port", 0)));
  row("restarts", std::to_string(env.value("restart_time", 0)));
  row("uptime", uptime_of(env));
  row("script path", env.value("pm_exec_path", ""));
  row("script args", env["args"].dump());
  row("interpreter", env.value("exec_interpreter", ""));
  row("exec cwd", env.value("pm_cwd", ""));
  row("out log path", env.value("pm_out_log_path", ""));
  row("error log path", env.value("pm_err_log_path", ""));
  row("kill_timeout", fmt::format("{} ms", env.value("kill_timeout", 0)));
  row("wait_ready", env.value("wait_ready", false) ? "true" : "false");
  row("listen_timeout", fmt::format("{} ms", env.value("listen_timeout", 0)));
  row("max_memory_restart", env.value("max_memory_restart", 0ull)
                                ? short_memory(env.value("max_memory_restart", 0ull))
                                : "none");
  row("cron_restart",
      env.value("cron_restart", "").empty() ? "none" : env.value("cron_restart", ""));
  row("watch", env.value("watch", false) ? "true" : "false");
  row("cpu", fmt::format("{}%", p["monit"].value("cpu", 0.0)));
  row("memory", short_memory(p["monit"].value("memory", 0ull)));
  table.print(out, TextTable::Style::Boxed);
}

}  // namespace clab::pm
