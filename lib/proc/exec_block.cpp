#include "proc/exec_block.hpp"

#include <unistd.h>  // environ (_GNU_SOURCE)

namespace clab::proc {

std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& set, const std::string& drop_prefix) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (!drop_prefix.empty() && entry.rfind(drop_prefix, 0) == 0) continue;
    bool replaced = false;
    for (const auto& [key, value] : set)
      replaced |= entry.rfind(key + "=", 0) == 0;
    if (!replaced) env.push_back(entry);
  }
  for (const auto& [key, value] : set)
    env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace clab::proc
