// The factory of each check; all_checks() (check.hpp) lists them. One line per check here
// and in registry.cpp: explicit, so no check can silently drop out of a static library.
#pragma once

#include <memory>

#include "check.hpp"

namespace clab::harness {

std::unique_ptr<Check> make_crash_loop_check();
std::unique_ptr<Check> make_cron_under_faults_check();
std::unique_ptr<Check> make_daemon_crash_check();
std::unique_ptr<Check> make_duplicate_cron_check();
std::unique_ptr<Check> make_ecosystem_validation_check();
std::unique_ptr<Check> make_graceful_drain_check();
std::unique_ptr<Check> make_hung_worker_check();
std::unique_ptr<Check> make_kill_timeout_check();
std::unique_ptr<Check> make_load_distribution_check();
std::unique_ptr<Check> make_memory_restart_check();
std::unique_ptr<Check> make_memory_per_worker_check();
std::unique_ptr<Check> make_metrics_agree_check();
std::unique_ptr<Check> make_multi_host_check();
std::unique_ptr<Check> make_orphans_check();
std::unique_ptr<Check> make_respawn_check();
std::unique_ptr<Check> make_reuseport_drop_check();
std::unique_ptr<Check> make_shared_state_check();
std::unique_ptr<Check> make_wait_ready_check();
std::unique_ptr<Check> make_zero_downtime_reload_check();

}  // namespace clab::harness
