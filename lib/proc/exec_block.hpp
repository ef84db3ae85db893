// The argv and envp arrays execve() wants, built before fork() so the child only execs.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace clab::proc {

// This process's environment, minus variables whose names start with drop_prefix (when not
// empty), with `set` added (replacing variables of the same name).
std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& set,
    const std::string& drop_prefix = {});

// Null-terminated pointers into `strings`, which must outlive them.
std::vector<char*> pointers_to(std::vector<std::string>& strings);

}  // namespace clab::proc
