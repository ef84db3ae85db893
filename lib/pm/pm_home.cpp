#include "pm/pm_home.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>

namespace clab::pm {
namespace {

Status make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return errno_error("mkdir " + path);
  return {};
}

}  // namespace

Result<PmHome> PmHome::locate() {
  std::string root;
  if (const char* home = std::getenv("PM_HOME"); home != nullptr && *home != '\0') {
    root = home;
  } else if (const char* user_home = std::getenv("HOME"); user_home != nullptr && *user_home) {
    root = std::string(user_home) + "/.clusterlab";
  } else {
    return Error{"pm: neither PM_HOME nor HOME is set; expected one to name pm's directory"};
  }
  while (root.size() > 1 && root.back() == '/')
    root.pop_back();
  PmHome home{root};
  if (auto s = make_directory(home.root); !s) return s.error();
  if (auto s = make_directory(home.logs()); !s) return s.error();
  if (home.socket().size() >= 108) {
    return Error{
        fmt::format("pm: PM_HOME is '{}'; expected a path shorter than {} characters "
                    "(a unix socket's path is limited)",
                    root, 108 - 8)};
  }
  return home;
}

}  // namespace clab::pm
