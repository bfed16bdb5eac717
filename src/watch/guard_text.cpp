// The guard's names and the lines it gives the caller's logger.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "reins/error.hpp"
#include "reins/guard.hpp"
#include "reins/process.hpp"
#include "reins/units.hpp"

namespace reins {

std::string_view guard_metric_name(GuardMetric metric) noexcept {
  switch (metric) {
    case GuardMetric::pss:
      return "pss";
    case GuardMetric::rss:
      return "rss";
    case GuardMetric::uss:
      return "uss";
    case GuardMetric::cgroup:
      return "cgroup";
  }
  return "?";
}

GuardMetric parse_guard_metric(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (auto m : {GuardMetric::pss, GuardMetric::rss, GuardMetric::uss, GuardMetric::cgroup})
    if (lower == guard_metric_name(m)) return m;
  throw InvalidArgument(fmt::format("unknown memory metric '{}': expected pss, rss, uss or cgroup", text));
}

std::string_view guard_metric_label(GuardMetric metric) noexcept {
  switch (metric) {
    case GuardMetric::pss:
      return "PSS";
    case GuardMetric::rss:
      return "RSS";
    case GuardMetric::uss:
      return "USS";
    case GuardMetric::cgroup:
      return "cgroup charge";
  }
  return "?";
}

std::string_view guard_action_name(GuardAction action) noexcept {
  return action == GuardAction::kill ? "kill" : "report";
}

std::string_view guard_end_name(GuardEnd end) noexcept {
  switch (end) {
    case GuardEnd::gone:
      return "gone";
    case GuardEnd::killed:
      return "killed";
    case GuardEnd::cancelled:
      return "cancelled";
  }
  return "?";
}

std::string GuardBreach::describe() const {
  // The pid, unless the name already says it (default names do).
  std::string pid_text = fmt::format("pid {}", pid);
  std::string who = pid && name.find(pid_text) == std::string::npos ? " (" + pid_text + ")" : "";
  std::string done;
  if (action == GuardAction::report)
    done = "reported only";
  else
    done = fmt::format("sent SIG{} to {} process{}", signal_name(signal), signalled, signalled == 1 ? "" : "es");
  return fmt::format("{}: {} {} over the limit of {}{}: {}", name, guard_metric_label(metric), format_size(value),
                     format_size(limit), who, done);
}

std::string GuardStats::describe() const {
  std::string_view metric_name = guard_metric_label(metric);
  std::string now = current ? format_size(*current) : "not measured";
  std::string line = fmt::format("{}: {} {}", name, metric_name, now);
  if (peak) line += fmt::format(" (peak {})", format_size(peak));
  line += limit ? fmt::format(", limit {}", format_size(*limit)) : ", no limit";
  if (rss && metric != GuardMetric::rss) line += fmt::format(", RSS {}", format_size(*rss));
  line += fmt::format(", {} process{}, {} sample{}, {} walk{}", processes, processes == 1 ? "" : "es", samples,
                      samples == 1 ? "" : "s", walks, walks == 1 ? "" : "s");
  if (breaches) line += fmt::format(", {} breach{}", breaches, breaches == 1 ? "" : "es");
  return line;
}

}  // namespace reins
