#include "pm/file_watch.hpp"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace clab::pm {
namespace {

constexpr std::uint32_t kEvents =
    IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB;

}  // namespace

Result<std::unique_ptr<FileWatch>> FileWatch::start(
    cluster::EventLoop& loop, std::vector<std::string> roots, std::vector<std::string> ignore,
    std::chrono::milliseconds debounce, std::function<void(const std::string&)> changed) {
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd) return errno_error("inotify_init1");
  std::unique_ptr<FileWatch> watch(new FileWatch(loop, std::move(fd)));
  watch->ignore_ = std::move(ignore);
  watch->debounce_ = debounce;
  watch->changed_ = std::move(changed);
  for (const auto& root : roots) {
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) return errno_error("watch " + root);
    if (S_ISDIR(st.st_mode)) {
      watch->add_tree(root);
    } else if (::inotify_add_watch(watch->fd_.get(), root.c_str(), kEvents) < 0) {
      return errno_error("inotify_add_watch " + root);
    }
  }
  if (auto s = loop.add(watch->fd_.get(), EPOLLIN,
                        [raw = watch.get()](std::uint32_t) { raw->on_readable(); });
      !s) {
    return s.error();
  }
  return watch;
}

FileWatch::~FileWatch() {
  if (timer_) loop_.cancel(*timer_);
  loop_.remove(fd_.get());
}

bool FileWatch::ignored(const std::string& path) const {
  std::size_t begin = 0;
  while (begin < path.size()) {
    std::size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    const std::string component = path.substr(begin, end - begin);
    for (const auto& pattern : ignore_) {
      if (::fnmatch(pattern.c_str(), component.c_str(), 0) == 0 ||
          ::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) {
        return true;
      }
    }
    begin = end + 1;
  }
  return false;
}

void FileWatch::add_tree(const std::string& directory) {
  const int wd = ::inotify_add_watch(fd_.get(), directory.c_str(), kEvents | IN_ONLYDIR);
  if (wd < 0) return;
  directories_[wd] = directory;
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) return;
  while (dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = directory + "/" + name;
    if (entry->d_type == DT_DIR && !ignored(path)) add_tree(path);
  }
  ::closedir(dir);
}

void FileWatch::on_readable() {
  alignas(inotify_event) char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd_.get(), buffer, sizeof buffer);
    if (n <= 0) break;
    for (char* p = buffer; p < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + event->len;
      auto dir = directories_.find(event->wd);
      const std::string base = dir != directories_.end() ? dir->second : std::string();
      const std::string path = event->len > 0 ? base + "/" + event->name : base;
      if (event->mask & IN_IGNORED) {
        directories_.erase(event->wd);
        continue;
      }
      if (ignored(path)) continue;
      if ((event->mask & IN_ISDIR) && (event->mask & (IN_CREATE | IN_MOVED_TO))) add_tree(path);
      last_path_ = path;
      if (timer_) loop_.cancel(*timer_);
      timer_ = loop_.after(debounce_, [this] {
        timer_.reset();
        changed_(last_path_);
      });
    }
  }
}

}  // namespace clab::pm
