// What `pm start` sends the daemon: the apps of an ecosystem file (read and checked here,
// so a broken file starts nothing), or one program given on the command line, each with
// the CLI's environment (as PM2 passes it) and paths made absolute.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace clab::pm {

struct StartArguments {
  std::string target;             // an ecosystem file or a program
  std::vector<std::string> args;  // after --: the program's arguments
  std::string name;               // --name
  std::string instances;          // -i: N, max, 0 or -1; empty: not given
  std::vector<std::string> only;  // --only
  std::string env_name;           // --env
  bool watch = false;             // --watch
};

// True when `target` names an ecosystem file rather than a program.
bool is_ecosystem_file(const std::string& target);

// The start request; bad input is an Error whose message is the one line to print (the
// caller exits 2). Warnings (unknown fields) are appended to `warnings`.
Result<nlohmann::json> build_start_request(const StartArguments& arguments,
                                           std::vector<std::string>& warnings);

}  // namespace clab::pm
