// A lesson file: lessons/NN-topic.md. Prose in Markdown, with runnable steps in fenced
// blocks whose info string is `step`. A step block holds one `key: value` per line:
//
//   title: Start a cluster              what the step does (shown as its heading)
//   run: curl -s http://...             a shell command (bash) run to completion
//   start: cluster native-cluster ...   a command left running in the background as NAME
//   expect: REGEX                       run's output (or start's, or stop's) must contain a
//                                       match; for start, waits for a matching line
//   wait: NAME REGEX                    waits for a line from background NAME
//   capture: VAR [VAR...]               the groups of the expect or wait just above become
//                                       $VAR in later commands and ${VAR} in later regexes
//   as: the port number                 what the expect or wait just above checks, in words:
//                                       shown as "saw the port number 40113" (its captures
//                                       follow); without it the matching line is shown
//   stop: NAME                          SIGTERM to background NAME, wait for it to exit
//   exit: N                             the exit status run (or stop) must have (default 0)
//   timeout: SECONDS                    for run, wait and stop (default 20)
//
// A step does its parts in this order: run, start, wait, stop. Keys may repeat where it
// makes sense (expect, wait). The prose before a step block is
// that step's explanation; the prose after the last block is the lesson's close.
//
// Every step can use $LESSON_DIR: a private directory made for this run of the lesson and
// removed, with what the steps put in it, when the lesson ends (however it ends). Commands
// find our programs and the lessons' scripts (lessons/scripts/*.sh) on PATH.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace clab::lessons {

// A line that must appear: in a command's output (expect) or a background's (wait).
struct Expectation {
  std::string background;  // for wait: the background process's name
  std::string pattern;     // a regular expression; ${VAR} is filled in when it runs
  std::vector<std::string> capture;
  std::string description;  // "the port number"; empty: show the line that matched
};

struct Step {
  int line = 0;       // where the block starts in the file, for error messages
  std::string prose;  // Markdown text before the block
  std::string title;
  std::optional<std::string> run;
  std::optional<std::pair<std::string, std::string>> start;  // name, command
  std::vector<Expectation> expect;
  std::vector<Expectation> waits;
  std::optional<std::string> stop;
  int exit_status = 0;
  int timeout_s = 20;
};

struct Lesson {
  std::string path;
  int number = 0;     // from the file name: 01-... is lesson 1
  std::string title;  // the first "# " heading
  std::vector<Step> steps;
  std::string closing;  // prose after the last step
};

// Parses one lesson file. Errors name the file, the line and what was expected.
Result<Lesson> parse_lesson_file(const std::string& path);
Result<Lesson> parse_lesson_text(const std::string& path, const std::string& text);

// Every lessons/NN-*.md in a directory, ordered by number.
Result<std::vector<Lesson>> load_lessons(const std::string& directory);

}  // namespace clab::lessons
