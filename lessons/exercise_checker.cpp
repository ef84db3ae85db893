#include "exercise_checker.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <optional>

#include "core/file_text.hpp"
#include "core/temp_directory.hpp"
#include "core/unique_fd.hpp"
#include "proc/child_process.hpp"

namespace clab::lessons {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The compiler's error lines (at most five), or the last lines when it printed none.
std::vector<std::string> compile_errors(const std::vector<std::string>& lines) {
  std::vector<std::string> errors;
  for (const auto& line : lines) {
    if (line.find("error:") != std::string::npos && errors.size() < 5) errors.push_back(line);
  }
  if (errors.empty()) {
    for (auto it = lines.size() > 5 ? lines.end() - 5 : lines.begin(); it != lines.end(); ++it)
      errors.push_back(*it);
  }
  return errors;
}

// The lines a check prints to say what failed; its last lines when it printed none.
std::vector<std::string> failure_lines(const std::vector<std::string>& lines) {
  std::vector<std::string> reasons;
  for (const auto& line : lines) {
    if (line.rfind("FAIL", 0) == 0) reasons.push_back(line);
  }
  if (reasons.empty()) {
    for (auto it = lines.size() > 3 ? lines.end() - 3 : lines.begin(); it != lines.end(); ++it)
      reasons.push_back(*it);
  }
  return reasons;
}

// Holds an exclusive lock on a file while it lives: one exercise build at a time in a build
// tree. Two checks at once (a test beside another, `lesson check` beside `lesson watch`)
// would otherwise run two ninja processes in one directory, each writing logs it believes
// its own.
class BuildTreeLock {
 public:
  static Result<BuildTreeLock> take(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) return errno_error("open " + path);
    while (::flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) return errno_error("flock " + path);
    }
    return BuildTreeLock(std::move(fd));  // released when the descriptor closes
  }

 private:
  explicit BuildTreeLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace

Result<std::string> ExerciseChecker::build_dir_of(const std::string& bin_dir) {
  const fs::path build = fs::path(bin_dir).parent_path();
  if (!fs::exists(build / "CMakeCache.txt")) {
    return Error{fmt::format(
        "{}: not a CMake build tree, and exercises are built in one: run `make` in your "
        "checkout, then build/bin/lesson",
        build.string())};
  }
  return build.string();
}

std::optional<int> ExerciseChecker::run(std::vector<std::string> argv,
                                        std::vector<std::pair<std::string, std::string>> env,
                                        int timeout_s,
                                        const std::function<void(const std::string&)>& on_line,
                                        std::vector<std::string>* lines) {
  auto child = proc::ChildProcess::spawn(
      {.argv = std::move(argv), .env = std::move(env), .merge_stderr = true, .on_line = on_line});
  if (!child) {
    lines->push_back("FAIL: " + child.error().message);
    return 1;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::optional<proc::ExitStatus> status;
  while (!status && !interrupted() && std::chrono::steady_clock::now() < deadline)
    status = (*child)->wait(200ms);
  if (!status) return std::nullopt;  // the destructor kills its process group
  (void)(*child)->wait_for_output_end(2s);
  *lines = (*child)->lines();
  return status->signal != 0 ? 128 + status->signal : status->code;
}

CheckOutcome ExerciseChecker::check(const Exercise& e,
                                    const std::function<void(const std::string&)>& on_line) {
  const auto started = std::chrono::steady_clock::now();
  CheckOutcome outcome;
  auto finish = [&](CheckOutcome& o) -> CheckOutcome {
    o.interrupted = interrupted();
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return o;
  };
  const std::string program = build_dir_ + "/exercise-bin/exercise-" + e.name;
  std::vector<std::string> lines;
  if (e.built()) {
    auto source = read_text_file(e.file);
    if (!source) {
      outcome.built = false;
      outcome.reasons = {source.error().message};
      return finish(outcome);
    }
    fs::create_directories(build_dir_ + "/exercise-src");
    const std::string copy = build_dir_ + "/exercise-src/" + e.name + ".cpp";
    auto written = write_text_file(copy, fmt::format("#line 1 \"{}\"\n{}", e.file, source.value()));
    if (!written) {
      outcome.built = false;
      outcome.reasons = {written.error().message};
      return finish(outcome);
    }
    on_line(fmt::format("building {}", e.relative_file()));
    auto lock = BuildTreeLock::take(build_dir_ + "/exercise-src/.build-lock");
    if (!lock) {
      outcome.built = false;
      outcome.reasons = {lock.error().message};
      return finish(outcome);
    }
    const auto status = run({"cmake", "--build", build_dir_, "--target", "exercise-" + e.name}, {},
                            900, {}, &lines);
    if (status != 0) {
      outcome.built = false;
      outcome.reasons =
          status ? compile_errors(lines) : std::vector<std::string>{"the build did not finish"};
      for (const auto& line : outcome.reasons)
        on_line(line);
      return finish(outcome);
    }
  }

  auto programs = TempDirectory::create("clusterlab-exercise");
  if (!programs) {
    outcome.reasons = {programs.error().message};
    return finish(outcome);
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(bin_dir_, ec)) {
    const auto name = entry.path().filename().string();
    const fs::path target = name == e.program && e.built() ? fs::path(program) : entry.path();
    fs::create_symlink(target, fs::path(programs->path()) / name, ec);
  }
  const char* path = std::getenv("PATH");
  on_line(fmt::format("$ {}", e.check));
  const auto status = run({"bash", "-c", e.check},
                          {{"PROGRAMS", programs->path()},
                           {"EXERCISE_FILE", e.file},
                           {"EXERCISE_PROGRAM", program},
                           {"EXERCISE_DIR", e.directory},
                           {"PATH", programs->path() + ":" + (path ? path : "/usr/bin:/bin")}},
                          e.timeout_s, on_line, &lines);
  if (!status) {
    outcome.reasons = {fmt::format("the check did not end within {} s", e.timeout_s)};
    return finish(outcome);
  }
  outcome.passed = *status == 0;
  if (!outcome.passed) outcome.reasons = failure_lines(lines);
  return finish(outcome);
}

}  // namespace clab::lessons
