#include "cli/cli_error.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>
#include <thread>

#include "net/socket_address.hpp"

namespace clab::cli {

namespace {

// CLI11 takes the word after an option as its value even when that word is another flag:
// "--access-log --json" would log to a file named "--json". A value that starts with "--"
// must be written "--flag=value"; returns the message for the first one that is not.
std::optional<std::string> flag_taken_as_value(CLI::App& app, int argc, char** argv) {
  CLI::App* current = &app;
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string word = argv[i];
    const auto subcommands =
        current->get_subcommands([&](CLI::App* sub) { return sub->check_name(word); });
    if (!subcommands.empty()) {
      current = subcommands.front();
      continue;
    }
    const bool long_name = word.rfind("--", 0) == 0 && word.size() > 2;
    const bool short_name = word.size() == 2 && word[0] == '-' && word[1] != '-';
    if ((!long_name && !short_name) || word.find('=') != std::string::npos) continue;
    const CLI::Option* option = current->get_option_no_throw(word);
    const std::string next = argv[i + 1];
    if (option != nullptr && option->get_items_expected_min() > 0 && next.rfind("--", 0) == 0) {
      return fmt::format(
          "{} needs a value, but the next word is '{}' (write {}={} if that is the "
          "value)",
          word, next, word, next);
    }
  }
  return std::nullopt;
}

// For a program with subcommands that got none: names the word it got instead and lists the
// subcommands ("'bogus' is not a subcommand; the subcommands: list, run").
std::optional<std::string> missing_subcommand(CLI::App& app, int argc, char** argv) {
  const auto subcommands =
      app.get_subcommands([](CLI::App* sub) { return !sub->get_name().empty(); });
  if (subcommands.empty() || !app.get_subcommands().empty()) return std::nullopt;
  std::vector<std::string> names;
  for (const auto* sub : subcommands)
    names.push_back(sub->get_name());
  const std::string list = fmt::format("{}", fmt::join(names, ", "));
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-')
      return fmt::format("'{}' is not a subcommand; the subcommands: {}", argv[i], list);
  }
  return fmt::format("a subcommand is needed: {}", list);
}

}  // namespace

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  if (auto message = flag_taken_as_value(app, argc, argv)) {
    fmt::print(stderr, "{}: {} (see {} --help)\n", app.get_name(), *message, app.get_name());
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    fmt::print("{}", app.help());
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    fmt::print("{}", app.help("", CLI::AppFormatMode::All));
    return 0;
  } catch (const CLI::ParseError& e) {
    const auto subcommand_message = missing_subcommand(app, argc, argv);
    fmt::print(stderr, "{}: {} (see {} --help)\n", app.get_name(),
               subcommand_message.value_or(e.what()), app.get_name());
    return kExitUsage;
  }
  return std::nullopt;
}

CLI::Validator finite_range(double min, double max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        double value = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value) ||
            value < min || value > max) {
          return fmt::format("value '{}' is not a number from {} to {}", text, min, max);
        }
        return {};
      },
      fmt::format("NUMBER in [{} - {}]", min, max));
}

CLI::Validator ip_address() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto address = net::SocketAddress::parse(text, 0);
        return address ? std::string() : address.error().message;
      },
      "ADDRESS");
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
