// The exercises: each one fails its check as shipped and passes with its reference solution,
// applied to a copy of the exercises folder as a learner edits theirs; the verbs that list,
// hint and reset them; and `lesson watch` on a real terminal (tmux) turning an exercise
// green when its file is saved solved, then moving on to the next.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file_text.hpp"
#include "core/temp_directory.hpp"
#include "exercise_manifest.hpp"
#include "support/run_command.hpp"
#include "support/run_program.hpp"
#include "support/test_names.hpp"
#include "support/tmux_session.hpp"

namespace clab {
namespace lessons {
// For gtest's messages: an exercise by its name.
void PrintTo(const Exercise& e, std::ostream* os) {
  *os << e.name;
}
}  // namespace lessons

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::run_program;

const std::string kExercises = CLUSTERLAB_SOURCE_DIR "/exercises";

std::vector<lessons::Exercise> shipped_exercises() {
  auto loaded = lessons::load_exercises(kExercises);
  return loaded ? std::move(loaded).value() : std::vector<lessons::Exercise>{};
}

// A copy of the exercises folder, without the progress of whoever built the tree.
class ExerciseCopy {
 public:
  static std::optional<ExerciseCopy> make() {
    auto dir = TempDirectory::create("exercises-copy");
    if (!dir) return std::nullopt;
    ExerciseCopy copy(std::move(dir).value());
    fs::copy(kExercises, copy.path(), fs::copy_options::recursive);
    fs::remove(copy.path() + "/.progress");
    return copy;
  }
  std::string path() const { return directory_.path(); }
  // Where the copy keeps the file of an exercise of the shipped folder.
  std::string file_of(const lessons::Exercise& e) const {
    return path() + "/" + fs::path(e.directory).filename().string() + "/" +
           fs::path(e.file).filename().string();
  }
  // Writes the reference solution over the learner's file, in place (as an editor saves).
  bool solve(const lessons::Exercise& e) const {
    auto solution = read_text_file(e.solution);
    return solution && write_text_file(file_of(e), solution.value());
  }

