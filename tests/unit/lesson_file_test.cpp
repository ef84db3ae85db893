#include "lesson_file.hpp"

#include <gtest/gtest.h>

namespace clab::lessons {
namespace {

TEST(LessonFile, ParsesTitleProseStepsAndCaptures) {
  auto lesson = parse_lesson_text("lessons/07-demo.md",
                                  "# Demo lesson\n"
                                  "Some prose.\n"
                                  "```step\n"
                                  "title: Start\n"
                                  "start: srv native-cluster --port 0\n"
                                  "expect: port ([0-9]+)\n"
                                  "capture: PORT\n"
                                  "wait: srv Worker ([0-9]+) started\n"
                                  "capture: PID\n"
                                  "as: the first worker's pid\n"
                                  "```\n"
                                  "More prose.\n"
                                  "```step\n"
                                  "title: Stop\n"
                                  "stop: srv\n"
                                  "exit: 0\n"
                                  "```\n"
                                  "The end.\n");
  ASSERT_TRUE(lesson.ok()) << lesson.error().message;
  EXPECT_EQ(lesson->number, 7);
  EXPECT_EQ(lesson->title, "Demo lesson");
  ASSERT_EQ(lesson->steps.size(), 2u);
  const Step& start = lesson->steps[0];
  EXPECT_EQ(start.prose, "Some prose.\n");
  EXPECT_EQ(start.start->first, "srv");
  EXPECT_EQ(start.start->second, "native-cluster --port 0");
  ASSERT_EQ(start.expect.size(), 1u);
  EXPECT_EQ(start.expect[0].capture, std::vector<std::string>{"PORT"});
  ASSERT_EQ(start.waits.size(), 1u);
  EXPECT_EQ(start.waits[0].background, "srv");
  EXPECT_EQ(start.waits[0].capture, std::vector<std::string>{"PID"});
  EXPECT_EQ(start.waits[0].description, "the first worker's pid");
  EXPECT_EQ(start.expect[0].description, "");
  EXPECT_EQ(lesson->steps[1].stop, "srv");
  EXPECT_EQ(lesson->closing, "The end.\n");
}

struct BadLesson {
  std::string name;
  std::string text;
  std::string error;
};
void PrintTo(const BadLesson& c, std::ostream* os) {
  *os << c.name;
}

class LessonFileErrors : public ::testing::TestWithParam<BadLesson> {};

// `error` is the message, or its start where the rest comes from the regex library.
TEST_P(LessonFileErrors, NameTheFileLineAndWhatWasExpected) {
  auto lesson = parse_lesson_text("l.md", GetParam().text);
  ASSERT_FALSE(lesson.ok());
  EXPECT_EQ(lesson.error().message.substr(0, GetParam().error.size()), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LessonFileErrors,
    ::testing::Values(
        BadLesson{"no_title", "prose\n", "l.md: no '# Title' line"},
        BadLesson{"unknown_key", "# T\n```step\nrunn: ls\n```\n",
                  "l.md:3: unknown key 'runn' (expected title, run, start, expect, wait, "
                  "capture, as, stop, exit or timeout)"},
        BadLesson{"not_key_value", "# T\n```step\nls -l\n```\n",
                  "l.md:3: 'ls -l' is not 'key: value'"},
        BadLesson{"unclosed", "# T\n```step\nrun: ls\n",
                  "l.md:2: step block is not closed with ```"},
        BadLesson{"empty_step", "# T\n```step\ntitle: nothing\n```\n",
                  "l.md:2: step has nothing to do (expected run, start, wait or stop)"},
        BadLesson{"bad_regex", "# T\n```step\nrun: ls\nexpect: ([a-\n```\n",
                  "l.md:4: expect '([a-': not a valid regular expression ("},
        BadLesson{"orphan_capture", "# T\n```step\nrun: ls\ncapture: X\n```\n",
                  "l.md:4: capture 'X': capture must follow the expect or wait it captures from"},
        BadLesson{"orphan_as", "# T\n```step\nrun: ls\nas: the files\n```\n",
                  "l.md:4: as 'the files': as must follow the expect or wait it describes"},
        BadLesson{"bad_exit", "# T\n```step\nrun: ls\nexit: zero\n```\n",
                  "l.md:4: exit 'zero': expected a whole number"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace clab::lessons
