// Exercise manifests: what a well-formed one gives, and a clear line for each fault; and the
// learner's progress file.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_text.hpp"
#include "core/temp_directory.hpp"
#include "exercise_manifest.hpp"
#include "exercise_progress.hpp"

namespace clab::lessons {
namespace {

namespace fs = std::filesystem;

class ExerciseManifest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDirectory::create("manifest-test");
    ASSERT_TRUE(dir);
    root_.emplace(std::move(dir).value());
    fs::create_directories(root() + "/03-graceful-shutdown");
    ASSERT_TRUE(write_text_file(root() + "/03-graceful-shutdown/stop.cpp", "int main() {}\n"));
    ASSERT_TRUE(write_text_file(root() + "/03-graceful-shutdown/app.config.js", "{}\n"));
  }
  std::string root() const { return root_->path(); }
  void write_manifest(const std::string& text) {
    ASSERT_TRUE(write_text_file(root() + "/03-graceful-shutdown/manifest", text));
  }
  std::string error_of(const std::string& text) {
    write_manifest(text);
    auto loaded = load_exercises(root());
    return loaded ? std::string("(no error)") : loaded.error().message;
  }

  std::optional<TempDirectory> root_;
};

constexpr const char* kGood =
    "# comment\n"
    "[stop-sequence]\n"
    "title: Stop without losing\n"
    "file: stop.cpp\n"
    "program: graceful-shutdown\n"
    "check: harness run graceful-drain --programs $PROGRAMS\n"
    "timeout: 90\n"
    "hint: first\n"
    "hint: second\n"
    "\n"
    "[app-config]\n"
    "title: A config\n"
    "file: app.config.js\n"
    "check: bash check.sh\n";

TEST_F(ExerciseManifest, GivesEachExerciseWithItsLessonFileAndHints) {
  write_manifest(kGood);
  auto loaded = load_exercises(root());
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto& list = loaded.value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "stop-sequence");
  EXPECT_EQ(list[0].lesson, 3);
  EXPECT_EQ(list[0].program, "graceful-shutdown");
  EXPECT_EQ(list[0].timeout_s, 90);
  EXPECT_EQ(list[0].hints, (std::vector<std::string>{"first", "second"}));
  EXPECT_TRUE(list[0].built());
  EXPECT_EQ(list[0].solution, root() + "/03-graceful-shutdown/solutions/stop.cpp");
  EXPECT_EQ(list[0].relative_file(), "exercises/03-graceful-shutdown/stop.cpp");
  EXPECT_FALSE(list[1].built());
  EXPECT_EQ(list[1].timeout_s, 300);
}

TEST_F(ExerciseManifest, NamesTheFileLineAndFaultOfABrokenOne) {
  const std::string manifest = root() + "/03-graceful-shutdown/manifest";
  EXPECT_EQ(error_of("title: before any section\n"),
            manifest + ":1: 'title: before any section' before the first [exercise-name] line");
  EXPECT_EQ(error_of("[a]\ntitle: t\nfile: stop.cpp\ncheck: c\ncolour: red\n"),
            manifest +
                ":5: unknown key 'colour' (expected title, file, program, check, timeout or hint)");
  EXPECT_EQ(error_of("[a]\ntitle: t\nfile: stop.cpp\ncheck: c\ntimeout: soon\n"),
            manifest + ":5: timeout 'soon': expected whole seconds, 1 to 3600");
  EXPECT_EQ(
      error_of("[a]\ntitle: t\nfile: gone.cpp\ncheck: c\n"),
      manifest + ":1: [a] file '" + root() + "/03-graceful-shutdown/gone.cpp' does not exist");
  EXPECT_EQ(error_of("[a]\nfile: stop.cpp\ncheck: c\n[b]\ntitle: t\n"),
            manifest + ":1: [a] has no title");
  EXPECT_EQ(error_of("[a]\ntitle: t\nfile: stop.cpp\ncheck: c\n[a]\ntitle: t\nfile: stop.cpp\n"
                     "check: c\n"),
            manifest + ": exercise 'a' is named twice");
  EXPECT_EQ(error_of("just words\n"),
            manifest + ":1: 'just words' before the first [exercise-name] line");
}

TEST_F(ExerciseManifest, ProgressIsKeptInAFileAndTheNextIsTheFirstNotDone) {
  write_manifest(kGood);
  auto loaded = load_exercises(root());
  ASSERT_TRUE(loaded);
  const auto& list = loaded.value();
  const std::string path = root() + "/.progress";
  {
    auto progress = ExerciseProgress::load(path);
    ASSERT_TRUE(progress);
    EXPECT_EQ(progress.value().next(list), &list[0]) << "a missing file: nothing done";
    ASSERT_TRUE(progress.value().mark("stop-sequence", true));
  }
  auto again = ExerciseProgress::load(path);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again.value().done("stop-sequence"));
  EXPECT_EQ(again.value().next(list), &list[1]);
  EXPECT_EQ(again.value().next_after(list, &list[1]), &list[1]) << "wraps to the start";
  ASSERT_TRUE(again.value().mark("app-config", true));
  EXPECT_EQ(again.value().next(list), nullptr);
  ASSERT_TRUE(again.value().mark("stop-sequence", false));
  EXPECT_EQ(again.value().next_after(list, &list[1]), &list[0]);
}

}  // namespace
}  // namespace clab::lessons