 private:
  explicit ExerciseCopy(TempDirectory directory) : directory_(std::move(directory)) {}
  TempDirectory directory_;
};

class EveryExercise : public ::testing::TestWithParam<lessons::Exercise> {};

TEST_P(EveryExercise, FailsAsShippedAndPassesWithItsSolution) {
  const auto& e = GetParam();
  auto copy = ExerciseCopy::make();
  ASSERT_TRUE(copy);
  const std::vector<std::string> check = {"lesson", "check", e.name, "--exercises", copy->path()};
  const auto unsolved = run_program(check, std::chrono::seconds(e.timeout_s + 300));
  ASSERT_TRUE(unsolved.status) << "lesson check did not end\n" << unsolved.text();
  EXPECT_EQ(unsolved.code(), 1) << unsolved.text();
  EXPECT_NE(unsolved.text().find(e.name + " not solved yet: its check failed"), std::string::npos)
      << "it must build as shipped, and fail its check\n"
      << unsolved.text();
  EXPECT_NE(unsolved.text().find("\n    FAIL"), std::string::npos) << "what failed, in words\n"
                                                                   << unsolved.text();

  ASSERT_TRUE(fs::exists(e.solution)) << e.solution;
  ASSERT_TRUE(copy->solve(e));
  const auto solved = run_program(check, std::chrono::seconds(e.timeout_s + 300));
  ASSERT_TRUE(solved.status) << "lesson check did not end\n" << solved.text();
  EXPECT_EQ(solved.code(), 0) << solved.text();
  EXPECT_NE(solved.text().find("✓ " + e.name + " solved"), std::string::npos) << solved.text();
  auto progress = read_text_file(copy->path() + "/.progress");
  ASSERT_TRUE(progress) << "a solved exercise is recorded in exercises/.progress";
  EXPECT_NE(progress.value().find(e.name + "\n"), std::string::npos) << progress.value();
}

INSTANTIATE_TEST_SUITE_P(Exercises, EveryExercise, ::testing::ValuesIn(shipped_exercises()),
                         [](const auto& info) { return testing::test_name(info.param.name); });

TEST(Exercises, TheListShowsAtLeastTwelveOverSixLessonsNoneDone) {
  auto copy = ExerciseCopy::make();
  ASSERT_TRUE(copy);
  const auto json =
      run_program({"lesson", "exercises", "--json", "--exercises", copy->path()}, 30s, false);
  ASSERT_EQ(json.code(), 0) << json.text();
  const auto list = nlohmann::json::parse(json.text());
  std::map<int, int> per_lesson;
  for (const auto& e : list) {
    ++per_lesson[e["lesson"].get<int>()];
    EXPECT_FALSE(e["done"].get<bool>()) << e.dump();
  }
  EXPECT_GE(list.size(), 12u);
  EXPECT_GE(per_lesson.size(), 6u);
  for (const auto& [lesson, count] : per_lesson)
    EXPECT_GE(count, 2) << "lesson " << lesson;

  const auto table = run_program({"lesson", "exercises", "--exercises", copy->path()}, 30s);
  EXPECT_EQ(table.code(), 0);
  EXPECT_NE(table.text().find(fmt::format("0 of {} done; next: shared-counter", list.size())),
            std::string::npos)
      << table.text();
}

TEST(Exercises, HintAndResetWorkOnALearnersCheckout) {
  auto copy = ExerciseCopy::make();
  ASSERT_TRUE(copy);
  const auto hint = run_program({"lesson", "hint", "sessions", "--exercises", copy->path()}, 30s);
  EXPECT_EQ(hint.code(), 0);
  EXPECT_NE(hint.text().find("Hints for sessions"), std::string::npos) << hint.text();
  EXPECT_NE(hint.text().find("  1. "), std::string::npos) << hint.text();

  // reset takes the file back from git, as a learner's clone has it.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"init", "-q"},
           {"add", "."},
           {"-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "exercises"}}) {
    std::vector<std::string> argv = {"git", "-C", copy->path()};
    argv.insert(argv.end(), args.begin(), args.end());
    ASSERT_EQ(testing::run_command({.argv = argv, .merge_stderr = true}, 30s).code(), 0);
  }
  const std::string file = copy->path() + "/01-native-clustering/sessions.cpp";
  const auto original = read_text_file(file);
  ASSERT_TRUE(original);
  ASSERT_TRUE(write_text_file(file, "half an edit\n"));
  const auto reset = run_program({"lesson", "reset", "sessions", "--exercises", copy->path()}, 30s);
  EXPECT_EQ(reset.code(), 0) << reset.text();
  EXPECT_EQ(read_text_file(file).value(), original.value());
}

TEST(Exercises, BadUsageGetsOneLineAndStatusTwo) {
  const auto unknown = run_program({"lesson", "check", "no-such"}, 30s);
  EXPECT_EQ(unknown.code(), 2);
  EXPECT_EQ(unknown.text(), "lesson: no exercise 'no-such' (see lesson exercises)\n");
  const auto no_name = run_program({"lesson", "reset"}, 30s);
  EXPECT_EQ(no_name.code(), 2) << no_name.text();
  auto copy = ExerciseCopy::make();
  ASSERT_TRUE(copy);
  ASSERT_TRUE(write_text_file(copy->path() + "/02-process-manager/manifest", "[x]\nfile: a\n"));
  const auto broken = run_program({"lesson", "exercises", "--exercises", copy->path()}, 30s);
  EXPECT_EQ(broken.code(), 2);
  EXPECT_EQ(broken.text(),
            "lesson: " + copy->path() + "/02-process-manager/manifest:1: [x] has no title\n");
}

TEST(LessonWatch, AnExerciseSavedSolvedTurnsGreenWithoutARestart) {
  const auto exercises = shipped_exercises();
  const auto percentile = std::find_if(exercises.begin(), exercises.end(),
                                       [](const auto& e) { return e.name == "percentile"; });
  ASSERT_NE(percentile, exercises.end());
  ASSERT_NE(percentile + 1, exercises.end());
  auto copy = ExerciseCopy::make();
  ASSERT_TRUE(copy);
  auto session = testing::TmuxSession::start({"env", "LANG=C.UTF-8",
                                              std::string(CLUSTERLAB_BIN_DIR) + "/lesson", "watch",
                                              "percentile", "--exercises", copy->path()});
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->wait_for_text("percentile not solved yet", 300s)) << session->screen();
  ASSERT_TRUE(session->wait_for_text("Waiting for a save", 10s)) << session->screen();
  ASSERT_TRUE(session->send_keys({"h", "Enter"}));
  EXPECT_TRUE(session->wait_for_text("Hint 1 of", 10s)) << session->screen();

  ASSERT_TRUE(copy->solve(*percentile));
  EXPECT_TRUE(session->wait_for_text("saved: checking it again", 30s)) << session->screen();
  EXPECT_TRUE(session->wait_for_text("✓ percentile solved", 300s)) << session->screen();
  const auto& next = *(percentile + 1);
  EXPECT_TRUE(session->wait_for_text("· " + next.name + " ━━", 30s))
      << "it moves on to the next exercise\n"
      << session->screen();
  EXPECT_TRUE(session->wait_for_text(next.name + " not solved yet", 300s)) << session->screen();
  ASSERT_TRUE(session->send_keys({"q", "Enter"}));
  EXPECT_TRUE(session->wait_for_text("Left " + next.name + " unsolved", 10s)) << session->screen();
  auto progress = read_text_file(copy->path() + "/.progress");
  ASSERT_TRUE(progress);
  EXPECT_NE(progress.value().find("percentile\n"), std::string::npos) << progress.value();
}

}  // namespace
}  // namespace clab
