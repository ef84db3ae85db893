#include "proc/child_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include "proc/process_table.hpp"

namespace clab::proc {
namespace {

using namespace std::chrono_literals;

TEST(ChildProcess, ReadsOutputLineByLineAndTheExitCode) {
  auto child = ChildProcess::spawn({.argv = {"sh", "-c", "echo one; echo two; exit 3"}});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 3);
  ASSERT_TRUE((*child)->wait_for_output_end(5s));
  EXPECT_EQ((*child)->lines(), (std::vector<std::string>{"one", "two"}));
}

TEST(ChildProcess, WaitsForAMatchingLineAndItsGroups) {
  auto child = ChildProcess::spawn({.argv = {"sh", "-c", "echo noise; echo port=4242; sleep 5"}});
  ASSERT_TRUE(child.ok());
  std::size_t cursor = 0;
  auto match = (*child)->wait_for_line(std::regex("port=([0-9]+)"), &cursor, 5s);
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ((*match)[1], "4242");
  EXPECT_EQ(cursor, 2u);
}

TEST(ChildProcess, WaitForLineGivesUpWhenOutputEnds) {
  auto child = ChildProcess::spawn({.argv = {"true"}});
  ASSERT_TRUE(child.ok());
  std::size_t cursor = 0;
  EXPECT_FALSE((*child)->wait_for_line(std::regex("never"), &cursor, 5s).has_value());
}

TEST(ChildProcess, DestructorKillsTheWholeProcessGroup) {
  pid_t group = 0;
  {
    auto child = ChildProcess::spawn({.argv = {"sh", "-c", "sleep 60 & sleep 60 & echo up; wait"}});
    ASSERT_TRUE(child.ok());
    std::size_t cursor = 0;
    ASSERT_TRUE((*child)->wait_for_line(std::regex("up"), &cursor, 5s));
    group = (*child)->process_group();
    EXPECT_GE(processes_in_group(group).size(), 3u);
  }
  // The orphaned sleeps got SIGKILL before the destructor returned; they are not our
  // children, so give the kernel a moment to finish them, then none may be running.
  EXPECT_TRUE(wait_until_group_stopped(group, 5s).empty());
}

TEST(ChildProcess, ReportsTheSignalThatKilledIt) {
  auto child = ChildProcess::spawn({.argv = {"sleep", "60"}});
  ASSERT_TRUE(child.ok());
  (*child)->signal(SIGTERM);
  const auto status = (*child)->wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->signal, SIGTERM);
  EXPECT_EQ(status->describe(), "signal 15 (SIGTERM)");
}

TEST(ChildProcess, AMissingProgramExitsWith127) {
  auto child = ChildProcess::spawn({.argv = {"/nonexistent/program"}, .merge_stderr = true});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 127);
}

}  // namespace
}  // namespace clab::proc
