// lesson: walks through ClusterLab's lessons, running each step and checking what it shows.
//
//   lesson list              the lessons
//   lesson N [--auto]        lesson N; Enter runs each step, q or Ctrl-D quits (--auto: no
//                            pauses)
//   lesson all --auto        every lesson in order (make demo)
//   lesson exercises|watch|hint|reset|check ...   the exercises (exercise_commands.hpp)
//
// Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stop what the lesson started, remove its
// directory, say so, and exit 128 + the signal's number.
//
// Exit status: 0 every step passed or the learner quit, 1 a step failed, 2 usage or a
// broken lesson file, 129/130/143 ended by SIGHUP/SIGINT/SIGTERM.
#include <fmt/format.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/cli_error.hpp"
#include "core/text_table.hpp"
#include "exercise_commands.hpp"
#include "lesson_file.hpp"
#include "lesson_runner.hpp"
#include "proc/child_process.hpp"
#include "proc/termination_watch.hpp"

int main(int argc, char** argv) {
  // First, before any thread: a signal stops every process the lesson's steps started (so
  // none is left re-parented to PID 1); the runner notices and winds up.
  auto watch = clab::proc::TerminationWatch::start(
      [](int) { clab::proc::ChildProcess::signal_every_group(SIGTERM); });
  if (!watch) {
    fmt::print(stderr, "lesson: {}\n", watch.error().message);
    return 1;
  }
  if (argc > 1 && clab::lessons::is_exercise_command(argv[1])) {
    const char* env_exercises = std::getenv("CLUSTERLAB_EXERCISES");
    return clab::lessons::run_exercise_command(
        argc, argv,
        {.exercises_dir = env_exercises ? env_exercises : CLUSTERLAB_EXERCISES_DIR,
         .bin_dir = clab::proc::own_directory(),
         .watch = watch.value().get()});
  }
  CLI::App app{"Walks through ClusterLab's lessons step by step.", "lesson"};
  app.footer(
      "Enter runs a step, q or Ctrl-D quits. However a lesson ends (passed, failed, quit,\n"
      "  Ctrl-C, SIGTERM, its terminal closed) the processes its steps started are stopped\n"
      "  (SIGTERM, then SIGKILL) and its directory ($LESSON_DIR) is removed.\n"
      "Exercises: lesson exercises (the list), lesson watch (fix the next one: checked on each\n"
      "  save), lesson hint, lesson reset NAME, lesson check NAME; progress is kept in\n"
      "  exercises/.progress.\n"
      "Exit status: 0 every step passed or the learner quit, 1 a step failed, 2 bad usage or a\n"
      "  broken lesson file, 128 + N ended by signal N.");
  std::string which;
  bool auto_mode = false;
  const char* env_dir = std::getenv("CLUSTERLAB_LESSONS");
  std::string directory = env_dir ? env_dir : CLUSTERLAB_LESSONS_DIR;
  app.add_option("lesson", which,
                 "'list', a lesson number, 'all', or exercises, watch, hint, reset, check")
      ->required();
  app.add_flag("--auto", auto_mode, "run every step without pausing");
  app.add_option("--dir", directory, "where the NN-topic.md files are")->capture_default_str();
  if (auto exit_status = clab::cli::parse(app, argc, argv)) return *exit_status;

  auto lessons = clab::lessons::load_lessons(directory);
  if (!lessons) {
    fmt::print(stderr, "lesson: {}\n", lessons.error().message);
    return clab::cli::kExitUsage;
  }
  if (which == "list") {
    clab::TextTable table({"#", "lesson", "steps", "file"},
                          {clab::TextTable::Align::Right, clab::TextTable::Align::Left,
                           clab::TextTable::Align::Right});
    for (const auto& l : lessons.value()) {
      table.add_row({std::to_string(l.number), l.title, std::to_string(l.steps.size()), l.path});
    }
    table.print();
    return 0;
  }

  std::vector<const clab::lessons::Lesson*> chosen;
  for (const auto& l : lessons.value()) {
    if (which == "all" || which == std::to_string(l.number) ||
        (which.size() == 2 && which[0] == '0' && which.substr(1) == std::to_string(l.number))) {
      chosen.push_back(&l);
    }
  }
  if (chosen.empty()) {
    fmt::print(stderr, "lesson: no lesson '{}' in {} (see lesson list)\n", which, directory);
    return clab::cli::kExitUsage;
  }
  clab::lessons::LessonRunner runner({.auto_mode = auto_mode,
                                      .bin_dir = clab::proc::own_directory(),
                                      .style = clab::lessons::style_for_stdout(),
                                      .in_fd = STDIN_FILENO,
                                      .watch = watch.value().get()});
  for (const auto* lesson : chosen) {
    switch (runner.run(*lesson)) {
      case clab::lessons::Outcome::Passed:
        continue;
      case clab::lessons::Outcome::Left:
        return 0;
      case clab::lessons::Outcome::Failed:
        return 1;
      case clab::lessons::Outcome::Interrupted:
        return clab::proc::exit_status_for_signal(watch.value()->received());
    }
  }
  return 0;
}
