// Waiting for a line a process writes to a file (a log): woken by inotify at each write to
// the file, not by a clock, so it returns as soon as the text is there.
#pragma once

#include <chrono>
#include <string>

namespace clab::testkit {

// True once the file at `path` (which exists) contains `text`; false at the deadline.
bool wait_for_text(const std::string& path, const std::string& text,
                   std::chrono::milliseconds timeout);

}  // namespace clab::testkit
