// KeyPrompt: the learner's answer to "[Enter] run it, [q] quit". On a terminal one key is
// enough (the terminal is put in non-canonical mode, without echo, for the read only, and
// restored on every way out); Enter runs, q or Ctrl-D quits, other keys are ignored; Ctrl-C
// still raises SIGINT. From a pipe it reads a line: "q" quits, end of input quits (it never
// runs the rest of a lesson unattended). Either way a readable wake descriptor (a
// TerminationWatch's) ends the wait with Interrupted.
#pragma once

namespace clab::lessons {

enum class Answer { Run, Quit, Interrupted };

class KeyPrompt {
 public:
  // in_fd: where keys come from; wake_fd: -1 for none.
  KeyPrompt(int in_fd, int wake_fd) : in_fd_(in_fd), wake_fd_(wake_fd) {}
  Answer ask() const;

 private:
  // Blocks until in_fd has input (true) or wake_fd is readable (false).
  bool wait_for_input() const;
  Answer read_key() const;
  Answer read_line() const;

  int in_fd_;
  int wake_fd_;
};

}  // namespace clab::lessons
