#include "testkit/wait_for_text.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "core/unique_fd.hpp"

namespace clab::testkit {
namespace {

bool contains(const std::string& path, const std::string& text) {
  std::ifstream in(path);
  const std::string content{std::istreambuf_iterator<char>(in), {}};
  return content.find(text) != std::string::npos;
}

}  // namespace

bool wait_for_text(const std::string& path, const std::string& text,
                   std::chrono::milliseconds timeout) {
  UniqueFd inotify(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!inotify || ::inotify_add_watch(inotify.get(), path.c_str(), IN_MODIFY) < 0)
    return contains(path, text);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (contains(path, text)) return true;  // after the watch: no write goes unseen
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{inotify.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) > 0) {
      char events[4096];
      while (::read(inotify.get(), events, sizeof events) > 0) {
      }
    }
  }
}

}  // namespace clab::testkit
