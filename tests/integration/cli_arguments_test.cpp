// Every program's answer to bad flags: one line on stderr naming the flag, the value and
// what was expected, and exit status 2.
#include <gtest/gtest.h>

#include "support/run_program.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;
using testing::run_program;

struct BadArguments {
  std::string name;
  std::vector<std::string> argv;
  std::string says;  // the one line must contain this
};
void PrintTo(const BadArguments& c, std::ostream* os) {
  *os << c.name;
}

class CliArguments : public ::testing::TestWithParam<BadArguments> {};

TEST_P(CliArguments, OneClearLineAndExitStatus2) {
  const auto run = run_program(GetParam().argv, 10s);
  EXPECT_EQ(run.code(), 2);
  ASSERT_EQ(run.lines.size(), 1u) << run.text();
  EXPECT_NE(run.lines[0].find(GetParam().says), std::string::npos) << run.lines[0];
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliArguments,
    ::testing::Values(
        BadArguments{"workers_word",
                     {"native-cluster", "--workers", "lots"},
                     "--workers: value 'lots' is not a whole number from 1 to 1024 or 'max'"},
        BadArguments{"workers_zero", {"native-cluster", "--workers", "0"}, "--workers"},
        BadArguments{"policy", {"native-cluster", "--policy", "random"}, "--policy: random not in"},
        BadArguments{"port_range",
                     {"native-cluster", "--port", "70000"},
                     "--port: Value 70000 not in range"},
        BadArguments{"port_word", {"native-cluster", "--port", "http"}, "--port"},
        BadArguments{"unknown_flag", {"native-cluster", "--wokers", "2"}, "--wokers"},
        BadArguments{"cron_schedule",
                     {"cluster-cron", "--schedule", "0 25 * * *"},
                     "--schedule: cron '0 25 * * *': hour field '25': 25 is out of range; "
                     "expected 0-23"},
        BadArguments{"cron_strategy",
                     {"cluster-cron", "--strategy", "leader"},
                     "--strategy: leader not in {every-worker,primary-only,instance-zero,lock,"
                     "queue,lock-released,queue-id-now}"},
        BadArguments{"cron_backend_form",
                     {"cluster-cron", "--backend", "mysql://db"},
                     "cluster-cron: --backend: backend 'mysql://db': unknown backend; expected "
                     "sqlite:PATH or redis://HOST:PORT[/DB]"},
        BadArguments{"cron_backend_down",
                     {"cluster-cron", "--backend", "redis://127.0.0.1:1/0"},
                     "cluster-cron: --backend: redis://127.0.0.1:1/0: cannot connect: "
                     "Connection refused"},
        BadArguments{"cluster_backend_file",
                     {"native-cluster", "--backend", "sqlite:/nonexistent-dir/x.db"},
                     "native-cluster: --backend: sqlite:/nonexistent-dir/x.db: cannot open"},
        BadArguments{"cluster_unknown_model",
                     {"native-cluster", "--model", "fibers"},
                     "--model: fibers not in {event,threads}"},
        BadArguments{"cluster_threads_with_event_model",
                     {"native-cluster", "--model", "event", "--threads", "4"},
                     "--threads: applies to --model threads, not --model event"},
        BadArguments{"app_zero_threads",
                     {"clusterlab-app", "--threads", "0"},
                     "--threads: Value 0 not in range"},
        BadArguments{"cluster_request_timeout_zero",
                     {"native-cluster", "--request-timeout", "0"},
                     "--request-timeout: Value 0 not in range"},
        BadArguments{"cluster_heartbeat_timeout_negative",
                     {"native-cluster", "--heartbeat-timeout", "-5"},
                     "--heartbeat-timeout: Value -5 not in range"},
        BadArguments{"cluster_metrics_port_too_high",
                     {"native-cluster", "--metrics-port", "70000"},
                     "--metrics-port: Value 70000 not in range"},
        BadArguments{"cluster_dashboard_port_word",
                     {"native-cluster", "--dashboard-port", "auto"},
                     "--dashboard-port: Value auto"},
        BadArguments{"pm_dashboard_port_too_high",
                     {"pm", "dashboard", "--port", "65536"},
                     "--port: Value 65536 not in range"},
        BadArguments{"harness_unknown_check",
                     {"harness", "run", "no-such-check"},
                     "harness: unknown check 'no-such-check' (see harness list)"},
        BadArguments{"harness_no_command", {"harness"}, "a subcommand is needed: list, run"},
        BadArguments{"harness_unknown_command",
                     {"harness", "bogus"},
                     "harness: 'bogus' is not a subcommand; the subcommands: list, run"},
        BadArguments{"flag_swallows_flag",
                     {"graceful-shutdown", "--access-log", "--json"},
                     "graceful-shutdown: --access-log needs a value, but the next word is "
                     "'--json' (write --access-log=--json if that is the value)"},
        BadArguments{"short_flag_swallows_flag",
                     {"loadgen", "-H", "--json", "http://127.0.0.1:1/"},
                     "loadgen: -H needs a value, but the next word is '--json'"},
        BadArguments{"subcommand_flag_swallows_flag",
                     {"harness", "run", "--policy", "--json"},
                     "harness: --policy needs a value, but the next word is '--json'"},
        BadArguments{"graceful_access_log_dir",
                     {"graceful-shutdown", "--access-log", "/nonexistent/dir/log"},
                     "graceful-shutdown: --access-log '/nonexistent/dir/log': cannot open it for "
                     "appending: No such file or directory"},
        BadArguments{"lesson_unknown", {"lesson", "99"}, "lesson: no lesson '99'"},
        BadArguments{"loadgen_zero_connections",
                     {"loadgen", "-c", "0", "http://127.0.0.1:1/"},
                     "--connections: Value 0 not in range"},
        BadArguments{"loadgen_https",
                     {"loadgen", "https://127.0.0.1/"},
                     "loadgen: URL 'https://127.0.0.1/': https is not supported, only http://"},
        BadArguments{"loadgen_bad_url",
                     {"loadgen", "127.0.0.1:3000"},
                     "loadgen: URL '127.0.0.1:3000': expected http://host[:port]/path"},
        BadArguments{"loadgen_unreachable",
                     {"loadgen", "-d", "1", "http://127.0.0.1:1/"},
                     "loadgen: cannot connect to 127.0.0.1:1: Connection refused"},
        BadArguments{"loadgen_duration_nan",
                     {"loadgen", "-d", "nan", "http://127.0.0.1:1/"},
                     "loadgen: --duration: value 'nan' is not a number from 0.001 to 86400"},
        BadArguments{"loadgen_duration_inf",
                     {"loadgen", "-d", "inf", "http://127.0.0.1:1/"},
                     "--duration: value 'inf' is not a number"},
        BadArguments{"loadgen_rate_word",
                     {"loadgen", "-R", "fast", "http://127.0.0.1:1/"},
                     "--overallRate: value 'fast' is not a number"},
        BadArguments{"loadgen_method_not_token",
                     {"loadgen", "-m", "GE T", "http://127.0.0.1:1/"},
                     "loadgen: -m 'GE T': a method is one word"},
        BadArguments{"loadgen_header_crlf",
                     {"loadgen", "-H", "X: a\r\nInjected: 1", "http://127.0.0.1:1/"},
                     "loadgen: -H 'X: a\\r\\nInjected: 1': a header value may not hold CR, LF or "
                     "NUL"},
        BadArguments{"loadgen_header_name",
                     {"loadgen", "-H", "Bad Name: 1", "http://127.0.0.1:1/"},
                     "the header name 'Bad Name' is not one word"},
        BadArguments{"loadgen_ipv6_unclosed",
                     {"loadgen", "http://[::1:8080/"},
                     "loadgen: URL 'http://[::1:8080/': expected ']' after the IPv6 address"},
        BadArguments{"cluster_host_name",
                     {"native-cluster", "--host", "example.org"},
                     "'example.org' is not an IPv4 or IPv6 address"},
        BadArguments{"loadgen_header",
                     {"loadgen", "-H", "nocolon", "http://127.0.0.1:1/"},
                     "loadgen: -H 'nocolon': expected 'Name: value'"},
        BadArguments{"loadgen_two_rates",
                     {"loadgen", "-R", "10", "-r", "1", "http://127.0.0.1:1/"},
                     "loadgen: -R and -r: give one rate"},
        BadArguments{"graceful_kill_timeout",
                     {"graceful-shutdown", "--kill-timeout", "-5"},
                     "--kill-timeout: Value -5 not in range"},
        BadArguments{"graceful_ready_delay",
                     {"graceful-shutdown", "--ready-delay", "soon"},
                     "--ready-delay"},
        BadArguments{"graceful_max_restarts",
                     {"graceful-shutdown", "--max-restarts", "0"},
                     "--max-restarts: Value 0 not in range"},
        BadArguments{"loadgen_unknown_flag",
                     {"loadgen", "--conections", "5", "http://127.0.0.1:1/"},
                     "--conections"}),
    [](const auto& info) { return info.param.name; });

TEST(CliArguments, HelpExitsZeroAndListsTheFlags) {
  const auto run = run_program({"native-cluster", "--help"}, 10s);
  EXPECT_EQ(run.code(), 0);
  for (const char* flag :
       {"--workers", "--port", "--policy", "--model", "--json", "--threads", "--request-timeout",
        "--heartbeat-timeout", "--fault-routes", "--metrics-port", "--dashboard-port"}) {
    EXPECT_NE(run.text().find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace clab
