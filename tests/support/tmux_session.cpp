#include "support/tmux_session.hpp"

#include <fmt/format.h>

#include <fstream>
#include <thread>

#include "support/run_command.hpp"

namespace clab::testing {
namespace {

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::optional<TmuxSession> TmuxSession::start(const std::vector<std::string>& argv) {
  auto directory = TempDirectory::create("clusterlab-tmux");
  if (!directory) return std::nullopt;
  TmuxSession session(std::move(directory.value()));
  std::ofstream(session.directory_.file("tmux.conf")) << "set -g remain-on-exit on\n";
  std::string command;
  for (const auto& word : argv)
    command += (command.empty() ? "" : " ") + shell_quote(word);
  if (!session.tmux({"new-session", "-d", "-s", "lesson", "-x", "120", "-y", "50", command})) {
    return std::nullopt;
  }
  return session;
}

TmuxSession::~TmuxSession() {
  if (!directory_.path().empty()) (void)tmux({"kill-server"});
}

std::optional<std::string> TmuxSession::tmux(std::vector<std::string> arguments) const {
  arguments.insert(arguments.begin(),
                   {"tmux", "-S", directory_.file("socket"), "-f", directory_.file("tmux.conf")});
  const auto run =
      run_command({.argv = arguments, .env = {{"TERM", "xterm-256color"}}, .merge_stderr = true},
                  std::chrono::seconds(10));
  if (run.code() != 0) return std::nullopt;
  return run.text();
}

bool TmuxSession::send_keys(const std::vector<std::string>& keys) const {
  std::vector<std::string> arguments = {"send-keys", "-t", "lesson"};
  arguments.insert(arguments.end(), keys.begin(), keys.end());
  return tmux(arguments).has_value();
}

std::string TmuxSession::screen() const {
  return tmux({"capture-pane", "-p", "-J", "-t", "lesson"}).value_or("");
}

bool TmuxSession::wait_for_text(const std::string& text, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (screen().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

pid_t TmuxSession::pane_pid() const {
  const auto text = tmux({"display-message", "-p", "-t", "lesson", "#{pane_pid}"});
  return text ? std::atoi(text->c_str()) : 0;
}

bool TmuxSession::close() const {
  return tmux({"kill-session", "-t", "lesson"}).has_value();
}

}  // namespace clab::testing
