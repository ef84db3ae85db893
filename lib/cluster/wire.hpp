// The cluster's internal IPC messages. Internal messages carry a "clab" key naming the
// command; anything without it is a user message (Node separates its NODE_CLUSTER
// messages the same way).
//
//   worker -> primary  {"clab":"online"}      the process runs and reads its channel
//                      {"clab":"listening"}   it accepts connections now
//                      {"clab":"accepted", "seq":N}  round-robin: it took connection N
//                      {"clab":"ready"}       the application is ready (PM2's 'ready')
//                      {"clab":"stopping"}    it drains: send it no more connections
//                      {"clab":"heartbeat", "lag_ms":L, ...}  every heartbeat_ms once
//                         listening: how late its loop ran the heartbeat timer, and the
//                         figures the program adds (requests answered, in flight, latency)
//   primary -> worker  {"clab":"listen", "policy":..., "host":..., "port":...,
//                       "heartbeat_ms":I}
//                         (shared: the listening socket travels with it)
//                      {"clab":"connection", "seq":N}  round-robin: one accepted socket
//                         with it; the primary keeps its own copy until "accepted", and
//                         hands it to another worker if this one dies first (as Node does)
//                      {"clab":"disconnect"}  stop accepting and exit
//                      {"clab":"shutdown"}    the same, PM2's shutdown_with_message
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace clab::cluster::wire {

inline constexpr const char* kKey = "clab";
inline constexpr const char* kOnline = "online";
inline constexpr const char* kListening = "listening";
inline constexpr const char* kListen = "listen";
inline constexpr const char* kConnection = "connection";
inline constexpr const char* kAccepted = "accepted";
inline constexpr const char* kReady = "ready";
inline constexpr const char* kStopping = "stopping";
inline constexpr const char* kHeartbeat = "heartbeat";
inline constexpr const char* kDisconnect = "disconnect";
inline constexpr const char* kShutdown = "shutdown";

inline nlohmann::json internal(const char* command) {
  return {{kKey, command}};
}

// The command of an internal message, or "" for a user message.
inline std::string command_of(const nlohmann::json& message) {
  if (!message.is_object()) return {};
  auto it = message.find(kKey);
  return it != message.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace clab::cluster::wire
