// Where a program is: what execvp() would run for a name, found before fork() so that the
// child only calls execve(). A name with a slash is taken as it is; one without is looked up
// in each directory of PATH, in order (an empty PATH entry is skipped).
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"

namespace clab::proc {

// The executable file `name` runs, given the PATH to search; an error naming the program
// when it is not an executable file, or not on PATH.
Result<std::string> find_program(const std::string& name, const std::string& path);

// The same, with PATH taken from `environment` ("NAME=value" entries), or the default
// search path when it has none.
Result<std::string> find_program_in(const std::string& name,
                                    const std::vector<std::string>& environment);

}  // namespace clab::proc
