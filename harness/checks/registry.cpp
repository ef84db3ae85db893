#include "checks/registry.hpp"

namespace clab::harness {

std::vector<std::unique_ptr<Check>> all_checks() {
  std::vector<std::unique_ptr<Check>> out;
  out.push_back(make_crash_loop_check());
  out.push_back(make_cron_under_faults_check());
  out.push_back(make_daemon_crash_check());
  out.push_back(make_duplicate_cron_check());
  out.push_back(make_ecosystem_validation_check());
  out.push_back(make_graceful_drain_check());
  out.push_back(make_hung_worker_check());
  out.push_back(make_kill_timeout_check());
  out.push_back(make_load_distribution_check());
  out.push_back(make_memory_restart_check());
  out.push_back(make_memory_per_worker_check());
  out.push_back(make_metrics_agree_check());
  out.push_back(make_multi_host_check());
  out.push_back(make_orphans_check());
  out.push_back(make_respawn_check());
  out.push_back(make_reuseport_drop_check());
  out.push_back(make_shared_state_check());
  out.push_back(make_wait_ready_check());
  out.push_back(make_zero_downtime_reload_check());
  return out;
}

}  // namespace clab::harness
