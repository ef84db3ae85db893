#include "checks/registry.hpp"

namespace clab::harness {

std::vector<std::unique_ptr<Check>> all_checks() {
  std::vector<std::unique_ptr<Check>> out;
  out.push_back(make_load_distribution_check());
  out.push_back(make_respawn_check());
  out.push_back(make_reuseport_drop_check());
  out.push_back(make_shared_state_check());
  return out;
}

}  // namespace clab::harness
