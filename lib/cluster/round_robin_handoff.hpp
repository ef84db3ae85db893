// RoundRobinHandoff: the primary's half of round-robin on one listening socket (Node's
// RoundRobinHandle, SCHED_RR): it accepts connections and hands each to the next worker, in
// id order, that can take one now. A connection stays the handoff's until its worker answers:
// taken (the primary closes its copy) or refused (it goes to the next worker). A worker that
// leaves gives back the connections it never answered, ahead of newer ones.
//
// The listener is read only while some worker can take a connection and fewer connections
// are held (accepted, not answered) than the budget, so the backlog waits in the kernel
// instead of in this process. Invariants: each held connection is in exactly one place (the
// queue or one worker's unanswered map); a worker holds at most max_unanswered at once.
// Single-threaded: the loop's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>

#include "cluster/event_loop.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::cluster {

class RoundRobinHandoff {
 public:
  // What the handoff needs of a worker.
  class Taker {
   public:
    // Up, not suspect, and its channel not backed up.
    virtual bool can_take_connection() const = 0;
    // Sends connection `seq` (the descriptor stays the handoff's); false when the worker's
    // channel is gone.
    virtual bool hand_connection(int fd, std::uint64_t seq) = 0;
    // Output held back by descriptors in flight may go on: the peer read some. It must not
    // call back into the handoff (a failure shows on the channel's next read).
    virtual void retry_output() {}

   protected:
    ~Taker() = default;
  };

  struct Limits {
    std::size_t budget = 4096;       // connections held at once, all workers together
    std::size_t max_unanswered = 1;  // per worker (Node: 1; ClusterLab: from the budget)
  };

  // `listener` is listening and stays the caller's.
  RoundRobinHandoff(EventLoop& loop, int listener, Limits limits,
                    std::function<void(const Error&)> report);
  ~RoundRobinHandoff();
  RoundRobinHandoff(const RoundRobinHandoff&) = delete;
  RoundRobinHandoff& operator=(const RoundRobinHandoff&) = delete;

  void join(int id, Taker& taker);
  // The worker goes: its unanswered connections go to the others.
  void leave(int id);
  // The worker's answer for connection `seq`.
  void answered(int id, std::uint64_t seq, bool taken);
  // Hands out what is queued to whoever can take it now (a worker came up, beat again,
  // drained its channel).
  void dispatch();
  // Stops reading the listener for good (the group stops); held connections stay until
  // their workers answer or leave.
  void close();

  std::size_t unanswered(int id) const;
  std::size_t queued() const { return queue_.size(); }

 private:
  struct Member {
    Taker* taker;
    std::map<std::uint64_t, UniqueFd> unanswered;
  };
  void accept_connections();
  // Takes the member out, its unanswered connections back to the head of the queue.
  void give_back(int id);
  // The member next in rotation that can take a connection now; nullptr when none can.
  Member* next(bool advance);
  std::size_t held() const;
  void set_accepting(bool on);

  EventLoop& loop_;
  int listener_;
  Limits limits_;
  std::function<void(const Error&)> report_;
  std::map<int, Member> members_;  // by worker id: the rotation's order
  int last_id_ = 0;
  std::uint64_t next_seq_ = 1;
  std::deque<UniqueFd> queue_;  // accepted, waiting for a worker
  bool accepting_ = false;
  bool closed_ = false;
};

}  // namespace clab::cluster
