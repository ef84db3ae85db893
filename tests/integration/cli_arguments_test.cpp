// Every program's answer to bad flags: one line on stderr naming the flag, the value and
// what was expected, and exit status 2.
#include <gtest/gtest.h>

#include "proc/child_process.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;

struct BadArguments {
  std::string name;
  std::vector<std::string> argv;
  std::string says;  // the one line must contain this
};

class CliArguments : public ::testing::TestWithParam<BadArguments> {};

TEST_P(CliArguments, OneClearLineAndExitStatus2) {
  std::vector<std::string> argv = GetParam().argv;
  argv[0] = std::string(CLUSTERLAB_BIN_DIR) + "/" + argv[0];
  auto child = proc::ChildProcess::spawn({.argv = argv, .merge_stderr = true});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 2);
  ASSERT_TRUE((*child)->wait_for_output_end(5s));
  const auto lines = (*child)->lines();
  ASSERT_EQ(lines.size(), 1u) << "expected one line, got " << lines.size();
  EXPECT_NE(lines[0].find(GetParam().says), std::string::npos) << lines[0];
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
        BadArguments{"harness_unknown_check",
                     {"harness", "run", "no-such-check"},
                     "harness: unknown check 'no-such-check' (see harness list)"},
        BadArguments{"harness_no_command", {"harness"}, "A subcommand is required"},
        BadArguments{"lesson_unknown", {"lesson", "99"}, "lesson: no lesson '99'"}),
    [](const auto& info) { return info.param.name; });

TEST(CliArguments, HelpExitsZeroAndListsTheFlags) {
  auto child = proc::ChildProcess::spawn(
      {.argv = {std::string(CLUSTERLAB_BIN_DIR) + "/native-cluster", "--help"}});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0);
  ASSERT_TRUE((*child)->wait_for_output_end(5s));
  std::string all;
  for (const auto& l : (*child)->lines())
    all += l + "\n";
  for (const char* flag : {"--workers", "--port", "--policy", "--json", "--threads"}) {
    EXPECT_NE(all.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace clab
