// lesson: walks through ClusterLab's lessons, running each step and checking what it shows.
//
//   lesson list              the lessons
//   lesson N [--auto]        lesson N; Enter runs each step (--auto: no pauses)
//   lesson all --auto        every lesson in order (make demo)
//
// Exit status: 0 every step passed, 1 a step failed, 2 usage or a broken lesson file.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>

#include "cli/cli_error.hpp"
#include "core/text_table.hpp"
#include "lesson_file.hpp"
#include "lesson_runner.hpp"
#include "proc/child_process.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Walks through ClusterLab's lessons step by step.", "lesson"};
  app.footer(
      "Background processes a lesson starts are stopped (SIGTERM, then SIGKILL) when it ends.\n"
      "Exit status: 0 every step passed, 1 a step failed, 2 bad usage or a broken lesson file.");
  std::string which;
  bool auto_mode = false;
  const char* env_dir = std::getenv("CLUSTERLAB_LESSONS");
  std::string directory = env_dir ? env_dir : CLUSTERLAB_LESSONS_DIR;
  app.add_option("lesson", which, "'list', a lesson number, or 'all'")->required();
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
  clab::lessons::LessonRunner runner(
      {.auto_mode = auto_mode, .bin_dir = clab::proc::own_directory(), .in = &std::cin});
  for (const auto* lesson : chosen) {
    if (!runner.run(*lesson)) return 1;
  }
  return 0;
}
