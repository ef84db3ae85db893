// The live dashboard: one self-contained HTML page (no CDN, no library: the charts are SVG
// drawn by its own script, so it works offline in a classroom) that follows MonitorServer's
// /api/events stream: per-instance figures and live charts (requests/s, p99 latency, PSS,
// restarts), the load distribution with Jain's fairness index, and the event timeline.
// Elements carry ids and data-* attributes so a browser test can read what it shows;
// `/?updates=N` stops following after N updates, so a headless browser can print the page.
#pragma once

#include <string>

namespace clab::monitor {

std::string dashboard_page(const std::string& title);

}  // namespace clab::monitor
