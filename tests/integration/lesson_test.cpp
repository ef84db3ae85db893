// Every lesson runs to the end in --auto mode: each step's claim holds on this machine.
#include <gtest/gtest.h>

#include "proc/child_process.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;

class Lesson : public ::testing::TestWithParam<int> {};

TEST_P(Lesson, RunsEveryStepInAutoMode) {
  auto child = proc::ChildProcess::spawn(
      {.argv = {std::string(CLUSTERLAB_BIN_DIR) + "/lesson", std::to_string(GetParam()), "--auto"},
       .merge_stderr = true});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(300s);
  ASSERT_TRUE(status.has_value()) << "the lesson did not finish in 300 s";
  ASSERT_TRUE((*child)->wait_for_output_end(10s));
  std::string text;
  for (const auto& l : (*child)->lines())
    text += l + "\n";
  EXPECT_EQ(status->code, 0) << text;
  EXPECT_NE(text.find("complete"), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(Lessons, Lesson, ::testing::Values(1));

TEST(LessonProgram, ListShowsEveryLesson) {
  auto child =
      proc::ChildProcess::spawn({.argv = {std::string(CLUSTERLAB_BIN_DIR) + "/lesson", "list"}});
  ASSERT_TRUE(child.ok());
  const auto status = (*child)->wait(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0);
  ASSERT_TRUE((*child)->wait_for_output_end(5s));
  std::string text;
  for (const auto& l : (*child)->lines())
    text += l + "\n";
  EXPECT_NE(text.find("Native clustering"), std::string::npos) << text;
}

}  // namespace
}  // namespace clab
