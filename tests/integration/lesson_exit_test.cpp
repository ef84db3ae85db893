// Every way out of a lesson at a real terminal (tmux): q, Ctrl-D, Ctrl-C, SIGTERM and the
// terminal closing. Each must stop what the lesson's steps started (here a two-worker
// cluster), remove the lesson's directory, and say so.
//
// Regression: Ctrl-C at the prompt exited 130 without a word and left the step's cluster
// running, re-parented to PID 1; Ctrl-D ran the rest of the lesson unattended.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "core/temp_directory.hpp"
#include "proc/process_table.hpp"
#include "support/tmux_session.hpp"

namespace clab {
namespace {

using namespace std::chrono_literals;
using testing::TmuxSession;

constexpr const char* kLesson = R"(# Ways out

A cluster in the background and a file in the *lesson's* `$LESSON_DIR`.

```step
title: Start a cluster
start: cluster native-cluster --workers 2 --port 0
expect: Listening on http://127\.0\.0\.1:([0-9]+)
as: the port number
wait: cluster Worker ([0-9]+) started
wait: cluster Worker ([0-9]+) started
```

```step
title: Leave a file behind
run: touch "$LESSON_DIR/left-behind" && echo made
expect: made
```

```step
title: Never reached
run: true
```
)";

struct WayOut {
  std::string name;
  std::function<void(const TmuxSession&, pid_t lesson)> take;
  std::string says;  // on the terminal as the lesson ends ("" when it is gone)
  int exit_status;   // -1: not readable (the terminal is gone)
};
void PrintTo(const WayOut& w, std::ostream* os) {
  *os << w.name;
}

// The lesson's pid and every process below it.
std::vector<pid_t> descendants(pid_t root) {
  std::vector<pid_t> all = {root};
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (const auto& child : proc::children_of(all[i]))
      all.push_back(child.pid);
  }
  return all;
}

class LessonExit : public ::testing::TestWithParam<WayOut> {};

TEST_P(LessonExit, StopsWhatItStartedAndRemovesItsDirectory) {
  auto lessons = TempDirectory::create("clusterlab-lessons");
  auto tmp = TempDirectory::create("clusterlab-tmp");  // the lesson's TMPDIR
  ASSERT_TRUE(lessons.ok() && tmp.ok());
  std::ofstream(lessons->file("01-ways-out.md")) << kLesson;
  // bash runs the lesson as a login shell runs a command (in the terminal's foreground
  // group) and prints its exit status after it.
  auto session =
      TmuxSession::start({"bash", "-c", "\"$@\"; echo \"lesson exit status $?\"", "bash", "env",
                          "TMPDIR=" + tmp->path(), std::string(CLUSTERLAB_BIN_DIR) + "/lesson", "1",
                          "--dir", lessons->path()});
  ASSERT_TRUE(session.has_value()) << "tmux did not start";
  ASSERT_TRUE(session->wait_for_text("Step 1/3", 20s)) << session->screen();
  ASSERT_TRUE(session->send_keys({"Enter"}));
  ASSERT_TRUE(session->wait_for_text("Step 2/3", 30s)) << session->screen();
  ASSERT_TRUE(session->send_keys({"Enter"}));
  ASSERT_TRUE(session->wait_for_text("Step 3/3", 30s)) << session->screen();
  const std::string screen = session->screen();
  EXPECT_NE(screen.find("✓ [cluster] saw the port number "), std::string::npos) << screen;
  EXPECT_NE(screen.find("✓ saw “made”"), std::string::npos) << screen;
  EXPECT_NE(screen.find("in the lesson's $LESSON_DIR."), std::string::npos)
      << "the prose is rendered, its marks taken out\n"
      << screen;

  const auto shell = proc::children_of(session->pane_pid());
  ASSERT_EQ(shell.size(), 1u);
  const pid_t lesson = shell.front().pid;
  const auto started = descendants(lesson);
  ASSERT_GE(started.size(), 4u) << "the lesson, the primary and two workers";
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(tmp->path()), {}), 1)
      << "the lesson's directory";

  GetParam().take(*session, lesson);
  if (GetParam().exit_status >= 0) {
    ASSERT_TRUE(session->wait_for_text("lesson exit status ", 30s)) << session->screen();
    const std::string last = session->screen();
    EXPECT_NE(last.find("lesson exit status " + std::to_string(GetParam().exit_status) + "\n"),
              std::string::npos)
        << last;
    EXPECT_NE(last.find(GetParam().says), std::string::npos) << last;
    EXPECT_NE(last.find("Nothing the lesson started is still running."), std::string::npos) << last;
    EXPECT_EQ(last.find("$ true"), std::string::npos) << "a step ran after the way out";
  } else {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (proc::is_running(lesson) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);  // a process that is not our child: no event to wait on
    }
    ASSERT_FALSE(proc::is_running(lesson)) << "the lesson outlived its terminal";
  }
  for (pid_t pid : started)
    EXPECT_FALSE(proc::is_running(pid)) << "process " << pid << " of the lesson is still running";
  EXPECT_TRUE(std::filesystem::is_empty(tmp->path())) << "the lesson's directory was left";
}

INSTANTIATE_TEST_SUITE_P(
    Ways, LessonExit,
    ::testing::Values(
        WayOut{"q", [](const TmuxSession& s, pid_t) { s.send_keys({"q"}); },
               "Lesson 1 left at step 3 of 3.", 0},
        WayOut{"ctrl_d", [](const TmuxSession& s, pid_t) { s.send_keys({"C-d"}); },
               "Lesson 1 left at step 3 of 3.", 0},
        WayOut{"ctrl_c", [](const TmuxSession& s, pid_t) { s.send_keys({"C-c"}); },
               "Lesson 1 interrupted by SIGINT at step 3 of 3.", 130},
        WayOut{"sigterm", [](const TmuxSession&, pid_t lesson) { ::kill(lesson, SIGTERM); },
               "Lesson 1 interrupted by SIGTERM at step 3 of 3.", 143},
        WayOut{"terminal_closed", [](const TmuxSession& s, pid_t) { s.close(); }, "", -1}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace clab
