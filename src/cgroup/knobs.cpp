#include "cgroup/knobs.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cgroup/parse.hpp"
#include "reins/error.hpp"
#include "sys/fields.hpp"

namespace reins::cgroup {
namespace {

using Writes = std::vector<FileWrite>;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::optional<SizeLimit> read_limit(const FileReader& read, const char* file, Version v) {
  auto text = read(file);
  if (!text) return std::nullopt;
  return v == Version::v1 ? parse_v1_limit(*text) : parse_v2_limit(*text);
}

// --- memory -------------------------------------------------------------------------------------------

void memory_max_v1(const JobLimits& l, const FileReader& current, Writes& out) {
  out.push_back({Controller::memory, "memory.limit_in_bytes", v1_bytes(*l.memory_max), "MemoryMax"});
  if (l.swap_max) return;
  // v1 has no swap-only limit: a memsw limit in force encodes "memory + swap", so keep the swap part.
  auto memsw = read_limit(current, "memory.memsw.limit_in_bytes", Version::v1);
  auto memory = read_limit(current, "memory.limit_in_bytes", Version::v1);
  if (!memsw || !*memsw || !memory) return;
  out.push_back({Controller::memory, "memory.memsw.limit_in_bytes",
                 v1_bytes(memsw_of(*l.memory_max, swap_of(*memsw, *memory))), "MemoryMax"});
}

void memory_max_v2(const JobLimits& l, const FileReader&, Writes& out) {
  out.push_back({Controller::memory, "memory.max", v2_bytes(*l.memory_max), "MemoryMax"});
}

void memory_high_v2(const JobLimits& l, const FileReader&, Writes& out) {
  out.push_back({Controller::memory, "memory.high", v2_bytes(*l.memory_high), "MemoryHigh"});
}

void swap_max_v1(const JobLimits& l, const FileReader& current, Writes& out) {
  SizeLimit memory =
      l.memory_max ? *l.memory_max : read_limit(current, "memory.limit_in_bytes", Version::v1).value_or(SizeLimit{});
  if (!memory && *l.swap_max)
    throw InvalidArgument(
        "MemorySwapMax= needs MemoryMax= on cgroup v1, which limits memory and swap together "
        "(memory.memsw.limit_in_bytes)");
  out.push_back(
      {Controller::memory, "memory.memsw.limit_in_bytes", v1_bytes(memsw_of(memory, *l.swap_max)), "MemorySwapMax"});
}

void swap_max_v2(const JobLimits& l, const FileReader&, Writes& out) {
  out.push_back({Controller::memory, "memory.swap.max", v2_bytes(*l.swap_max), "MemorySwapMax"});
}

void decode_memory_max(Version v, const FileReader& read, JobLimits& out) {
  out.memory_max = read_limit(read, v == Version::v1 ? "memory.limit_in_bytes" : "memory.max", v);
}

void decode_swap_v1(const FileReader& read, JobLimits& out) {
  auto memsw = read_limit(read, "memory.memsw.limit_in_bytes", Version::v1);
  auto memory = read_limit(read, "memory.limit_in_bytes", Version::v1);
  if (memsw && memory) out.swap_max = swap_of(*memsw, *memory);
}

// --- cpu ----------------------------------------------------------------------------------------------

void cpu_quota_v1(const JobLimits& l, const FileReader&, Writes& out) {
  // Period first, as systemd does; the kernel may refuse the intermediate state, which apply_writes retries.
  out.push_back({Controller::cpu, "cpu.cfs_period_us", std::to_string(l.cpu_quota->period.count()), "CPUQuota"});
  out.push_back({Controller::cpu, "cpu.cfs_quota_us",
                 l.cpu_quota->quota ? std::to_string(l.cpu_quota->quota->count()) : "-1", "CPUQuota"});
}

void cpu_quota_v2(const JobLimits& l, const FileReader&, Writes& out) {
  out.push_back({Controller::cpu, "cpu.max", cpu_max_text(*l.cpu_quota), "CPUQuota"});
}

void decode_cpu_quota_v1(const FileReader& read, JobLimits& out) {
  auto quota = read("cpu.cfs_quota_us"), period = read("cpu.cfs_period_us");
  if (!quota || !period) return;
  auto p = sys::parse_u64(trimmed(*period));
  if (!p) return;
  CpuQuota q;
  q.period = std::chrono::microseconds(static_cast<long long>(*p));
  if (auto v = sys::parse_u64(trimmed(*quota))) q.quota = std::chrono::microseconds(static_cast<long long>(*v));
  out.cpu_quota = q;
}

void cpu_weight_v1(const JobLimits& l, const FileReader&, Writes& out) {
  out.push_back({Controller::cpu, "cpu.shares", std::to_string(cpu_weight_to_shares(*l.cpu_weight)), "CPUWeight"});
}

void cpu_weight_v2(const JobLimits& l, const FileReader&, Writes& out) {
  out.push_back({Controller::cpu, "cpu.weight", std::to_string(*l.cpu_weight), "CPUWeight"});
}

void decode_weight(Version v, const FileReader& read, JobLimits& out) {
  auto text = read(v == Version::v1 ? "cpu.shares" : "cpu.weight");
  auto n = text ? sys::parse_u64(trimmed(*text)) : std::nullopt;
  if (n) out.cpu_weight = static_cast<std::uint32_t>(v == Version::v1 ? cpu_shares_to_weight(*n) : *n);
}

// --- cpuset, pids -------------------------------------------------------------------------------------

void cpus(const JobLimits& l, const FileReader&, Writes& out) {
  out.push_back({Controller::cpuset, "cpuset.cpus", *l.cpuset_cpus, "AllowedCPUs"});
}
void mems(const JobLimits& l, const FileReader&, Writes& out) {
  out.push_back({Controller::cpuset, "cpuset.mems", *l.cpuset_mems, "AllowedMemoryNodes"});
}
void decode_cpuset(const char* file, std::optional<std::string>& field, const FileReader& read) {
  auto text = read(file);
  if (text && !trimmed(*text).empty()) field = trimmed(*text);
}

void pids_max(const JobLimits& l, const FileReader&, Writes& out) {
  out.push_back({Controller::pids, "pids.max", v2_bytes(*l.pids_max), "TasksMax"});
}
void decode_pids(const FileReader& read, JobLimits& out) {
  if (auto text = read("pids.max")) out.pids_max = parse_v2_limit(*text);
}

// --- io -----------------------------------------------------------------------------------------------

template <IoLimitKind K>
bool io_set(const JobLimits& l) {
  return std::any_of(l.io.begin(), l.io.end(), [](const auto& d) { return d.kind == K; });
}

template <IoLimitKind K>
void io_v1(const JobLimits& l, const FileReader&, Writes& out) {
  for (const auto& d : l.io)
    if (d.kind == K)  // v1 removes a device's line on 0
      out.push_back({Controller::io, blkio_throttle_file(K),
                     fmt::format("{}:{} {}", d.major, d.minor, d.value.value_or(0)), io_property(K)});
}

template <IoLimitKind K>
void io_v2(const JobLimits& l, const FileReader&, Writes& out) {
  for (const auto& d : l.io)
    if (d.kind == K)
      out.push_back({Controller::io, "io.max",
                     fmt::format("{}:{} {}={}", d.major, d.minor, io_max_key(K), v2_bytes(d.value)), io_property(K)});
}

template <IoLimitKind K>
void decode_io_v1(const FileReader& read, JobLimits& out) {
  if (auto text = read(blkio_throttle_file(K)))
    for (const auto& d : parse_blkio_throttle(*text, K)) out.io.push_back(d);
}

template <IoLimitKind K>
void decode_io_v2(const FileReader& read, JobLimits& out) {
  if (auto text = read("io.max"))
    for (const auto& d : parse_io_max(*text))
      if (d.kind == K) out.io.push_back(d);
}

template <IoLimitKind K>
constexpr Knob io_knob() {
  return {io_property(K), Controller::io,         {blkio_throttle_file(K), "io.max"},
          &io_set<K>,     {&io_v1<K>, &io_v2<K>}, {&decode_io_v1<K>, &decode_io_v2<K>}};
}

// clang-format off
const Knob kKnobs[] = {
  {"MemoryMax", Controller::memory, {"memory.limit_in_bytes", "memory.max"},
   [](const JobLimits& l) { return l.memory_max.has_value(); },
   {&memory_max_v1, &memory_max_v2},
   {[](const FileReader& r, JobLimits& o) { decode_memory_max(Version::v1, r, o); },
    [](const FileReader& r, JobLimits& o) { decode_memory_max(Version::v2, r, o); }}},
  {"MemoryHigh", Controller::memory, {nullptr, "memory.high"},
   [](const JobLimits& l) { return l.memory_high.has_value(); },
   {nullptr, &memory_high_v2},
   {nullptr, [](const FileReader& r, JobLimits& o) { o.memory_high = read_limit(r, "memory.high", Version::v2); }}},
  {"MemorySwapMax", Controller::memory, {"memory.memsw.limit_in_bytes", "memory.swap.max"},
   [](const JobLimits& l) { return l.swap_max.has_value(); },
   {&swap_max_v1, &swap_max_v2},
   {&decode_swap_v1, [](const FileReader& r, JobLimits& o) { o.swap_max = read_limit(r, "memory.swap.max", Version::v2); }}},
  {"CPUQuota", Controller::cpu, {"cpu.cfs_quota_us", "cpu.max"},
   [](const JobLimits& l) { return l.cpu_quota.has_value(); },
   {&cpu_quota_v1, &cpu_quota_v2},
   {&decode_cpu_quota_v1, [](const FileReader& r, JobLimits& o) {
      if (auto t = r("cpu.max")) o.cpu_quota = parse_cpu_max(*t); }}},
  {"CPUWeight", Controller::cpu, {"cpu.shares", "cpu.weight"},
   [](const JobLimits& l) { return l.cpu_weight.has_value(); },
   {&cpu_weight_v1, &cpu_weight_v2},
   {[](const FileReader& r, JobLimits& o) { decode_weight(Version::v1, r, o); },
    [](const FileReader& r, JobLimits& o) { decode_weight(Version::v2, r, o); }}},
  {"AllowedCPUs", Controller::cpuset, {"cpuset.cpus", "cpuset.cpus"},
   [](const JobLimits& l) { return l.cpuset_cpus.has_value(); },
   {&cpus, &cpus},
   {[](const FileReader& r, JobLimits& o) { decode_cpuset("cpuset.cpus", o.cpuset_cpus, r); },
    [](const FileReader& r, JobLimits& o) { decode_cpuset("cpuset.cpus", o.cpuset_cpus, r); }}},
  {"AllowedMemoryNodes", Controller::cpuset, {"cpuset.mems", "cpuset.mems"},
   [](const JobLimits& l) { return l.cpuset_mems.has_value(); },
   {&mems, &mems},
   {[](const FileReader& r, JobLimits& o) { decode_cpuset("cpuset.mems", o.cpuset_mems, r); },
    [](const FileReader& r, JobLimits& o) { decode_cpuset("cpuset.mems", o.cpuset_mems, r); }}},
  {"TasksMax", Controller::pids, {"pids.max", "pids.max"},
   [](const JobLimits& l) { return l.pids_max.has_value(); },
   {&pids_max, &pids_max},
   {&decode_pids, &decode_pids}},
  io_knob<IoLimitKind::read_bps>(),
  io_knob<IoLimitKind::write_bps>(),
  io_knob<IoLimitKind::read_iops>(),
  io_knob<IoLimitKind::write_iops>(),
};
// clang-format on

}  // namespace

std::span<const Knob> knob_table() noexcept { return kKnobs; }

std::string v1_bytes(SizeLimit v) { return v ? std::to_string(*v) : "-1"; }
std::string v2_bytes(SizeLimit v) { return v ? std::to_string(*v) : "max"; }

std::uint64_t cpu_weight_to_shares(std::uint64_t weight) noexcept {
  return std::clamp<std::uint64_t>(weight * 1024 / 100, 2, 262144);
}

std::uint64_t cpu_shares_to_weight(std::uint64_t shares) noexcept {
  return std::clamp<std::uint64_t>(shares * 100 / 1024, 1, 10000);
}

std::string cpu_max_text(const CpuQuota& q) {
  return fmt::format("{} {}", q.quota ? std::to_string(q.quota->count()) : "max", q.period.count());
}

SizeLimit memsw_of(SizeLimit memory, SizeLimit swap) noexcept {
  if (!memory || !swap || *swap > UINT64_MAX - *memory) return std::nullopt;
  return *memory + *swap;
}

SizeLimit swap_of(SizeLimit memsw, SizeLimit memory) noexcept {
  if (!memsw || !memory) return std::nullopt;
  return *memsw > *memory ? *memsw - *memory : 0;
}

const char* blkio_throttle_file(IoLimitKind kind) noexcept {
  switch (kind) {
    case IoLimitKind::read_bps:
      return "blkio.throttle.read_bps_device";
    case IoLimitKind::write_bps:
      return "blkio.throttle.write_bps_device";
    case IoLimitKind::read_iops:
      return "blkio.throttle.read_iops_device";
    case IoLimitKind::write_iops:
      return "blkio.throttle.write_iops_device";
  }
  return "";
}

const char* io_max_key(IoLimitKind kind) noexcept {
  switch (kind) {
    case IoLimitKind::read_bps:
      return "rbps";
    case IoLimitKind::write_bps:
      return "wbps";
    case IoLimitKind::read_iops:
      return "riops";
    case IoLimitKind::write_iops:
      return "wiops";
  }
  return "";
}

const char* io_property(IoLimitKind kind) noexcept {
  switch (kind) {
    case IoLimitKind::read_bps:
      return "IOReadBandwidthMax";
    case IoLimitKind::write_bps:
      return "IOWriteBandwidthMax";
    case IoLimitKind::read_iops:
      return "IOReadIOPSMax";
    case IoLimitKind::write_iops:
      return "IOWriteIOPSMax";
  }
  return "";
}

}  // namespace reins::cgroup
