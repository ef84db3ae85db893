// Every lesson runs to the end in --auto mode: each step's claim holds on this machine.
#include <gtest/gtest.h>

#include "support/run_program.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;
using testing::run_program;

class Lesson : public ::testing::TestWithParam<int> {};

TEST_P(Lesson, RunsEveryStepInAutoMode) {
  const auto run = run_program({"lesson", std::to_string(GetParam()), "--auto"}, 300s);
  ASSERT_TRUE(run.status.has_value()) << "the lesson did not finish in 300 s\n" << run.text();
  EXPECT_EQ(run.code(), 0) << run.text();
  EXPECT_NE(run.text().find("complete"), std::string::npos) << run.text();
  // Piped, the prose is plain text, and each check is said in words, not as a pattern.
  EXPECT_EQ(run.text().find('\033'), std::string::npos) << "an escape code in piped output";
  EXPECT_EQ(run.text().find("saw /"), std::string::npos) << run.text();
}

INSTANTIATE_TEST_SUITE_P(Lessons, Lesson, ::testing::Values(1, 2, 3, 4, 5, 6, 7));

TEST(LessonProgram, ListShowsEveryLesson) {
  const auto run = run_program({"lesson", "list"}, 30s);
  EXPECT_EQ(run.code(), 0);
  EXPECT_NE(run.text().find("Native clustering"), std::string::npos) << run.text();
  EXPECT_NE(run.text().find("The process manager"), std::string::npos) << run.text();
  EXPECT_NE(run.text().find("Load testing"), std::string::npos) << run.text();
  EXPECT_NE(run.text().find("Graceful shutdown"), std::string::npos) << run.text();
  EXPECT_NE(run.text().find("Cluster-aware scheduling"), std::string::npos) << run.text();
  EXPECT_NE(run.text().find("Leases, fencing and faults"), std::string::npos) << run.text();
  EXPECT_NE(run.text().find("Monitoring"), std::string::npos) << run.text();
}

}  // namespace
}  // namespace clab
