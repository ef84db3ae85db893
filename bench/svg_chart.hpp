// LineChart: a small SVG line chart (axes, ticks, one polyline per series, a legend),
// enough for the classroom benchmark's plots without a plotting dependency.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace clab::bench {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y)
  bool dashed = false;
  int color = -1;  // index into the palette; -1: the series' position
};

struct Panel {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<Series> series;
};

// Panels side by side in one SVG document.
std::string render_svg(const std::string& title, const std::vector<Panel>& panels);

}  // namespace clab::bench
