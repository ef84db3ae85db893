// What the lessons and docs claim, pinned where a claim was once wrong: each row below is a
// statement corrected against Node's, PM2's, NestJS's or BullMQ's own sources, and a
// regression to the wrong one fails here. Also: no lesson step names a file under /tmp
// (each run has its own $LESSON_DIR), and a check whose pattern has no words says in words
// what it checks.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "lesson_file.hpp"

namespace clab::lessons {
namespace {

// The file's text with every run of white space made one space, so that where a line
// breaks does not matter.
std::string read(const std::string& relative) {
  std::ifstream in(std::string(CLUSTERLAB_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return std::regex_replace(text.str(), std::regex(R"(\s+)"), " ");
}

struct Claim {
  std::string name;
  std::string file;
  std::string wrong;  // a regular expression the text must not match ("" for none)
  std::string right;  // text it must hold
};
void PrintTo(const Claim& c, std::ostream* os) {
  *os << c.name;
}

class LessonClaims : public ::testing::TestWithParam<Claim> {};

TEST_P(LessonClaims, TheTextSaysWhatIsTrue) {
  const std::string text = read(GetParam().file);
  ASSERT_FALSE(text.empty()) << GetParam().file;
  if (!GetParam().wrong.empty()) {
    EXPECT_FALSE(std::regex_search(text, std::regex(GetParam().wrong)))
        << GetParam().file << " says /" << GetParam().wrong << "/ again";
  }
  EXPECT_NE(text.find(GetParam().right), std::string::npos)
      << GetParam().file << " no longer says: " << GetParam().right;
}

INSTANTIATE_TEST_SUITE_P(
    Corrected, LessonClaims,
    ::testing::Values(
        Claim{"fork_copies_no_timers", "lessons/04-cluster-aware-scheduling.md",
              "[Ff]orking copies|copies (its|the) timers", "runs your entry file from the top"},
        Claim{"lock_at_most_once", "lessons/04-cluster-aware-scheduling.md", "",
              "That is *at most once*"},
        Claim{"queue_at_least_once", "lessons/04-cluster-aware-scheduling.md", "",
              "*at least once*"},
        Claim{"jobid_while_kept", "lessons/04-cluster-aware-scheduling.md", "",
              "with `removeOnComplete` a finished job is deleted"},
        Claim{"wait_ready_in_pm2", "lessons/03-graceful-shutdown.md", "",
              "PM2 carries on as if the worker were ready"},
        Claim{"nest_hook_order", "lessons/03-graceful-shutdown.md", "",
              "| 4 | exit | `onApplicationShutdown`, then exit |"},
        Claim{"seed_handler_sigint_only", "lessons/03-graceful-shutdown.md", "",
              "It listens for SIGINT only"},
        Claim{"drain_flags_are_ours", "README.md", "PM2's defaults: [^.]*--drain-timeout",
              "ClusterLab's own: `--drain-timeout 1500`"},
        Claim{"node_resend", "docs/pitfalls.md", "as Node does",
              "a connection in flight to a worker that dies is not re-sent"},
        Claim{"node_reuse_port", "docs/architecture.md", "SO_REUSEPORT \\| \\(none\\)",
              "`listen({ reusePort: true })` since Node 23.1.0 and 22.12.0"},
        Claim{"reuseport_migration", "lessons/06-load-testing.md", "",
              "`net.ipv4.tcp_migrate_req`"},
        Claim{"one_connections_rate", "lessons/06-load-testing.md",
              "the server can only answer 20 a second", "can carry only 20 a second"},
        Claim{"graceful_stop_is_ours", "lessons/01-native-clustering.md", "",
              "That graceful stop is ClusterLab's choice, not Node's."},
        Claim{"waits_overlap_in_node", "docs/results.md", "",
              "A Node process overlaps its waits in one event loop"}),
    [](const auto& info) { return info.param.name; });

TEST(LessonSteps, NameNoFileUnderTmpAndSayInWordsWhatTheyCheck) {
  auto lessons = load_lessons(std::string(CLUSTERLAB_SOURCE_DIR) + "/lessons");
  ASSERT_TRUE(lessons.ok()) << lessons.error().message;
  const std::regex has_a_word("[A-Za-z]{3}");
  for (const auto& lesson : lessons.value()) {
    for (const auto& step : lesson.steps) {
      const std::string where = lesson.path + ":" + std::to_string(step.line);
      const std::string run = step.run.value_or("") + (step.start ? step.start->second : "");
      EXPECT_EQ(run.find("/tmp"), std::string::npos) << where << ": use $LESSON_DIR";
      EXPECT_EQ(run.find("mktemp"), std::string::npos) << where << ": use $LESSON_DIR";
      for (const auto* list : {&step.expect, &step.waits}) {
        for (const auto& expectation : *list) {
          if (std::regex_search(expectation.pattern, has_a_word)) continue;
          EXPECT_FALSE(expectation.description.empty())
              << where << ": /" << expectation.pattern << "/ needs an 'as:' line";
        }
      }
    }
  }
}

}  // namespace
}  // namespace clab::lessons
