#include "guard_report.hpp"

#include <fmt/format.h>

#include "json_util.hpp"
#include "mem_report.hpp"
#include "reins/process.hpp"
#include "reins/units.hpp"

namespace reins::cli {

Json breach_json(const GuardBreach& b) {
  Json j;
  j["event"] = "breach";
  j["time"] = iso_time(b.time);
  j["name"] = b.name;
  j["pid"] = b.pid ? Json(b.pid) : Json(nullptr);
  j["metric"] = guard_metric_name(b.metric);
  j["value_bytes"] = b.value;
  j["limit_bytes"] = b.limit;
  j["process_count"] = b.processes;
  j["action"] = guard_action_name(b.action);
  j["signal"] = b.signal ? Json("SIG" + signal_name(b.signal)) : Json(nullptr);
  j["signalled_count"] = b.signalled;
  return j;
}

Json guard_stats_json(const GuardStats& s) {
  Json j;
  j["name"] = s.name;
  j["metric"] = guard_metric_name(s.metric);
  j["limit_bytes"] = or_null(s.limit);
  j["current_bytes"] = or_null(s.current);
  j["peak_bytes"] = s.current || s.peak ? Json(s.peak) : Json(nullptr);
  j["rss_bytes"] = or_null(s.rss);
  j["rss_peak_bytes"] = s.rss_peak;
  j["process_count"] = s.processes;
  j["sample_count"] = s.samples;
  j["missed_tick_count"] = s.missed_ticks;
  j["walk_count"] = s.walks;
  j["last_walk_s"] = seconds(s.last_walk_duration);
  j["breach_count"] = s.breaches;
  j["guard_cpu_s"] = seconds(s.cpu_time);
  return j;
}

Json guard_result_json(const GuardResult& r) {
  Json j;
  j["event"] = "end";
  j["end"] = guard_end_name(r.end);
  j["breach"] = r.breach ? breach_json(*r.breach) : Json(nullptr);
  j["sigkill_sent"] = r.sigkill_time.has_value();
  j["stats"] = guard_stats_json(r.stats);
  return j;
}

Json run_guard_json(const GuardResult& r) {
  Json j;
  j["metric"] = guard_metric_name(r.stats.metric);
  j["limit_bytes"] = or_null(r.stats.limit);
  j["peak_bytes"] = r.stats.current || r.stats.peak ? Json(r.stats.peak) : Json(nullptr);
  j["rss_peak_bytes"] = r.stats.rss_peak;
  j["breach"] = r.breach ? breach_json(*r.breach) : Json(nullptr);
  j["sigkill_sent"] = r.sigkill_time.has_value();
  j["sample_count"] = r.stats.samples;
  j["walk_count"] = r.stats.walks;
  return j;
}

std::string run_guard_text(const GuardResult& r) {
  std::string_view metric = guard_metric_label(r.stats.metric);
  std::string peak = r.stats.current || r.stats.peak
                         ? fmt::format("{} peak {}", metric, format_size(r.stats.peak))
                         : fmt::format("{} not measured (RSS stayed under 90% of the limit, peak {})", metric,
                                       format_size(r.stats.rss_peak));
  std::string limit = r.stats.limit ? format_size(*r.stats.limit) : "none";
  std::string outcome = !r.breach                               ? "not passed"
                        : r.breach->action == GuardAction::kill ? "passed: killed"
                                                                : "passed: warned only";
  return fmt::format("{}, limit {}: {}", peak, limit, outcome);
}

}  // namespace reins::cli
