// The control socket between the pm CLI and its daemon: a unix stream socket in PM_HOME,
// one JSON request per line, one JSON response per line (docs/pm-protocol.md).
//
// ControlServer (the daemon's side) creates the socket with mode 0600 and checks every
// connection's peer uid with SO_PEERCRED: a process of another user is refused even if the
// file mode were loosened. A request may be answered later (a reload takes seconds): the
// handler gets a Reply to call once, when the work is done; the loop goes on meanwhile.
// Invariant: each connection gets exactly one response line, then is closed: an answer, or
// an error for a request that is not one JSON object per line, is over 16 MiB, or has not
// arrived whole within 5 s of the connection (so idle connections cannot pile up).
// Single-threaded, on the daemon's EventLoop.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cluster/event_loop.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::pm {

using Reply = std::function<void(const nlohmann::json& response)>;

class ControlServer {
 public:
  using Handler = std::function<void(const nlohmann::json& request, Reply reply)>;

  // Binds `path` (replacing a stale socket file), mode 0600, and listens on `loop`.
  static Result<std::unique_ptr<ControlServer>> listen(cluster::EventLoop& loop,
                                                       const std::string& path, Handler handler);
  ~ControlServer();

  std::size_t open_connections() const { return connections_.size(); }

 private:
  struct Connection {
    std::uint64_t id = 0;  // never reused, unlike the descriptor's number
    UniqueFd fd;
    std::string input;
    std::string output;
    std::string refusal;  // another user's connection: the only answer it gets
    bool answered = false;
    std::optional<cluster::EventLoop::TimerId> deadline;  // for its request line
  };

  ControlServer(cluster::EventLoop& loop, UniqueFd listener, std::string path, Handler handler);
  void accept_connections();
  void on_readable(int fd);
  void on_writable(int fd);
  void answer(int fd, const nlohmann::json& response);
  void close(int fd);

  cluster::EventLoop& loop_;
  UniqueFd listener_;
  std::string path_;
  Handler handler_;
  std::map<int, std::unique_ptr<Connection>> connections_;  // by descriptor
  std::uint64_t next_connection_id_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // replies outliving us
};

// The CLI's side: one request, one response. An error when no daemon listens on `path`
// (nothing is there, or a stale socket), or the daemon closed without an answer.
Result<nlohmann::json> call_daemon(const std::string& path, const nlohmann::json& request,
                                   int timeout_ms);

}  // namespace clab::pm
