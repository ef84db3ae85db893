#include "cluster/listen_policy.hpp"

namespace clab::cluster {

std::optional<ListenPolicy> parse_listen_policy(std::string_view text) {
  if (text == "round-robin" || text == "rr") return ListenPolicy::RoundRobin;
  if (text == "shared" || text == "none") return ListenPolicy::Shared;
  if (text == "reuseport") return ListenPolicy::ReusePort;
  return std::nullopt;
}

std::string_view to_string(ListenPolicy policy) {
  switch (policy) {
    case ListenPolicy::RoundRobin:
      return "round-robin";
    case ListenPolicy::Shared:
      return "shared";
    case ListenPolicy::ReusePort:
      return "reuseport";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, ListenPolicy policy) {
  return out << to_string(policy);
}

}  // namespace clab::cluster
