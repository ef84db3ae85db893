// Prometheus's text exposition format (0.0.4) for the instances a Sampler measured and for
// the process that serves it (the standard process_* metrics a client library exports), by
// Prometheus's naming rules: base units (seconds, bytes), counters ending in _total, one
// HELP and TYPE line per family. `promtool check metrics` accepts what it renders.
#pragma once

#include <string>
#include <vector>

#include "monitor/instance_figures.hpp"

namespace clab::monitor {

std::string prometheus_text(const std::vector<InstanceFigures>& instances);

}  // namespace clab::monitor
