// Draws a Timeline as a standalone SVG: memory over time on top (the limit as a dashed line, events as
// marked verticals), CPU use in cores beneath. Plain SVG 1.1 with inline styles: any browser or rsvg shows it.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "reins/error.hpp"
#include "reins/timeline.hpp"
#include "reins/units.hpp"

namespace reins {
namespace {

constexpr double kWidth = 960, kLeft = 90, kRight = 30, kPlotWidth = kWidth - kLeft - kRight;
constexpr double kMemTop = 70, kMemHeight = 300, kCpuTop = 430, kCpuHeight = 130, kHeight = 620;

struct Unit {
  double factor;
  const char* name;
};

Unit byte_unit(double max) {
  if (max >= 1024.0 * 1024 * 1024) return {1024.0 * 1024 * 1024, "GiB"};
  if (max >= 1024.0 * 1024) return {1024.0 * 1024, "MiB"};
  if (max >= 1024.0) return {1024.0, "KiB"};
  return {1, "B"};
}

// A "nice" step (1, 2 or 5 × 10^k) giving about `count` ticks over [0, max].
double nice_step(double max, int count) {
  if (max <= 0) return 1;
  double raw = max / count, mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string number(double v) { return v == std::floor(v) ? fmt::format("{:.0f}", v) : fmt::format("{:g}", v); }

struct Frame {
  double top, height, t_max, y_max;
  double x(double t) const { return kLeft + kPlotWidth * (t_max > 0 ? t / t_max : 0); }
  double y(double v) const { return top + height - height * (y_max > 0 ? std::min(v, y_max) / y_max : 0); }
};

std::string axes(const Frame& f, double y_step, double y_factor, const char* y_unit, const std::string& title) {
  std::string out = fmt::format(R"(<text x="{}" y="{}" class="title">{}</text>)"
                                "\n",
                                kLeft, f.top - 12, escape(title));
  for (double v = 0; v <= f.y_max * 1.0001; v += y_step) {
    out += fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" class="grid"/>)"
                       R"(<text x="{}" y="{:.1f}" class="ylabel">{} {}</text>)"
                       "\n",
                       kLeft, kLeft + kPlotWidth, f.y(v), f.y(v), kLeft - 8, f.y(v) + 4, number(v / y_factor), y_unit);
  }
  double t_step = nice_step(f.t_max, 8);
  for (double t = 0; t <= f.t_max * 1.0001; t += t_step)
    out +=
        fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}" class="tick"/>)"
                    R"(<text x="{:.1f}" y="{}" class="xlabel">{}s</text>)"
                    "\n",
                    f.x(t), f.x(t), f.top + f.height, f.top + f.height + 5, f.x(t), f.top + f.height + 20, number(t));
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" class="frame"/>)"
                     "\n",
                     kLeft, f.top, kPlotWidth, f.height);
  return out;
}

template <typename Get>
std::string polyline(const Timeline& tl, const Frame& f, Get get, const char* cls) {
  std::string points;
  for (const auto& s : tl.samples)
    if (auto v = get(s)) points += fmt::format("{:.1f},{:.1f} ", f.x(s.t), f.y(static_cast<double>(*v)));
  if (points.empty()) return "";
  return fmt::format(R"(<polyline class="{}" points="{}"/>)"
                     "\n",
                     cls, points);
}

std::string memory_panel(const Timeline& tl, double t_max) {
  double max = 0;
  for (const auto& s : tl.samples)
    max =
        std::max({max, static_cast<double>(s.memory_bytes.value_or(0)), static_cast<double>(s.pss_bytes.value_or(0))});
  if (tl.memory_limit_bytes) max = std::max(max, static_cast<double>(*tl.memory_limit_bytes));
  Unit unit = byte_unit(max);
  double step = nice_step(max / unit.factor, 6) * unit.factor;
  Frame f{kMemTop, kMemHeight, t_max, std::max(step, std::ceil(max / step) * step)};
  std::string out = axes(f, step, unit.factor, unit.name, "Memory");
  out += polyline(
      tl, f, [](const TimelineSample& s) { return s.memory_bytes; }, "memory");
  out += polyline(
      tl, f, [](const TimelineSample& s) { return s.pss_bytes; }, "pss");
  if (tl.memory_limit_bytes) {
    double y = f.y(static_cast<double>(*tl.memory_limit_bytes));
    out += fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" class="limit"/>)"
                       R"(<text x="{}" y="{:.1f}" class="limitlabel">limit {}</text>)"
                       "\n",
                       kLeft, kLeft + kPlotWidth, y, y, kLeft + kPlotWidth - 4, y - 5,
                       format_size(*tl.memory_limit_bytes));
  }
  for (size_t i = 0; i < tl.events.size(); ++i) {
    const auto& e = tl.events[i];
    double x = f.x(e.t);
    bool right_half = x > kLeft + kPlotWidth / 2;  // label on the side with room for it
    out += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}" class="event ev-{}"/>)"
                       R"(<text x="{:.1f}" y="{}" class="eventlabel{}">{}</text>)"
                       "\n",
                       x, x, f.top, f.top + f.height, escape(e.event), right_half ? x - 4 : x + 4,
                       f.top + 14 + 13 * static_cast<double>(i % 4), right_half ? " end" : "",
                       escape(e.event + (e.detail.empty() ? "" : ": " + e.detail)));
  }
  return out;
}

