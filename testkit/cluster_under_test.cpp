#include "testkit/cluster_under_test.hpp"

#include <signal.h>

#include <fmt/format.h>

namespace clab::testkit {

Result<std::unique_ptr<ClusterUnderTest>> ClusterUnderTest::start(const ClusterOptions& options,
                                                                  std::chrono::milliseconds timeout,
                                                                  bool wait_for_workers) {
  std::unique_ptr<ClusterUnderTest> cluster(new ClusterUnderTest());
  proc::SpawnOptions spawn;
  spawn.argv = {options.bin_dir + "/" + options.program,
                "--json",
                "--port",
                "0",
                "--host",
                options.host,
                "--workers",
                std::to_string(options.workers),
                "--policy",
                std::string(to_string(options.policy))};
  spawn.argv.insert(spawn.argv.end(), options.extra_args.begin(), options.extra_args.end());
  if (options.descriptor_limit > 0) {
    spawn.argv.insert(spawn.argv.begin(), {"/bin/sh", "-c",
                                           fmt::format("ulimit -n {} && exec \"$0\" \"$@\"",
                                                       options.descriptor_limit)});
  }
  spawn.merge_stderr = true;  // workers report their stops there: keep them out of the way
  ClusterUnderTest* raw = cluster.get();
  spawn.on_line = [raw](const std::string& line) { raw->on_line(line); };
  auto child = proc::ChildProcess::spawn(std::move(spawn));
  if (!child) return child.error();
  cluster->child_ = std::move(child.value());

  auto primary = cluster->wait_event("primary", timeout);
  if (!primary) return Error{options.program + " did not report its port"};
  cluster->port_ = (*primary)["port"].get<std::uint16_t>();
  for (int i = 0; wait_for_workers && i < options.workers; ++i) {
    if (!cluster->wait_event("listening", timeout)) {
      return Error{fmt::format("only {} of {} workers started listening", i, options.workers)};
    }
  }
  return cluster;
}

void ClusterUnderTest::on_line(const std::string& line) {
  const auto event = nlohmann::json::parse(line, nullptr, false);
  if (!event.is_object()) return;
  if (event.value("event", "") == "metrics") metrics_port_ = event.value("port", std::uint16_t{0});
  if (event.value("event", "") == "dashboard")
    dashboard_port_ = event.value("port", std::uint16_t{0});
  if (!event.contains("worker") || !event["worker"].is_object()) return;
  const pid_t pid = event["worker"].value("pid", 0);
  const int instance = event["worker"].value("instance", -1);
  std::lock_guard lock(mutex_);
  ever_.insert(pid);
  const std::string name = event.value("event", "");
  if (name == "listening") {
    listening_.insert(pid);
    instances_[instance] = pid;
  }
  if (name == "exit") {
    listening_.erase(pid);
    if (instances_[instance] == pid) instances_.erase(instance);
  }
}

std::vector<pid_t> ClusterUnderTest::live_workers() const {
  std::lock_guard lock(mutex_);
  return {listening_.begin(), listening_.end()};
}

std::optional<pid_t> ClusterUnderTest::worker_in_slot(int instance) const {
  std::lock_guard lock(mutex_);
  const auto it = instances_.find(instance);
  if (it == instances_.end()) return std::nullopt;
  return it->second;
}

std::set<pid_t> ClusterUnderTest::all_worker_pids() const {
  std::lock_guard lock(mutex_);
  return ever_;
}

std::optional<nlohmann::json> ClusterUnderTest::wait_event(
    const std::string& event, std::chrono::milliseconds timeout,
    const std::function<bool(const nlohmann::json&)>& match) {
  const std::regex pattern(".*\"event\":\"" + event + "\".*");
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto line = child_->wait_for_line(pattern, &cursor_, left);
    if (!line) return std::nullopt;
    auto parsed = nlohmann::json::parse(line->front(), nullptr, false);
    if (!parsed.is_object()) continue;
    if (!match || match(parsed)) return parsed;
  }
}

std::optional<proc::ExitStatus> ClusterUnderTest::stop(std::chrono::milliseconds timeout) {
  child_->signal(SIGTERM);
  return child_->wait(timeout);
}

std::vector<proc::ProcessInfo> ClusterUnderTest::leftovers() const {
  // Workers stay in the primary's process group, orphaned or not, zombie or not.
  return proc::processes_in_group(child_->process_group());
}

}  // namespace clab::testkit
