#include "svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace clab::bench {
namespace {

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c",
                                   "#ff7f0e", "#9467bd", "#8c564b"};
constexpr double kPanelWidth = 360, kPanelHeight = 280, kLeft = 64, kRight = 16, kTop = 40,
                 kBottom = 48;

double nice_ceiling(double v) {
  if (v <= 0) return 1;
  const double power = std::pow(10, std::floor(std::log10(v)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (v <= step * power) return step * power;
  }
  return 10 * power;
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

std::string render_panel(const Panel& panel, double x0) {
  double max_x = 1, max_y = 0;
  for (const auto& s : panel.series) {
    for (const auto& [x, y] : s.points) {
      max_x = std::max(max_x, x);
      max_y = std::max(max_y, y);
    }
  }
  max_y = nice_ceiling(max_y * 1.05);
  const double w = kPanelWidth - kLeft - kRight, h = kPanelHeight - kTop - kBottom;
  auto px = [&](double x) { return x0 + kLeft + (max_x <= 1 ? 0 : (x - 1) / (max_x - 1) * w); };
  auto py = [&](double y) { return kTop + h - y / max_y * h; };
  std::string out =
      fmt::format("<text x=\"{:.1f}\" y=\"24\" font-size=\"13\" font-weight=\"bold\">{}</text>\n",
                  x0 + kLeft, escape(panel.title));
  out += fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" "
      "stroke=\"#999\"/>\n",
      x0 + kLeft, kTop, w, h);
  for (int i = 0; i <= 4; ++i) {
    const double y = max_y * i / 4;
    out += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#eee\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"end\">{:g}</text>\n",
        x0 + kLeft, x0 + kLeft + w, py(y), py(y), x0 + kLeft - 4, py(y) + 3, y);
  }
  std::vector<double> xs;
  for (const auto& s : panel.series) {
    for (const auto& p : s.points)
      xs.push_back(p.first);
  }
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  for (double x : xs) {
    out += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"middle\">{:g}</text>\n",
        px(x), kTop + h + 14, x);
  }
  out += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
      x0 + kLeft + w / 2, kTop + h + 32, escape(panel.x_label));
  out += fmt::format(
      "<text transform=\"translate({:.1f},{:.1f}) rotate(-90)\" font-size=\"11\" "
      "text-anchor=\"middle\">{}</text>\n",
      x0 + 14, kTop + h / 2, escape(panel.y_label));
  for (std::size_t i = 0; i < panel.series.size(); ++i) {
    const auto& s = panel.series[i];
    const std::size_t palette_index = s.color >= 0 ? static_cast<std::size_t>(s.color) : i;
    const char* color = kColors[palette_index % std::size(kColors)];
    std::string points;
    for (const auto& [x, y] : s.points)
      points += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
    out +=
        fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} points=\"{}\"/>\n",
                    color, s.dashed ? " stroke-dasharray=\"5,4\"" : "", points);
    for (const auto& [x, y] : s.points) {
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", px(x),
                         py(y), color);
    }
    out += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-width=\"2\"{}/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\">{}</text>\n",
        x0 + kLeft + 8, x0 + kLeft + 26, kTop + 12 + 13.0 * i, kTop + 12 + 13.0 * i, color,
        s.dashed ? " stroke-dasharray=\"5,4\"" : "", x0 + kLeft + 30, kTop + 15 + 13.0 * i,
        escape(s.name));
  }
  return out;
}

}  // namespace

std::string render_svg(const std::string& title, const std::vector<Panel>& panels) {
  const double width = kPanelWidth * static_cast<double>(panels.size());
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" "
      "font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<title>{}</title>\n",
      width, kPanelHeight, escape(title));
  for (std::size_t i = 0; i < panels.size(); ++i)
    out += render_panel(panels[i], kPanelWidth * static_cast<double>(i));
  return out + "</svg>\n";
}

}  // namespace clab::bench
