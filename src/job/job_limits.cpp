// JobLimits as users write them: systemd's resource-control properties (systemd.resource-control(5)) and
// the small value parsers the CLI flags share.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cgroup/knobs.hpp"
#include "cgroup/parse.hpp"
#include "reins/job.hpp"
#include "sys/fields.hpp"
#include "sys/file_io.hpp"

namespace reins {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "N%" → N/100, or nullopt when `text` is not a percentage. Throws for a malformed one.
std::optional<double> percent(std::string_view name, std::string_view text) {
  if (text.empty() || text.back() != '%') return std::nullopt;
  std::string number(text.substr(0, text.size() - 1));
  char* end = nullptr;
  double v = std::strtod(number.c_str(), &end);
  if (number.empty() || *end != '\0' || !(v >= 0) || v > 1e6)
    throw InvalidArgument(fmt::format("invalid {}= value '{}': expected a percentage such as 50%", name, text));
  return v / 100;
}

std::uint64_t meminfo_bytes(const char* key) {
  return sys::field_u64(sys::read_file_or_throw("/proc/meminfo"), key).value_or(0);
}

// Sizes for MemoryMax= & co: bytes with K/M/G/T base 1024, N% of `whole`, or infinity.
SizeLimit memory_value(std::string_view name, std::string_view text, std::uint64_t (*whole)()) {
  if (auto p = percent(name, text)) return static_cast<std::uint64_t>(*p * static_cast<double>(whole()));
  return parse_size_limit(text);
}

// IO values: K/M/G/T base 1000 (systemd.resource-control(5)), or infinity.
std::optional<std::uint64_t> io_value(std::string_view name, std::string_view text) {
  if (text == "infinity" || text == "max") return std::nullopt;
  std::uint64_t factor = 1;
  constexpr std::string_view kSuffixes = "KMGT";
  if (!text.empty()) {
    if (auto pos = kSuffixes.find(text.back()); pos != std::string_view::npos) {
      for (size_t i = 0; i <= pos; ++i) factor *= 1000;
      text.remove_suffix(1);
    }
  }
  auto v = sys::parse_u64(text);
  if (!v || *v > UINT64_MAX / factor)
    throw InvalidArgument(
        fmt::format("invalid {}= value '{}': expected a number with an optional K, M, G or T "
                    "(base 1000), e.g. 10M",
                    name, text));
  return *v * factor;
}

void io_property(JobLimits& l, std::string_view name, std::string_view value, IoLimitKind kind) {
  auto space = value.rfind(' ');
  if (space == std::string_view::npos)
    throw InvalidArgument(
        fmt::format("invalid {}= value '{}': expected 'PATH VALUE', e.g. '/dev/vda 10M'", name, value));
  auto [major, minor] = block_device_of(std::string(trim(value.substr(0, space))));
  JobLimits one;
  one.io.push_back({major, minor, kind, io_value(name, trim(value.substr(space + 1)))});
  l.merge(one);
}

std::uint64_t phys_bytes() {
  return static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}
std::uint64_t swap_bytes() { return meminfo_bytes("SwapTotal"); }
// systemd's TasksMax=N% base: the smaller of the kernel's pid and thread maxima.
std::uint64_t tasks_limit() {
  auto read = [](const char* path) {
    std::string s = sys::read_file_or_throw(path);
    return sys::parse_u64(s.substr(0, s.find('\n')));
  };
  auto pid_max = read("/proc/sys/kernel/pid_max").value_or(4194304);
  return std::min(pid_max, read("/proc/sys/kernel/threads-max").value_or(pid_max));
}

std::uint32_t parse_weight(std::string_view text) {
  if (text.empty()) return 100;
  if (text == "idle")
    throw InvalidArgument(
        "CPUWeight=idle (cgroup v2's cpu.idle) is not supported by reins: give a weight 1..10000 (1 is the lowest)");
  auto v = sys::parse_u64(text);
  if (!v || *v < 1 || *v > 10000)
    throw InvalidArgument(fmt::format("invalid CPUWeight= value '{}': expected 1..10000 (100 is the default)", text));
  return static_cast<std::uint32_t>(*v);
}

std::uint32_t weight_of_shares(std::string_view text) {
  auto v = sys::parse_u64(text);
  if (!v || *v < 2 || *v > 262144)
    throw InvalidArgument(fmt::format("invalid CPUShares= value '{}': expected 2..262144 (1024 is the default)", text));
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(*v * 100 / 1024, 1, 10000));
}

