#include "proc/program_path.hpp"

#include <unistd.h>

#include <fmt/format.h>

namespace clab::proc {

namespace {
constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
}

Result<std::string> find_program(const std::string& name, const std::string& path) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) != 0)
      return Error{fmt::format("'{}' is not an executable file", name)};
    return name;
  }
  for (std::size_t begin = 0; begin <= path.size();) {
    std::size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    const std::string candidate = path.substr(begin, end - begin) + "/" + name;
    if (end > begin && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    begin = end + 1;
  }
  return Error{fmt::format("'{}' is not on PATH", name)};
}

Result<std::string> find_program_in(const std::string& name,
                                    const std::vector<std::string>& environment) {
  std::string path = kDefaultPath;
  for (const auto& entry : environment) {
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  }
  return find_program(name, path);
}

}  // namespace clab::proc
