// Debian's chromium, headless, as a test's real browser: the DOM a page has built after it
// ran its scripts, and a screenshot. A page that streams (Server-Sent Events) must end its
// stream by itself (the dashboard's ?updates=N) for the browser to finish.
#pragma once

#include <unistd.h>

#include <optional>
#include <string>

#include "core/temp_directory.hpp"
#include "run_command.hpp"

namespace clab::testing {

inline bool chromium_installed() {
  return ::access("/usr/bin/chromium", X_OK) == 0;
}

// Runs chromium with `what` ("--dump-dom" or "--screenshot=FILE") on `url`; its standard
// output (the DOM for --dump-dom), or nullopt when it failed or took over 60 s.
inline std::optional<std::string> run_chromium(const std::string& what, const std::string& url) {
  auto profile = TempDirectory::create("clusterlab-chromium");
  if (!profile) return std::nullopt;
  const std::string command =
      "exec chromium --headless --no-sandbox --disable-gpu --window-size=1400,1000 "
      "--virtual-time-budget=30000 --user-data-dir='" +
      profile->path() + "' " + what + " '" + url + "' 2>/dev/null";
  const auto run = run_command({.argv = {"/bin/sh", "-c", command}}, std::chrono::seconds(60));
  if (run.code() != 0) return std::nullopt;
  return run.text();
}

}  // namespace clab::testing