void cpu_quota_percent(JobLimits& l, std::string_view text) {
  CpuQuota q = l.cpu_quota.value_or(CpuQuota{});
  if (text.empty()) {
    q.quota.reset();
  } else {
    auto p = percent("CPUQuota", text);
    if (!p || *p <= 0)
      throw InvalidArgument(
          fmt::format("invalid CPUQuota= value '{}': expected a percentage "
                      "of one CPU such as 150%",
                      text));
    q = CpuQuota::cpus(*p, q.period);
  }
  l.cpu_quota = q;
}

void cpu_quota_period(JobLimits& l, std::string_view text) {
  auto ns = parse_duration(text);
  auto period = std::clamp<std::chrono::microseconds>(std::chrono::duration_cast<std::chrono::microseconds>(ns),
                                                      std::chrono::milliseconds(1), std::chrono::seconds(1));
  CpuQuota q = l.cpu_quota.value_or(CpuQuota{});
  if (q.quota)  // keep the share of CPU already asked for
    q.quota = std::chrono::microseconds(q.quota->count() * period.count() / q.period.count());
  q.period = period;
  l.cpu_quota = q;
}

using Setter = void (*)(JobLimits&, std::string_view name, std::string_view value);

struct Property {
  const char* name;
  Setter set;
};

// clang-format off
const Property kProperties[] = {
  {"MemoryMax", [](JobLimits& l, std::string_view n, std::string_view v) { l.memory_max = memory_value(n, v, phys_bytes); }},
  {"MemoryHigh", [](JobLimits& l, std::string_view n, std::string_view v) { l.memory_high = memory_value(n, v, phys_bytes); }},
  {"MemorySwapMax", [](JobLimits& l, std::string_view n, std::string_view v) { l.swap_max = memory_value(n, v, swap_bytes); }},
  {"CPUQuota", [](JobLimits& l, std::string_view, std::string_view v) { cpu_quota_percent(l, v); }},
  {"CPUQuotaPeriodSec", [](JobLimits& l, std::string_view, std::string_view v) { cpu_quota_period(l, v); }},
  {"CPUWeight", [](JobLimits& l, std::string_view, std::string_view v) { l.cpu_weight = parse_weight(v); }},
  {"AllowedCPUs", [](JobLimits& l, std::string_view, std::string_view v) { l.cpuset_cpus = parse_cpu_list(v); }},
  {"AllowedMemoryNodes", [](JobLimits& l, std::string_view, std::string_view v) { l.cpuset_mems = parse_cpu_list(v); }},
  {"TasksMax", [](JobLimits& l, std::string_view n, std::string_view v) {
     if (auto p = percent(n, v)) l.pids_max = static_cast<std::uint64_t>(*p * static_cast<double>(tasks_limit()));
     else if (v == "infinity") l.pids_max = SizeLimit{};
     else if (auto x = sys::parse_u64(v)) l.pids_max = *x;
     else throw InvalidArgument(fmt::format("invalid TasksMax= value '{}': expected a count, N% or infinity", v)); }},
  {"IOReadBandwidthMax", [](JobLimits& l, std::string_view n, std::string_view v) { io_property(l, n, v, IoLimitKind::read_bps); }},
  {"IOWriteBandwidthMax", [](JobLimits& l, std::string_view n, std::string_view v) { io_property(l, n, v, IoLimitKind::write_bps); }},
  {"IOReadIOPSMax", [](JobLimits& l, std::string_view n, std::string_view v) { io_property(l, n, v, IoLimitKind::read_iops); }},
  {"IOWriteIOPSMax", [](JobLimits& l, std::string_view n, std::string_view v) { io_property(l, n, v, IoLimitKind::write_iops); }},
  // systemd's cgroup v1 names, as it maps them: MemoryLimit= is MemoryMax=, CPUShares= (2..262144, 1024 the
  // default) a CPUWeight= scaled to 100.
  {"MemoryLimit", [](JobLimits& l, std::string_view n, std::string_view v) { l.memory_max = memory_value(n, v, phys_bytes); }},
  {"CPUShares", [](JobLimits& l, std::string_view, std::string_view v) { l.cpu_weight = weight_of_shares(v); }},
};