std::string cpu_panel(const Timeline& tl, double t_max) {
  // CPU use between two samples, in cores: Δcpu_s / Δt.
  struct Point {
    double t, cores;
  };
  std::vector<Point> use;
  for (size_t i = 1; i < tl.samples.size(); ++i) {
    const auto &a = tl.samples[i - 1], &b = tl.samples[i];
    if (a.cpu_s && b.cpu_s && b.t > a.t) use.push_back({b.t, std::max(0.0, (*b.cpu_s - *a.cpu_s) / (b.t - a.t))});
  }
  double max = 1;
  for (const auto& p : use) max = std::max(max, p.cores);
  double step = nice_step(max, 3);
  Frame f{kCpuTop, kCpuHeight, t_max, std::ceil(max / step) * step};
  std::string out = axes(f, step, 1, "cores", "CPU use");
  std::string points;
  for (const auto& p : use) points += fmt::format("{:.1f},{:.1f} ", f.x(p.t), f.y(p.cores));
  if (!points.empty())
    out += fmt::format(R"(<polyline class="cpu" points="{}"/>)"
                       "\n",
                       points);
  return out;
}

constexpr const char* kStyle = R"(<style>
text { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; font-size: 12px; fill: #333; }
.heading { font-size: 16px; font-weight: bold; } .title { font-size: 13px; font-weight: bold; }
.ylabel { text-anchor: end; } .xlabel { text-anchor: middle; }
.grid { stroke: #e4e4e4; } .tick { stroke: #999; } .frame { fill: none; stroke: #999; }
.memory { fill: none; stroke: #1f77b4; stroke-width: 2; } .pss { fill: none; stroke: #ff7f0e; stroke-width: 2; }
.cpu { fill: none; stroke: #2ca02c; stroke-width: 1.5; }
.limit { stroke: #d62728; stroke-width: 1.5; stroke-dasharray: 6 4; } .limitlabel { fill: #d62728; text-anchor: end; }
.event { stroke: #9467bd; stroke-width: 1; stroke-dasharray: 2 3; } .ev-oom, .ev-guard, .ev-memory-limit { stroke: #d62728; }
.eventlabel { fill: #555; font-size: 11px; } .end { text-anchor: end; } .legend { text-anchor: end; }
.legend-memory { fill: #1f77b4; } .legend-pss { fill: #ff7f0e; } .legend-cpu { fill: #2ca02c; }
</style>
)";

// Legend entries for the series the timeline has.
std::string legend(const Timeline& tl) {
  auto any = [&](auto get) { return std::any_of(tl.samples.begin(), tl.samples.end(), get); };
  std::string out;
  if (any([](const TimelineSample& s) { return s.memory_bytes.has_value(); }))
    out += R"(<tspan class="legend-memory">━ memory</tspan>  )";
  if (any([](const TimelineSample& s) { return s.pss_bytes.has_value(); }))
    out += R"(<tspan class="legend-pss">━ PSS (guard)</tspan>  )";
  if (any([](const TimelineSample& s) { return s.cpu_s.has_value(); }))
    out += R"(<tspan class="legend-cpu">━ CPU</tspan>  )";
  return out;
}

}  // namespace

std::string render_svg(const Timeline& tl) {
  if (tl.samples.empty())
    throw InvalidArgument(
        "the trace has no samples: nothing to plot (was the command shorter than one "
        "--trace-interval?)");
  double t_max = tl.samples.back().t;
  for (const auto& e : tl.events) t_max = std::max(t_max, e.t);
  if (t_max <= 0) t_max = tl.interval_s > 0 ? tl.interval_s : 1;
  std::string cmd;
  for (const auto& a : tl.command) cmd += (cmd.empty() ? "" : " ") + a;
  std::string out = fmt::format(
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      "\n"
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}">)"
      "\n{}"
      R"(<rect width="100%" height="100%" fill="white"/>)"
      "\n"
      R"(<text x="{}" y="28" class="heading">reins run: {}</text>)"
      "\n"
      R"(<text x="{}" y="50" class="legend">{}{} samples every {}</text>)"
      "\n",
      kWidth, kHeight, kWidth, kHeight, kStyle, kLeft, escape(cmd.empty() ? "(unknown command)" : cmd), kWidth - kRight,
      legend(tl), tl.samples.size(),
      format_duration(std::chrono::nanoseconds(static_cast<long long>(std::clamp(tl.interval_s, 0.0, 1e6) * 1e9))));
  out += memory_panel(tl, t_max);
  out += cpu_panel(tl, t_max);
  out += "</svg>\n";
  return out;
}

}  // namespace reins
