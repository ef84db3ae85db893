#include "file_watch.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace clab::lessons {

Result<FileWatch> FileWatch::watch(const std::string& file) {
  UniqueFd fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!fd) return Error{std::string("inotify_init1: ") + std::strerror(errno)};
  const std::filesystem::path path(file);
  if (::inotify_add_watch(fd.get(), path.parent_path().c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
    return Error{path.parent_path().string() + ": inotify_add_watch: " + std::strerror(errno)};
  return FileWatch(std::move(fd), path.filename().string());
}

bool FileWatch::drain_events() {
  bool ours = false;
  alignas(inotify_event) char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(inotify_.get(), buffer, sizeof buffer);
    if (n <= 0) return ours;
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if (event->len > 0 && name_ == event->name) ours = true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
}

FileWatch::Wake FileWatch::wait(int in_fd, int wake_fd) {
  for (;;) {
    pollfd fds[3] = {{inotify_.get(), POLLIN, 0}, {in_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return Wake::Interrupted;
    }
    if (fds[2].revents != 0) return Wake::Interrupted;
    if (fds[1].revents != 0) return Wake::Input;
    if (fds[0].revents != 0 && drain_events()) {
      // One save is often several events (write, close, rename): let the burst end.
      pollfd quiet = {inotify_.get(), POLLIN, 0};
      while (::poll(&quiet, 1, 150) > 0)
        drain_events();
      return Wake::Saved;
    }
  }
}

}  // namespace clab::lessons
