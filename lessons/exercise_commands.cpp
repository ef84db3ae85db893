#include "exercise_commands.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "core/file_text.hpp"
#include "core/text_table.hpp"
#include "exercise_checker.hpp"
#include "exercise_manifest.hpp"
#include "exercise_progress.hpp"
#include "file_watch.hpp"
#include "proc/child_process.hpp"
#include "terminal_text.hpp"

namespace clab::lessons {
namespace {

constexpr const char* kVerbs[] = {"exercises", "watch", "hint", "reset", "check"};

struct Session {
  std::vector<Exercise> exercises;
  ExerciseProgress progress;
  TextStyle style;
};

const Exercise* find(const std::vector<Exercise>& exercises, const std::string& name) {
  for (const auto& e : exercises) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

int unknown_exercise(const std::string& name) {
  fmt::print(stderr, "lesson: no exercise '{}' (see lesson exercises)\n", name);
  return cli::kExitUsage;
}

int list(const Session& s, bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : s.exercises) {
      out.push_back({{"name", e.name},
                     {"lesson", e.lesson},
                     {"title", e.title},
                     {"file", e.relative_file()},
                     {"done", s.progress.done(e.name)},
                     {"check", e.check}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  TextTable table({"#", "exercise", "lesson", "state", "file", "what it asks"},
                  {TextTable::Align::Right, TextTable::Align::Left, TextTable::Align::Right});
  std::size_t done = 0, n = 0;
  for (const auto& e : s.exercises) {
    const bool solved = s.progress.done(e.name);
    done += solved ? 1 : 0;
    table.add_row({std::to_string(++n), e.name, std::to_string(e.lesson),
                   solved ? "done" : "not done", e.relative_file(), e.title});
  }
  table.print();
  const Exercise* next = s.progress.next(s.exercises);
  fmt::print("{} of {} done{}\n", done, s.exercises.size(),
             next ? fmt::format("; next: {} (lesson watch)", next->name) : std::string());
  return 0;
}

void print_hints(const Exercise& e) {
  fmt::print("Hints for {} ({}):\n", e.name, e.relative_file());
  for (std::size_t i = 0; i < e.hints.size(); ++i)
    fmt::print("  {}. {}\n", i + 1, e.hints[i]);
  if (e.hints.empty()) fmt::print("  (none: read lesson {} again)\n", e.lesson);
}

void print_outcome(const Exercise& e, const CheckOutcome& outcome, const TextStyle& style) {
  if (outcome.passed) {
    fmt::print("{} {} solved ({:.1f} s)\n", bold("✓", style), e.name, outcome.seconds);
    return;
  }
  fmt::print("{} {} not solved yet: {}\n", bold("✗", style), e.name,
             outcome.built ? "its check failed" : "it does not compile");
  for (const auto& reason : outcome.reasons)
    fmt::print("    {}\n", reason);
}

CheckOutcome check_once(const Exercise& e, ExerciseChecker& checker) {
  return checker.check(e, [](const std::string& line) {
    // One write per line: the check's threads and ours share the terminal.
    const std::string text = "  │ " + line + "\n";
    (void)!::write(STDOUT_FILENO, text.data(), text.size());
  });
}

int interrupted_status(const ExerciseCommandContext& context) {
  return proc::exit_status_for_signal(context.watch ? context.watch->received() : SIGINT);
}

int check(Session& s, ExerciseChecker& checker, const Exercise& e,
          const ExerciseCommandContext& context) {
  const auto outcome = check_once(e, checker);
  print_outcome(e, outcome, s.style);
  if (outcome.interrupted) return interrupted_status(context);
  if (outcome.passed) {
    if (auto marked = s.progress.mark(e.name, true); !marked)
      fmt::print(stderr, "lesson: {}\n", marked.error().message);
  }
  return outcome.passed ? 0 : 1;
}

// Reads one line from the learner: "h" a hint, "q" (or end of input) quit, else check again.
enum class Key { Hint, Quit, Again };
Key read_key(int fd) {
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1) {
    if (c == '\n') break;
    line += c;
  }
  if (line.empty() && c != '\n') return Key::Quit;
  if (line == "q") return Key::Quit;
  if (line == "h") return Key::Hint;
  return Key::Again;
}

int watch(Session& s, ExerciseChecker& checker, const Exercise* start,
          const ExerciseCommandContext& context) {
  const int wake_fd = context.watch ? context.watch->wake_fd() : -1;
  const Exercise* e = start ? start : s.progress.next(s.exercises);
  while (e != nullptr) {
    auto file_watch = FileWatch::watch(e->file);
    if (!file_watch) {
      fmt::print(stderr, "lesson: {}\n", file_watch.error().message);
      return 1;
    }
    const auto index = static_cast<std::size_t>(e - s.exercises.data()) + 1;
    fmt::print("\n{}\n{}\nEdit {}: it is checked again each time you save it.\n",
               bold(fmt::format("━━ Exercise {} of {} · lesson {} · {} ━━", index,
                                s.exercises.size(), e->lesson, e->name),
                    s.style),
               e->title, e->relative_file());
    std::size_t hint = 0;
    for (;;) {
      const auto outcome = check_once(*e, checker);
      print_outcome(*e, outcome, s.style);
      if (outcome.interrupted) return interrupted_status(context);
      if (outcome.passed) break;
      fmt::print("Waiting for a save of {} (h Enter: a hint, Enter: check again, q Enter: quit)\n",
                 e->relative_file());
      std::fflush(stdout);
      bool again = false;
      while (!again) {
        switch (file_watch.value().wait(STDIN_FILENO, wake_fd)) {
          case FileWatch::Wake::Interrupted:
            return interrupted_status(context);
          case FileWatch::Wake::Saved:
            fmt::print("{} saved: checking it again\n", e->relative_file());
            again = true;
            break;
          case FileWatch::Wake::Input:
            switch (read_key(STDIN_FILENO)) {
              case Key::Quit:
                fmt::print("Left {} unsolved; `lesson watch` starts there again.\n", e->name);
                return 1;
              case Key::Hint:
                if (e->hints.empty()) {
                  fmt::print("No hint: read lesson {} again.\n", e->lesson);
                } else {
                  fmt::print("Hint {} of {}: {}\n", hint % e->hints.size() + 1, e->hints.size(),
                             e->hints[hint % e->hints.size()]);
                  ++hint;
                }
                std::fflush(stdout);
                break;
              case Key::Again:
                again = true;
                break;
            }
            break;
        }
      }
    }
    if (auto marked = s.progress.mark(e->name, true); !marked)
      fmt::print(stderr, "lesson: {}\n", marked.error().message);
    e = s.progress.next_after(s.exercises, e);
  }
  fmt::print("All {} exercises solved.\n", s.exercises.size());
  return 0;
}

int reset(Session& s, const Exercise& e) {
  const std::string name = std::filesystem::path(e.file).filename().string();
  auto git = proc::ChildProcess::spawn(
      {.argv = {"git", "-C", e.directory, "show", "HEAD:./" + name}, .merge_stderr = false});
  if (!git) {
    fmt::print(stderr, "lesson: reset {}: {}\n", e.name, git.error().message);
    return 1;
  }
  const auto status = (*git)->wait(std::chrono::seconds(30));
  (void)(*git)->wait_for_output_end(std::chrono::seconds(2));
  if (!status || !status->success()) {
    fmt::print(stderr, "lesson: reset {}: git has no committed {} (is {} a git checkout?)\n",
               e.name, e.relative_file(), e.directory);
    return 1;
  }
  std::string text;
  for (const auto& line : (*git)->lines())
    text += line + "\n";
  if (auto written = write_text_file(e.file, text); !written) {
    fmt::print(stderr, "lesson: reset {}: {}\n", e.name, written.error().message);
    return 1;
  }
  if (auto marked = s.progress.mark(e.name, false); !marked) {
    fmt::print(stderr, "lesson: {}\n", marked.error().message);
    return 1;
  }
  fmt::print("{} is as it was first written, and not done.\n", e.relative_file());
  return 0;
}

}  // namespace

bool is_exercise_command(const std::string& word) {
  return std::find(std::begin(kVerbs), std::end(kVerbs), word) != std::end(kVerbs);
}

int run_exercise_command(int argc, char** argv, const ExerciseCommandContext& context) {
  const std::string verb = argv[1];
  CLI::App app{"Exercises: small files you fix until their check passes.", "lesson " + verb};
  std::string directory = context.exercises_dir;
  bool json = false;
  app.add_option("--exercises", directory, "the exercises folder of your checkout")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  if (verb == "exercises") app.add_flag("--json", json, "print the list as JSON");
  std::string exercise;
  auto* name_option = app.add_option("exercise", exercise, "an exercise's name");
  if (verb == "reset" || verb == "check") name_option->required();
  // argv[1] is the verb: parse what follows it (CLI11 takes the verb for the program name).
  if (auto exit_status = cli::parse(app, argc - 1, argv + 1)) return *exit_status;

  auto exercises = load_exercises(directory);
  if (!exercises) {
    fmt::print(stderr, "lesson: {}\n", exercises.error().message);
    return cli::kExitUsage;
  }
  auto progress = ExerciseProgress::load(directory + "/.progress");
  if (!progress) {
    fmt::print(stderr, "lesson: {}\n", progress.error().message);
    return cli::kExitUsage;
  }
  Session s{std::move(exercises).value(), std::move(progress).value(), style_for_stdout()};
  const Exercise* chosen = nullptr;
  if (!exercise.empty()) {
    chosen = find(s.exercises, exercise);
    if (!chosen) return unknown_exercise(exercise);
  }
  if (verb == "exercises") return list(s, json);
  if (verb == "hint") {
    const Exercise* e = chosen ? chosen : s.progress.next(s.exercises);
    if (!e) {
      fmt::print("Every exercise is solved: no hint needed.\n");
      return 0;
    }
    print_hints(*e);
    return 0;
  }
  if (verb == "reset") return reset(s, *chosen);

  auto build_dir = ExerciseChecker::build_dir_of(context.bin_dir);
  if (!build_dir) {
    fmt::print(stderr, "lesson: {}\n", build_dir.error().message);
    return cli::kExitUsage;
  }
  ExerciseChecker checker(build_dir.value(), context.bin_dir, context.watch);
  if (verb == "check") return check(s, checker, *chosen, context);
  return watch(s, checker, chosen, context);
}

}  // namespace clab::lessons
