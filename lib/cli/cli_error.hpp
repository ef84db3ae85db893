// Shared handling of command-line errors for every ClusterLab program: one line on stderr
// naming the program, the flag, the value and what was expected, and exit status 2.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace clab::cli {

inline constexpr int kExitUsage = 2;

// Parses argv into app. Returns an exit status when the program should exit now (0 after
// --help, 2 after a usage error, already reported), or nullopt to carry on.
std::optional<int> parse(CLI::App& app, int argc, char** argv);

// A CLI11 validator for a finite number from min to max: "nan", "inf" and words are refused
// (CLI::Range lets NaN through, as every comparison with it is false).
CLI::Validator finite_range(double min, double max);

// A CLI11 validator for an IP address literal to listen on: 127.0.0.1, ::1, 0.0.0.0, ::.
CLI::Validator ip_address();

// A CLI11 validator for "N" (1..max_value) or "max"; the option stays a string.
CLI::Validator count_or_max(int max_value);
// Resolves a string accepted by count_or_max(); "max" is the number of cores.
int resolve_count_or_max(const std::string& text);

}  // namespace clab::cli