// Properties systemd has and reins does not set, each with why (a refusal that says so, not "unknown").
const std::pair<const char*, const char*> kRefused[] = {
  {"MemoryMin", "memory protection (memory.min) is not supported by reins"},
  {"MemoryLow", "memory protection (memory.low) is not supported by reins"},
  {"MemoryZSwapMax", "zswap limits are not supported by reins"},
  {"StartupCPUWeight", "reins has no start-up phase: use CPUWeight="},
  {"IOWeight", "IO weights are not supported by reins: use IOReadBandwidthMax= and the like"},
};
// clang-format on

}  // namespace

CpuQuota parse_cpus(std::string_view text) {
  std::string s(trim(text));
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || s.find_first_not_of("0123456789.") != std::string::npos)
    throw InvalidArgument(fmt::format("invalid CPU count '{}': expected a number of CPUs such as 1.5 or 0.2", text));
  return CpuQuota::cpus(v);
}

std::string parse_cpu_list(std::string_view text) {
  if (!cgroup::valid_cpu_list(text))
    throw InvalidArgument(fmt::format("invalid CPU list '{}': expected numbers and ranges such as 0-3,5", text));
  return std::string(trim(text));
}

std::pair<unsigned, unsigned> block_device_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_errno("find the disk of", "'" + path + "'");
  dev_t dev = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
  unsigned major = ::major(dev), minor = ::minor(dev);
  if (major == 0) throw Error(ENODEV, "find the disk of", "'" + path + "' (it is not on a block device)");
  // Limits apply to whole disks; a partition's sysfs entry sits inside its disk's, whose "dev" names it.
  std::string sys_dev = fmt::format("/sys/dev/block/{}:{}", major, minor);
  if (::access((sys_dev + "/partition").c_str(), F_OK) == 0) {
    if (auto text = sys::read_file(AT_FDCWD, (sys_dev + "/../dev").c_str()); text.ok()) {
      std::string_view t = *text;
      if (auto d = cgroup::take_device(t)) return *d;
    }
  }
  return {major, minor};
}

std::vector<std::string> property_names(const JobLimits& limits) {
  std::vector<std::string> out;
  for (const auto& k : cgroup::knob_table())
    if (k.is_set(limits)) out.emplace_back(k.property);
  return out;
}

void apply_job_property(JobLimits& limits, std::string_view assignment) {
  auto eq = assignment.find('=');
  std::string_view name = trim(assignment.substr(0, eq));
  for (const auto& p : kProperties) {
    if (eq == std::string_view::npos || name != p.name) continue;
    p.set(limits, name, trim(assignment.substr(eq + 1)));
    return;
  }
  for (const auto& [refused, why] : kRefused)
    if (name == refused) throw InvalidArgument(fmt::format("property '{}': {}", assignment, why));
  if (name.starts_with("Limit") || name == "RuntimeMaxSec" || name == "OOMPolicy")
    throw InvalidArgument(
        fmt::format("property '{}' is a run's, not a job's limit: 'reins run -p {}' takes it", assignment, assignment));
  std::string valid;
  for (const auto& p : kProperties) valid += (valid.empty() ? "" : ", ") + std::string(p.name);
  throw InvalidArgument(
      fmt::format("invalid property '{}': expected NAME=VALUE with NAME one of {}", assignment, valid));
}

std::vector<std::string> job_property_names() {
  std::vector<std::string> out;
  for (const auto& p : kProperties) out.emplace_back(p.name);
  return out;
}

}  // namespace reins
