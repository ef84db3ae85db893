#include "testkit/pm_under_test.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <fstream>
#include <thread>

#include "proc/child_process.hpp"
#include "proc/process_table.hpp"

namespace clab::testkit {

Result<std::unique_ptr<PmUnderTest>> PmUnderTest::create(std::string bin_dir) {
  auto directory = TempDirectory::create("clusterlab-pm");
  if (!directory) return directory.error();
  std::unique_ptr<PmUnderTest> pm(
      new PmUnderTest(std::move(bin_dir), std::move(directory.value())));
  return pm;
}

PmUnderTest::~PmUnderTest() {
  const pid_t daemon = daemon_pid();
  if (daemon != 0 && proc::is_running(daemon)) {
    app_pids();
    (void)pm({"kill"}, {}, std::chrono::seconds(30));
    if (proc::is_running(daemon)) ::kill(daemon, SIGKILL);
  }
  for (pid_t pid : seen_) {
    if (proc::is_running(pid)) ::kill(pid, SIGKILL);
  }
  for (pid_t group : daemons_)
    proc::ChildProcess::untrack_group(group);
}

PmUnderTest::Run PmUnderTest::pm(std::vector<std::string> args,
                                 std::vector<std::pair<std::string, std::string>> env,
                                 std::chrono::seconds timeout) {
  args.insert(args.begin(), bin_dir_ + "/pm");
  env.emplace_back("PM_HOME", home());
  auto child = proc::ChildProcess::spawn({.argv = args, .env = env, .merge_stderr = true});
  Run run;
  if (!child) {
    run.text = child.error().message;
    return run;
  }
  auto status = (*child)->wait(timeout);
  if (status) {
    (void)(*child)->wait_for_output_end(std::chrono::seconds(10));
    run.code = status->code;
  }
  for (const auto& line : (*child)->lines())
    run.text += line + "\n";
  // The daemon leads a session of its own: an interrupted test or harness kills its group
  // (the daemon and its apps) along with its own children.
  if (const pid_t daemon = daemon_pid(); daemon != 0 && daemons_.insert(daemon).second)
    proc::ChildProcess::track_group(daemon);
  app_pids();
  return run;
}

Result<nlohmann::json> PmUnderTest::jlist() {
  const Run run = pm({"jlist"});
  if (run.code != 0) return Error{"pm jlist: " + run.text};
  auto list = nlohmann::json::parse(run.text, nullptr, false);
  if (!list.is_array()) return Error{"pm jlist printed no JSON array: " + run.text};
  for (const auto& p : list) {
    if (p.value("pid", 0) > 0) seen_.insert(p["pid"].get<pid_t>());
  }
  return list;
}

Result<std::vector<nlohmann::json>> PmUnderTest::processes(const std::string& app) {
  auto list = jlist();
  if (!list) return list.error();
  std::vector<nlohmann::json> out;
  for (const auto& p : list.value()) {
    if (p.value("name", "") == app) out.push_back(p);
  }
  return out;
}

Result<std::uint16_t> PmUnderTest::port_of(const std::string& app) {
  auto list = processes(app);
  if (!list) return list.error();
  for (const auto& p : list.value()) {
    const int port = p["pm2_env"].value("port", 0);
    if (port > 0) return static_cast<std::uint16_t>(port);
  }
  return Error{fmt::format("app '{}' has no port in pm jlist", app)};
}

bool PmUnderTest::wait_online(const std::string& app, std::size_t instances,
                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto list = processes(app);
    if (list && list.value().size() == instances &&
        std::all_of(list.value().begin(), list.value().end(), [](const nlohmann::json& p) {
          return p["pm2_env"].value("status", "") == "online" && p.value("pid", 0) > 0;
        })) {
      return true;
    }
    // Polling the daemon's own answer, with a deadline: there is no event to wait on here.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void PmUnderTest::write_file(const std::string& name, const std::string& text,
                             bool executable) const {
  {
    std::ofstream out(path(name));
    out << text;
  }
  if (executable) ::chmod(path(name).c_str(), 0755);
}

pid_t PmUnderTest::daemon_pid() const {
  std::ifstream in(home() + "/pm.pid");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

std::vector<pid_t> PmUnderTest::app_pids() {
  std::vector<pid_t> out;
  const pid_t daemon = daemon_pid();
  if (daemon == 0) return out;
  for (const auto& child : proc::children_of(daemon)) {
    out.push_back(child.pid);
    seen_.insert(child.pid);
  }
  return out;
}

std::vector<pid_t> PmUnderTest::surviving_apps() const {
  std::vector<pid_t> out;
  for (pid_t pid : seen_) {
    if (proc::is_running(pid)) out.push_back(pid);
  }
  return out;
}

}  // namespace clab::testkit
