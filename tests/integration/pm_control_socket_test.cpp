// The daemon's control socket, attacked the way a process of the same uid could: over a
// thousand generated malformed requests (wrong types, missing and unknown fields, huge
// numbers, deep nesting, bytes that are not UTF-8, a 10 MB line, a connection that never
// sends its newline, a thousand connections at once). The daemon answers each one or closes
// it, never crashes, registers no app, holds no descriptor more afterwards, and still
// answers ping.
//
// Regression: {"verb":"start","apps":[{... "listen_policy":"bogus"}]} was accepted ("ok":
// true, an instance with pid 0) and the daemon dereferenced an empty optional on it;
// {"verb":"stop","target":5} threw out of the handler.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.hpp"
#include "pm/control_socket.hpp"
#include "proc/process_table.hpp"
#include "support/bin_dir.hpp"
#include "testkit/pm_under_test.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testkit::PmUnderTest;

using testing::kBin;
using Clock = std::chrono::steady_clock;

// A connection to the daemon's socket, written and read as raw bytes.
class RawClient {
 public:
  static std::optional<RawClient> connect(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (!fd ||
        ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      return std::nullopt;
    }
    return RawClient(std::move(fd));
  }
  bool send_all(std::string_view bytes) {
    for (std::size_t sent = 0; sent < bytes.size();) {
      const ssize_t n = ::send(fd_.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;  // the daemon may close on a request it refused
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Everything the daemon sends until it closes the connection; nullopt if it does not
  // close it within `timeout`.
  std::optional<std::string> read_until_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string text;
    char buffer[65536];
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      const ssize_t n = ::read(fd_.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return text;  // closed (or reset after a refusal)
      text.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  explicit RawClient(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// The verbs and the request fields of docs/pm-protocol.md, and values none of them takes.
const std::vector<std::string> kVerbs = {"ping",     "list",   "figures",   "metrics", "dashboard",
                                         "start",    "save",   "resurrect", "kill",    "scale",
                                         "describe", "flush",  "reset",     "signal",  "stop",
                                         "restart",  "reload", "delete"};
const std::vector<std::string> kFields = {
    "target",       "apps", "port", "instances", "signal", "parallel", "take_over_at_timeout",
    "no_such_field"};

std::vector<json> values_no_field_takes() {
  json nested = json::array();
  for (int i = 0; i < 40; ++i)
    nested = json::array({nested});
  return {nullptr,
          json::array(),
          json::object(),
          -1,
          -1.5,
          1e300,
          json(std::numeric_limits<std::uint64_t>::max()),
          std::string(300, 'x'),
          nested};
}

// What a valid app looks like to the CLI; each malformed one changes one field of it.
json valid_app() {
  return {{"name", "fuzzed"},      {"script", "/nonexistent/program"},
          {"interpreter", "none"}, {"instances", 1},
          {"exec_mode", "fork"},   {"environment", json::array()}};
}
const std::vector<std::string> kAppFields = {"name",
                                             "script",
                                             "args",
                                             "interpreter",
                                             "interpreter_args",
                                             "node_args",
                                             "cwd",
                                             "instances",
                                             "exec_mode",
                                             "listen_policy",
                                             "env",
                                             "port",
                                             "kill_timeout",
                                             "wait_ready",
                                             "listen_timeout",
                                             "heartbeat_timeout",
                                             "health_check",
                                             "shutdown_with_message",
                                             "min_uptime",
                                             "max_restarts",
                                             "restart_delay",
                                             "exp_backoff_restart_delay",
                                             "autorestart",
                                             "max_memory_restart",
                                             "cron_restart",
                                             "instance_var",
                                             "increment_var",
                                             "out_file",
                                             "error_file",
                                             "log_file",
                                             "merge_logs",
                                             "log_date_format",
                                             "time",
                                             "watch",
                                             "watch_paths",
                                             "ignore_watch",
                                             "environment",
                                             "no_such_field"};

// Values no app field takes.
std::vector<json> app_values_no_field_takes() {
  return {-1.5, 1e300, json::array({json::object()}), json{{"a", json::array({1})}}};
}

std::vector<std::string> malformed_requests() {
  std::vector<std::string> lines;
  for (const auto& verb : kVerbs) {
    for (const auto& field : kFields) {
      for (const auto& value : values_no_field_takes())
        lines.push_back(json{{"verb", verb}, {field, value}}.dump() + "\n");
    }
  }
  for (const auto& field : kAppFields) {
    for (const auto& value : app_values_no_field_takes()) {
      json app = valid_app();
      app[field] = value;
      lines.push_back(json{{"verb", "start"}, {"apps", {app}}}.dump() + "\n");
    }
  }
  json no_script = valid_app();
  no_script.erase("script");
  for (const json& app : {no_script, json(5), json("app"), json::array()})
    lines.push_back(json{{"verb", "start"}, {"apps", {app}}}.dump() + "\n");
  for (const char* value : {"bogus", "", "ROUND-ROBIN"}) {
    json app = valid_app();
    app["exec_mode"] = "cluster";
    app["listen_policy"] = value;
    lines.push_back(json{{"verb", "start"}, {"apps", {app}}}.dump() + "\n");
  }
  // Missing required fields, wrong shapes, wrong verbs.
  for (const char* text : {R"({"verb":"start"})",
                           R"({"verb":"start","apps":[]})",
                           R"({"verb":"start","apps":{}})",
                           R"({"verb":"scale","target":"x"})",
                           R"({"verb":"signal"})",
                           R"({"verb":"scale"})",
                           R"({"verb":"reload","parallel":0})",
                           R"({"verb":"reload","parallel":100000})",
                           R"({"verb":"scale","target":"x","instances":"+99999999999"})",
                           R"({"verb":"stop","target":"99999999999999999999"})",
                           R"({"verb":5})",
                           R"({"verb":""})",
                           R"({"verb":null})",
                           R"({})",
                           R"([])",
                           R"("ping")",
                           R"(17)",
                           R"(null)",
                           R"({"verb")",
                           R"({"verb":"ping",})",
                           R"({"verb":"ping"}{"verb":"ping"})",
                           "\x01\x02\x03",
                           "{\"verb\":\"st\xff\xfeop\"}",
                           "{\"verb\":\"stop\",\"target\":\"\xc3\"}",
                           "{\"verb\":\"\xed\xa0\x80\"}"}) {
    lines.push_back(std::string(text) + "\n");
  }
  // Nested a million deep, in a field and as the whole request.
  lines.push_back(R"({"verb":"stop","target":)" + std::string(1000000, '[') + "\n");
  lines.push_back(std::string(1000000, '{') + "\n");
  // 10 MB in one string.
  lines.push_back(json{{"verb", "stop"}, {"target", std::string(10 << 20, 'a')}}.dump() + "\n");
  return lines;
}

std::size_t open_descriptors(pid_t pid) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

class PmControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pm = PmUnderTest::create(kBin);
    ASSERT_TRUE(pm.ok()) << pm.error().message;
    pm_ = std::move(pm).value();
    ASSERT_EQ(pm_->pm({"ping"}).code, 0);
    socket_ = pm_->home() + "/pm.sock";
    daemon_ = pm_->daemon_pid();
    ASSERT_GT(daemon_, 0);
  }
  // Waits (with a deadline) for the daemon to hold `count` descriptors: it closes a
  // connection once it has written its answer, which may be a moment after we read it.
  bool holds(std::size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (open_descriptors(daemon_) != count) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }
  std::unique_ptr<PmUnderTest> pm_;
  std::string socket_;
  pid_t daemon_ = 0;
};

TEST_F(PmControlSocketTest, EveryMalformedRequestIsAnsweredAndTheDaemonLivesOn) {
  const std::size_t before = open_descriptors(daemon_);
  // One that never sends its newline: answered (and closed) by the daemon's deadline.
  auto idle = RawClient::connect(socket_);
  ASSERT_TRUE(idle);
  ASSERT_TRUE(idle->send_all(R"({"verb":"ping")"));
  const auto idle_since = Clock::now();

  const auto requests = malformed_requests();
  ASSERT_GE(requests.size(), 1000u);
  std::size_t refused = 0;
  for (const auto& line : requests) {
    auto client = RawClient::connect(socket_);
    ASSERT_TRUE(client) << "the daemon stopped accepting after " << refused << " requests";
    (void)client->send_all(line);
    const auto answer = client->read_until_closed(10s);
    ASSERT_TRUE(answer) << "not answered nor closed: " << line.substr(0, 200);
    ASSERT_TRUE(proc::is_running(daemon_)) << "the daemon died on: " << line.substr(0, 200);
    if (answer->empty()) continue;  // closed without an answer: allowed, never a crash
    ASSERT_EQ(answer->find('\n'), answer->size() - 1) << "one line: " << *answer;
    const auto response = json::parse(*answer, nullptr, false);
    ASSERT_TRUE(response.is_object()) << *answer;
    EXPECT_FALSE(response.value("ok", true)) << line.substr(0, 200) << " -> " << *answer;
    EXPECT_FALSE(response.value("error", "").empty()) << *answer;
    EXPECT_LT(answer->size(), 2000u) << "an error is one short line: " << answer->substr(0, 200);
    ++refused;
  }
  EXPECT_GE(refused, 1000u) << "answered with an error, not only closed";

  // A field, its value and what is allowed, for the bug that started this.
  json bogus = valid_app();
  bogus["exec_mode"] = "cluster";
  bogus["listen_policy"] = "bogus";
  auto reply = pm::call_daemon(socket_, {{"verb", "start"}, {"apps", {bogus}}}, 5000);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply.value().value("error", ""),
            "start request: app 'fuzzed': listen_policy is \"bogus\"; expected 'round-robin', "
            "'shared', 'reuseport' or 'socket-activation'");
  reply = pm::call_daemon(socket_, {{"verb", "reload"}, {"parallel", -3}}, 5000);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply.value().value("error", ""),
            "reload request: field 'parallel' is -3; expected a whole number from 1 to 1024");

  // A thousand connections at once, each then asking ping.
  std::vector<RawClient> many;
  for (int i = 0; i < 1000; ++i) {
    auto client = RawClient::connect(socket_);
    ASSERT_TRUE(client) << "connection " << i;
    many.push_back(std::move(*client));
  }
  for (auto& client : many)
    ASSERT_TRUE(client.send_all("{\"verb\":\"ping\"}\n"));
  for (auto& client : many) {
    const auto answer = client.read_until_closed(10s);
    ASSERT_TRUE(answer);
    EXPECT_TRUE(json::parse(*answer, nullptr, false).value("ok", false)) << *answer;
  }
  many.clear();

  const auto idle_answer = idle->read_until_closed(10s);
  ASSERT_TRUE(idle_answer) << "a connection without a newline is still open";
  EXPECT_GE(Clock::now() - idle_since, 4s) << "closed before its deadline";
  EXPECT_NE(idle_answer->find("no request line within"), std::string::npos) << *idle_answer;

  EXPECT_TRUE(holds(before, 5s)) << "the daemon holds " << open_descriptors(daemon_)
                                 << " descriptors, " << before << " before";
  const auto ping = pm::call_daemon(socket_, {{"verb", "ping"}}, 5000);
  ASSERT_TRUE(ping.ok()) << ping.error().message;
  EXPECT_TRUE(ping.value().value("ok", false));
  EXPECT_EQ(ping.value().value("pid", 0), daemon_);
  const auto list = pm_->jlist();
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_TRUE(list.value().empty())
      << "a malformed request registered an app: " << list.value().dump();
}

}  // namespace
}  // namespace clab
