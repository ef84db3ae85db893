#include "cluster/round_robin_handoff.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

namespace clab::cluster {

RoundRobinHandoff::RoundRobinHandoff(EventLoop& loop, int listener, Limits limits,
                                     std::function<void(const Error&)> report)
    : loop_(loop), listener_(listener), limits_(limits), report_(std::move(report)) {
  if (auto s = loop_.add(listener_, 0, [this](std::uint32_t) { accept_connections(); }); !s)
    report_(s.error());
}

RoundRobinHandoff::~RoundRobinHandoff() {
  loop_.remove(listener_);
}

void RoundRobinHandoff::join(int id, Taker& taker) {
  members_[id] = Member{&taker, {}};
}

void RoundRobinHandoff::leave(int id) {
  give_back(id);
  dispatch();
}

void RoundRobinHandoff::give_back(int id) {
  auto it = members_.find(id);
  if (it == members_.end()) return;
  auto& unanswered = it->second.unanswered;
  for (auto c = unanswered.rbegin(); c != unanswered.rend(); ++c)
    queue_.push_front(std::move(c->second));  // oldest first, ahead of newer arrivals
  members_.erase(it);
}

void RoundRobinHandoff::answered(int id, std::uint64_t seq, bool taken) {
  auto it = members_.find(id);
  if (it == members_.end()) return;
  auto connection = it->second.unanswered.find(seq);
  if (connection == it->second.unanswered.end()) return;
  if (!taken) queue_.push_front(std::move(connection->second));  // to the next worker
  it->second.unanswered.erase(connection);
  dispatch();
}

std::size_t RoundRobinHandoff::unanswered(int id) const {
  auto it = members_.find(id);
  return it == members_.end() ? 0 : it->second.unanswered.size();
}

RoundRobinHandoff::Member* RoundRobinHandoff::next(bool advance) {
  if (members_.empty()) return nullptr;
  // The first member after the last one chosen, in id order, wrapping around.
  auto it = members_.upper_bound(last_id_);
  for (std::size_t seen = 0; seen < members_.size(); ++seen, ++it) {
    if (it == members_.end()) it = members_.begin();
    Member& m = it->second;
    if (m.unanswered.size() >= limits_.max_unanswered || !m.taker->can_take_connection()) continue;
    if (advance) last_id_ = it->first;
    return &m;
  }
  return nullptr;
}

std::size_t RoundRobinHandoff::held() const {
  std::size_t held = queue_.size();
  for (const auto& [id, member] : members_)
    held += member.unanswered.size();
  return held;
}

void RoundRobinHandoff::set_accepting(bool on) {
  if (closed_ || accepting_ == on) return;
  accepting_ = on;
  (void)loop_.modify(listener_, on ? EPOLLIN : 0u);
}

void RoundRobinHandoff::close() {
  set_accepting(false);
  closed_ = true;
}

void RoundRobinHandoff::accept_connections() {
  for (int i = 0; i < 64; ++i) {
    if (next(/*advance=*/false) == nullptr || held() >= limits_.budget) return set_accepting(false);
    UniqueFd connection(::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      if (errno == ECONNABORTED) continue;
      report_(errno_error("accept"));
      // Out of descriptors (or worse): leave connections in the backlog for a while rather
      // than spin on a socket that stays readable.
      set_accepting(false);
      loop_.after(std::chrono::milliseconds(100), [this] {
        if (!closed_) set_accepting(next(false) != nullptr);
      });
      return;
    }
    queue_.push_back(std::move(connection));
    dispatch();
  }
}

void RoundRobinHandoff::dispatch() {
  for (auto& [id, member] : members_)
    member.taker->retry_output();
  while (!queue_.empty()) {
    Member* member = next(/*advance=*/true);
    if (member == nullptr) break;
    const std::uint64_t seq = next_seq_++;
    if (!member->taker->hand_connection(queue_.front().get(), seq)) {
      give_back(last_id_);  // its channel is gone: so is its place in the rotation
      continue;
    }
    member->unanswered.emplace(seq, std::move(queue_.front()));
    queue_.pop_front();
  }
  set_accepting(held() < limits_.budget && next(false) != nullptr);
}

}  // namespace clab::cluster
