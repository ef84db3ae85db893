#include "cluster/event_log.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <cctype>
#include <chrono>

#include "net/socket_address.hpp"

namespace clab::cluster {
namespace {

nlohmann::json describe(const Worker& worker) {
  return {{"id", worker.id()}, {"instance", worker.instance()}, {"pid", worker.pid()}};
}

std::string action_text(const RespawnDecision& decision) {
  switch (decision.action) {
    case RespawnDecision::Action::Restart:
      return decision.delay.count() == 0
                 ? "starting a new worker"
                 : fmt::format("starting a new worker in {} ms", decision.delay.count());
    case RespawnDecision::Action::Errored:
      return fmt::format("not restarted: {}", decision.reason);
    case RespawnDecision::Action::Stop:
      return decision.reason;
  }
  return {};
}

std::string_view action_name(RespawnDecision::Action action) {
  switch (action) {
    case RespawnDecision::Action::Restart:
      return "restart";
    case RespawnDecision::Action::Errored:
      return "errored";
    case RespawnDecision::Action::Stop:
      return "stop";
  }
  return "?";
}

}  // namespace

void EventLog::emit(const std::string& human, nlohmann::json fields) {
  if (format_ == Format::Json) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    fields["time_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
    fmt::print(out_, "{}\n", fields.dump());
  } else {
    fmt::print(out_, "{}\n", human);
  }
  std::fflush(out_);
}

ClusterEvents EventLog::events() {
  ClusterEvents events;
  events.online = [this](Worker& w) {
    if (format_ == Format::Json) emit({}, {{"event", "online"}, {"worker", describe(w)}});
  };
  events.listening = [this](Worker& w) {
    emit(fmt::format("Worker {} started (id {}, instance {})", w.pid(), w.id(), w.instance()),
         {{"event", "listening"}, {"worker", describe(w)}});
  };
  events.ready = [this](Worker& w) {
    if (format_ == Format::Json) emit({}, {{"event", "ready"}, {"worker", describe(w)}});
  };
  events.listen_timeout = [this](Worker& w) {
    emit(fmt::format("Worker {} was not ready within listen_timeout: killed", w.pid()),
         {{"event", "listen-timeout"}, {"worker", describe(w)}});
  };
  events.suspect = [this](Worker& w, std::chrono::milliseconds silent) {
    emit(fmt::format("Worker {} is late with its heartbeat ({} ms): no new connections for it",
                     w.pid(), silent.count()),
         {{"event", "suspect"}, {"worker", describe(w)}, {"silent_ms", silent.count()}});
  };
  events.hung = [this](Worker& w, std::chrono::milliseconds silent) {
    emit(
        fmt::format("Worker {} sent no heartbeat for {} ms: hung, killed", w.pid(), silent.count()),
        {{"event", "hung"}, {"worker", describe(w)}, {"silent_ms", silent.count()}});
  };
  events.errored = [this](int instance, std::size_t live) {
    emit(fmt::format("Worker slot {} errored and is left stopped; {} worker{} still running",
                     instance, live, live == 1 ? "" : "s"),
         {{"event", "errored"}, {"instance", instance}, {"workers", live}});
  };
  events.exit = [this](Worker& w, const ExitStatus& status, const RespawnDecision& decision) {
    const bool died = decision.action != RespawnDecision::Action::Stop;
    std::string how = status.describe();
    if (w.stop_requested()) {
      how += w.killed_by_primary()
                 ? fmt::format(", killed after kill_timeout, {} ms", w.stop_duration().count())
                 : fmt::format(", stopped in {} ms", w.stop_duration().count());
    }
    emit(fmt::format("Worker {} {} ({}); {}", w.pid(), died ? "died" : "exited", how,
                     action_text(decision)),
         {{"event", "exit"},
          {"worker", describe(w)},
          {"code", status.code},
          {"signal", status.signal},
          {"action", action_name(decision.action)},
          {"killed_by_primary", w.killed_by_primary()},
          {"stop_ms", w.stop_duration().count()},
          {"delay_ms", decision.delay.count()},
          {"reason", decision.reason}});
  };
  events.stopping = [this](int signal, std::size_t live) {
    const std::string why =
        signal == 0 ? "has no worker slot left" : "received " + proc::signal_name(signal);
    emit(fmt::format("Primary {} {}, stopping {} worker{}", ::getpid(), why, live,
                     live == 1 ? "" : "s"),
         {{"event", "stopping"}, {"signal", signal}, {"workers", live}});
  };
  events.error = [this](const Error& e) { error(e); };
  return events;
}

void EventLog::primary_running(const Primary& primary) {
  const auto& s = primary.settings();
  emit(fmt::format("Primary {} is running ({}, {} worker{})\nListening on http://{}", ::getpid(),
                   to_string(s.policy), s.workers, s.workers == 1 ? "" : "s",
                   net::host_port(s.host, primary.port())),
       {{"event", "primary"},
        {"pid", ::getpid()},
        {"policy", std::string(to_string(s.policy))},
        {"workers", s.workers},
        {"host", s.host},
        {"port", primary.port()}});
}

void EventLog::serving(const std::string& what, const std::string& url, std::uint16_t port) {
  std::string name = what;
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  emit(fmt::format("{} on {}", name, url), {{"event", what}, {"url", url}, {"port", port}});
}

void EventLog::primary_stopped(int exit_status) {
  emit(fmt::format("Primary {} stopped{}", ::getpid(),
                   exit_status == 0 ? ""
                                    : " (exit status 1: a worker had to be killed, or a worker "
                                      "slot errored)"),
       {{"event", "stopped"}, {"pid", ::getpid()}, {"status", exit_status}});
}

void EventLog::error(const Error& error) {
  emit(fmt::format("Primary {}: {}", ::getpid(), error.message),
       {{"event", "error"}, {"message", error.message}});
}

}  // namespace clab::cluster
