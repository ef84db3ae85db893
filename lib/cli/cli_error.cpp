#include "cli/cli_error.hpp"

#include <fmt/format.h>

#include <charconv>
#include <thread>

namespace clab::cli {

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    fmt::print("{}", app.help());
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    fmt::print("{}", app.help("", CLI::AppFormatMode::All));
    return 0;
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: {} (see {} --help)\n", app.get_name(), e.what(), app.get_name());
    return kExitUsage;
  }
  return std::nullopt;
}

CLI::Validator count_or_max(int max_value) {
  return CLI::Validator(
      [max_value](std::string& text) -> std::string {
        if (text == "max") return {};
        int value = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || ptr != text.data() + text.size() || value < 1 ||
            value > max_value) {
          return fmt::format("value '{}' is not a whole number from 1 to {} or 'max'", text,
                             max_value);
        }
        return {};
      },
      "N|max");
}

int resolve_count_or_max(const std::string& text) {
  if (text == "max") return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::stoi(text);
}

}  // namespace clab::cli
