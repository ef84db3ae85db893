#include "key_prompt.hpp"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace clab::lessons {
namespace {

// The terminal in non-canonical mode without echo while it lives; restored on destruction.
// Signals (ISIG) stay on, so Ctrl-C is still SIGINT.
class SingleKeyMode {
 public:
  explicit SingleKeyMode(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
  }
  ~SingleKeyMode() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  SingleKeyMode(const SingleKeyMode&) = delete;
  SingleKeyMode& operator=(const SingleKeyMode&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

constexpr char kCtrlD = 0x04;

}  // namespace

bool KeyPrompt::wait_for_input() const {
  pollfd fds[2] = {{in_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(fds, wake_fd_ >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return true;  // let the read report what is wrong
    if (wake_fd_ >= 0 && fds[1].revents != 0) return false;
    return true;
  }
}

Answer KeyPrompt::ask() const {
  return ::isatty(in_fd_) ? read_key() : read_line();
}

Answer KeyPrompt::read_key() const {
  SingleKeyMode mode(in_fd_);
  for (;;) {
    if (!wait_for_input()) return Answer::Interrupted;
    char key = 0;
    const ssize_t n = ::read(in_fd_, &key, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || key == kCtrlD || key == 'q' || key == 'Q') return Answer::Quit;
    if (key == '\n' || key == '\r') return Answer::Run;
  }
}

Answer KeyPrompt::read_line() const {
  std::string line;
  for (;;) {
    if (!wait_for_input()) return Answer::Interrupted;
    char c = 0;
    const ssize_t n = ::read(in_fd_, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Answer::Quit;  // end of input
    if (c == '\n') return line == "q" || line == "Q" ? Answer::Quit : Answer::Run;
    line += c;
  }
}

}  // namespace clab::lessons
