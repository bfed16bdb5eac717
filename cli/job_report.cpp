#include "job_report.hpp"

#include <chrono>

#include <fmt/format.h>
#include <ctime>

#include "json_util.hpp"
#include "reins/units.hpp"

namespace reins::cli {
namespace {

Json secs_or_null(const std::optional<std::chrono::nanoseconds>& d) { return d ? Json(seconds(*d)) : Json(nullptr); }

// A limit: its number, or null when there is none (unlimited, or not in force: no controller holds it).
Json limit_json(const std::optional<SizeLimit>& l) { return l && *l ? Json(**l) : Json(nullptr); }

std::string limit_text(const std::optional<SizeLimit>& l, bool bytes) {
  if (!l) return "-";
  if (!*l) return "max";
  return bytes ? format_size(**l) : std::to_string(**l);
}

const char* io_kind(IoLimitKind k) {
  switch (k) {
    case IoLimitKind::read_bps:
      return "read_bps";
    case IoLimitKind::write_bps:
      return "write_bps";
    case IoLimitKind::read_iops:
      return "read_iops";
    case IoLimitKind::write_iops:
      return "write_iops";
  }
  return "?";
}

Json stats_json(const JobStats& s) {
  Json j;
  j["cpu"] = {{"usage_s", seconds(s.cpu.usage)},
              {"user_s", secs_or_null(s.cpu.user)},
              {"system_s", secs_or_null(s.cpu.system)},
              {"period_count", or_null(s.cpu.periods)},
              {"throttled_period_count", or_null(s.cpu.throttled_periods)},
              {"throttled_s", secs_or_null(s.cpu.throttled)}};
  j["memory"] = nullptr;  // no memory controller holds the job
  if (s.memory) {
    const auto& m = *s.memory;
    Json stat = Json::object();
    for (const auto& [k, v] : m.stat) stat[k] = v;
    j["memory"] = {{"current_bytes", or_null(m.current)}, {"peak_bytes", or_null(m.peak)},
                   {"swap_bytes", or_null(m.swap)},       {"anon_bytes", or_null(m.anon)},
                   {"file_bytes", or_null(m.file)},       {"kernel_bytes", or_null(m.kernel)},
                   {"oom_kill_count", m.oom_kills},       {"limit_hit_count", m.limit_hits},
                   {"high_hit_count", m.high_hits},       {"stat", stat}};
  }
  j["pids"] = nullptr;
  if (s.pids)
    j["pids"] = {{"current_count", or_null(s.pids->current)},
                 {"peak_count", or_null(s.pids->peak)},
                 {"limit_hit_count", s.pids->limit_hits}};
  j["io"] = nullptr;
  if (s.io) {
    Json io = Json::array();
    for (const auto& d : *s.io)
      io.push_back({{"device", fmt::format("{}:{}", d.major, d.minor)},
                    {"read_bytes", d.read_bytes},
                    {"write_bytes", d.write_bytes},
                    {"read_io_count", d.read_ios},
                    {"write_io_count", d.write_ios}});
    j["io"] = io;
  }
  return j;
}

}  // namespace

Json job_limits_json(const JobLimits& l) {
  Json j;
  j["memory_max_bytes"] = limit_json(l.memory_max);
  j["memory_high_bytes"] = limit_json(l.memory_high);
  j["swap_max_bytes"] = limit_json(l.swap_max);
  const bool capped = l.cpu_quota && l.cpu_quota->quota;
  j["cpus"] =
      capped ? Json(static_cast<double>(l.cpu_quota->quota->count()) / static_cast<double>(l.cpu_quota->period.count()))
             : Json(nullptr);
  j["cpu_quota_s"] = capped ? Json(seconds(*l.cpu_quota->quota)) : Json(nullptr);
  j["cpu_period_s"] = capped ? Json(seconds(l.cpu_quota->period)) : Json(nullptr);
  j["cpu_weight"] = or_null(l.cpu_weight);
  j["allowed_cpus"] = or_null(l.cpuset_cpus);
  j["allowed_memory_nodes"] = or_null(l.cpuset_mems);
  j["pids_max_count"] = limit_json(l.pids_max);
  Json io = Json::array();
  for (const auto& d : l.io)
    io.push_back(
        {{"device", fmt::format("{}:{}", d.major, d.minor)}, {"kind", io_kind(d.kind)}, {"value", or_null(d.value)}});
  j["io"] = io;
  return j;
}

Json job_json(const Job& job) {
  Json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["name"] = job.name();
  j["paths"] = job.paths();
  j["unit"] = job.unit().empty() ? Json(nullptr) : Json(job.unit());
  j["pids"] = job.pids();
  j["frozen"] = job.frozen();
  j["limits"] = job_limits_json(job.limits());
  j["stats"] = stats_json(job.stats());
  return j;
}

std::string job_text(const Job& job) {
  JobLimits l = job.limits();
  JobStats s = job.stats();
  std::string out;
  auto line = [&](std::string_view k, const std::string& v) { out += fmt::format("  {:<22} {}\n", k, v); };
  out += fmt::format("job {}\n", job.name());
  line("Processes:", std::to_string(job.pids().size()) + (job.frozen() ? " (frozen)" : ""));
  line("Memory limit:", limit_text(l.memory_max, true) + "  high: " + limit_text(l.memory_high, true) +
                            "  swap: " + limit_text(l.swap_max, true));
  if (l.cpu_quota)
    line("CPU quota:", l.cpu_quota->quota
                           ? fmt::format("{:.2f} CPUs", static_cast<double>(l.cpu_quota->quota->count()) /
                                                            static_cast<double>(l.cpu_quota->period.count()))
                           : std::string("max"));
  if (l.cpu_weight) line("CPU weight:", std::to_string(*l.cpu_weight));
  if (l.cpuset_cpus) line("CPUs:", *l.cpuset_cpus);
  line("Tasks limit:", limit_text(l.pids_max, false));
  line("CPU time:", format_duration(s.cpu.usage));
  if (s.cpu.throttled_periods)
    line("Throttled:", fmt::format("{} periods, {}", *s.cpu.throttled_periods,
                                   format_duration(s.cpu.throttled.value_or(std::chrono::nanoseconds(0)))));
  if (s.memory) {
    line("Memory now / peak:", fmt::format("{} / {}", s.memory->current ? format_size(*s.memory->current) : "-",
                                           s.memory->peak ? format_size(*s.memory->peak) : "-"));
    line("OOM kills:", std::to_string(s.memory->oom_kills));
  }
  if (s.pids) line("Tasks now / peak:", fmt::format("{} / {}", s.pids->current.value_or(0), s.pids->peak.value_or(0)));
  for (const auto& p : job.paths()) line("Cgroup:", p);
  if (!job.unit().empty()) line("systemd unit:", job.unit());
  return out;
}

// UTC time of now with milliseconds, ISO 8601: "2026-11-23T18:40:01.123Z". (gmtime_r rather than
// fmt/chrono.h, which would pull the locale machinery into every reins binary.)
std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%FT%T", &tm);
  return fmt::format("{}.{:03}Z", buf, ms % 1000);
}

Json event_json(const Job& job, const JobEvent& event) {
  return {{"schema_version", kJsonSchemaVersion},
          {"job", job.name()},
          {"event", event_name(event.kind)},
          {"count", event.count},
          {"time", utc_now()}};
}

}  // namespace reins::cli
