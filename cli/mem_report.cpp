#include "mem_report.hpp"

#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "json_util.hpp"
#include "reins/units.hpp"

namespace reins::cli {
namespace {

struct SystemField {
  const char* name;
  MaybeBytes SystemMemory::*member;
};
constexpr SystemField kSystemFields[] = {
    {"total_bytes", &SystemMemory::total},
    {"available_bytes", &SystemMemory::available},
    {"free_bytes", &SystemMemory::free},
    {"buffers_bytes", &SystemMemory::buffers},
    {"cached_bytes", &SystemMemory::cached},
    {"shmem_bytes", &SystemMemory::shmem},
    {"anon_bytes", &SystemMemory::anon},
    {"slab_reclaimable_bytes", &SystemMemory::slab_reclaimable},
    {"dirty_bytes", &SystemMemory::dirty},
    {"swap_total_bytes", &SystemMemory::swap_total},
    {"swap_free_bytes", &SystemMemory::swap_free},
    {"swap_cached_bytes", &SystemMemory::swap_cached},
    {"commit_limit_bytes", &SystemMemory::commit_limit},
    {"committed_bytes", &SystemMemory::committed},
};

struct StatField {
  const char* name;
  MaybeBytes CgroupMemoryStat::*member;
};
constexpr StatField kStatFields[] = {
    {"anon_bytes", &CgroupMemoryStat::anon},
    {"file_bytes", &CgroupMemoryStat::file},
    {"kernel_bytes", &CgroupMemoryStat::kernel},
    {"shmem_bytes", &CgroupMemoryStat::shmem},
    {"file_mapped_bytes", &CgroupMemoryStat::file_mapped},
    {"file_dirty_bytes", &CgroupMemoryStat::file_dirty},
    {"file_writeback_bytes", &CgroupMemoryStat::file_writeback},
    {"swap_bytes", &CgroupMemoryStat::swap},
    {"anon_thp_bytes", &CgroupMemoryStat::anon_thp},
    {"active_anon_bytes", &CgroupMemoryStat::active_anon},
    {"inactive_anon_bytes", &CgroupMemoryStat::inactive_anon},
    {"active_file_bytes", &CgroupMemoryStat::active_file},
    {"inactive_file_bytes", &CgroupMemoryStat::inactive_file},
    {"unevictable_bytes", &CgroupMemoryStat::unevictable},
    {"pgfault_count", &CgroupMemoryStat::pgfault},
    {"pgmajfault_count", &CgroupMemoryStat::pgmajfault},
};

// null: no limit (docs/json.md: "unlimited" is always null).
Json limit_json(const std::optional<SizeLimit>& limit) { return limit && *limit ? Json(**limit) : Json(nullptr); }

std::string errno_name(int err) {
  const char* name = ::strerrorname_np(err);
  return name ? name : std::to_string(err);
}

Json process_json(const ProcessMemory& p) {
  Json j;
  j["pid"] = p.pid;
  for (const auto& metric : process_memory_metrics())
    j[std::string(metric.name) + "_bytes"] = or_null(p.*metric.member);
  Json errors = Json::object();
  if (p.smaps_rollup_error) errors["smaps_rollup"] = errno_name(p.smaps_rollup_error);
  if (p.status_error) errors["status"] = errno_name(p.status_error);
  if (p.statm_error) errors["statm"] = errno_name(p.statm_error);
  j["errors"] = errors;
  return j;
}

Json pressure_json(const Pressure& p) {
  auto stats = [](const std::optional<PressureStats>& s) -> Json {
    if (!s) return nullptr;
    return {{"avg10", s->avg10}, {"avg60", s->avg60}, {"avg300", s->avg300}, {"total_s", seconds(s->total)}};
  };
  return {{"some", stats(p.some)}, {"full", stats(p.full)}};
}

Json cgroup_json(const CgroupMemory& c) {
  Json j;
  j["path"] = c.path;
  j["version"] = c.version == CgroupVersion::v1 ? "v1" : "v2";
  if (c.error) j["error"] = errno_name(c.error);
  j["current_bytes"] = or_null(c.current);
  j["peak_bytes"] = or_null(c.peak);
  j["swap_current_bytes"] = or_null(c.swap_current);
  j["max_bytes"] = limit_json(c.max);
  j["high_bytes"] = limit_json(c.high);
  j["effective_max_bytes"] = limit_json(c.effective_max);
  Json stat;
  for (const auto& f : kStatFields) stat[f.name] = or_null(c.stat.*f.member);
  j["stat"] = stat;
  const auto& e = c.events;
  j["events"] = {{"low_count", or_null(e.low)},           {"high_count", or_null(e.high)},
                 {"max_count", or_null(e.max)},           {"oom_count", or_null(e.oom)},
                 {"oom_kill_count", or_null(e.oom_kill)}, {"oom_group_kill_count", or_null(e.oom_group_kill)},
                 {"under_oom", or_null(e.under_oom)},     {"oom_kill_disabled", or_null(e.oom_kill_disabled)}};
  return j;
}

std::string size_or_dash(const MaybeBytes& v) { return v ? format_size(*v) : "-"; }

std::string limit_text(const std::optional<SizeLimit>& limit) {
  if (!limit) return "-";
  return *limit ? format_size(**limit) : "none";
}

std::string row(std::string_view label, std::string_view pss, std::string_view rss, std::string_view uss,
                std::string_view swap) {
  return fmt::format("{:>8} {:>11} {:>11} {:>11} {:>11}", label, pss, rss, uss, swap);
}

std::string process_row(const std::string& label, const ProcessMemory& p) {
  return row(label, size_or_dash(p.pss), size_or_dash(p.rss), size_or_dash(p.uss), size_or_dash(p.swap));
}

std::string why_unknown(int err) {
  switch (err) {
    case ENOENT:
      return "no such process";
    case ESRCH:
      return "it exited, or has no memory map (a kernel thread or a zombie)";
    case EACCES:
    case EPERM:
      return "permission denied (reading it needs ptrace access to the process)";
    case EINVAL:
      return "the kernel's text did not parse";
    default:
      return std::strerror(err);
  }
}

void add_notes(const ProcessMemory& p, std::set<std::pair<pid_t, int>>& told, std::string& out) {
  struct Source {
    int error;
    const char* unknown;
  } sources[] = {{p.smaps_rollup_error, "PSS and USS"}, {p.status_error, "RSS and swap"}, {p.statm_error, "RSS"}};
  for (const auto& s : sources) {
    if (!s.error || !told.insert({p.pid, s.error}).second) continue;
    if (s.error == ENOENT)
      out += fmt::format("pid {}: no such process\n", p.pid);
    else
      out += fmt::format("pid {}: {} unknown: {}\n", p.pid, s.unknown, why_unknown(s.error));
  }
}

}  // namespace

std::string iso_time(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

Json sample_json(const MemorySample& s) {
  Json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["time"] = iso_time(s.time);
  j["index"] = s.index;
  j["missed_tick_count"] = s.missed_ticks;
  if (!s.processes.empty()) {
    Json list = Json::array();
    for (const auto& p : s.processes) list.push_back(process_json(p));
    j["processes"] = list;
  }
  if (!s.trees.empty()) {
    Json list = Json::array();
    for (const auto& t : s.trees) {
      Json processes = Json::array();
      for (const auto& p : t.processes) processes.push_back(process_json(p));
      Json total = process_json(t.total);
      total.erase("pid");
      total.erase("errors");
      list.push_back(
          {{"root", t.root}, {"total", total}, {"unreadable_count", t.unreadable}, {"processes", processes}});
    }
    j["trees"] = list;
  }
  if (s.system) {
    Json system;
    for (const auto& f : kSystemFields) system[f.name] = or_null((*s.system).*f.member);
    j["system"] = system;
  }
  if (s.pressure) j["pressure"] = pressure_json(*s.pressure);
  if (s.own_cgroup) j["cgroup"] = cgroup_json(*s.own_cgroup);
  return j;
}

std::string processes_text(const MemorySample& s) {
  std::string out = row("PID", "PSS", "RSS", "USS", "SWAP") + "\n";
  for (const auto& p : s.processes) out += process_row(std::to_string(p.pid), p) + "\n";
  for (const auto& t : s.trees) {
    if (&t != &s.trees.front()) out += "\n";
    for (const auto& p : t.processes) out += process_row(std::to_string(p.pid), p) + "\n";
    out += fmt::format("{}  ({} processes{})\n", process_row("total", t.total), t.processes.size(),
                       t.unreadable ? fmt::format(", {} not fully readable", t.unreadable) : "");
  }
  return out;
}

std::string system_text(const MemorySample& s) {
  std::string out;
  auto line = [&](std::string_view key, const std::string& value) { out += fmt::format("{:<18}{}\n", key, value); };
  if (s.system) {
    const auto& m = *s.system;
    line("MemTotal", size_or_dash(m.total));
    line("MemAvailable", size_or_dash(m.available));
    line("MemFree", size_or_dash(m.free));
    line("Cached", size_or_dash(m.cached));
    line("SwapTotal", size_or_dash(m.swap_total));
    line("SwapFree", size_or_dash(m.swap_free));
  }
  auto pressure = [&](const char* key, const std::optional<PressureStats>& p) {
    if (p) line(key, fmt::format("avg10 {:.2f}%  avg60 {:.2f}%  avg300 {:.2f}%", p->avg10, p->avg60, p->avg300));
  };
  if (s.pressure) {
    pressure("Pressure some", s.pressure->some);
    pressure("Pressure full", s.pressure->full);
  } else {
    line("Pressure", "unknown (no PSI in this kernel)");
  }
  if (!s.own_cgroup) {
    line("Cgroup", "none (no memory controller mounted)");
    return out;
  }
  const auto& c = *s.own_cgroup;
  line("Cgroup", fmt::format("{} ({})", c.path, c.version == CgroupVersion::v1 ? "v1" : "v2"));
  if (c.error) {
    line("  error", std::strerror(c.error));
    return out;
  }
  line("  current", size_or_dash(c.current));
  line("  limit", limit_text(c.max));
  line("  effective limit", limit_text(c.effective_max));
  line("  peak", size_or_dash(c.peak));
  line("  anon", size_or_dash(c.stat.anon));
  line("  file", size_or_dash(c.stat.file));
  line("  OOM kills", c.events.oom_kill ? std::to_string(*c.events.oom_kill) : "-");
  return out;
}

std::string unknown_notes(const MemorySample& s, std::set<std::pair<pid_t, int>>& told) {
  std::string out;
  for (const auto& p : s.processes) add_notes(p, told, out);
  for (const auto& t : s.trees)
    for (const auto& p : t.processes) add_notes(p, told, out);
  return out;
}

}  // namespace reins::cli
