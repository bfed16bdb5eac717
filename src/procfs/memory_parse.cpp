#include "procfs/memory_parse.hpp"

#include <cerrno>
#include <charconv>

#include "sys/fields.hpp"

namespace reins {

namespace {
using P = ProcessMemory;
constexpr ProcessMemoryMetric kMetrics[] = {
    {"rss", &P::rss},
    {"rss_anon", &P::rss_anon},
    {"rss_file", &P::rss_file},
    {"rss_shmem", &P::rss_shmem},
    {"vm_size", &P::vm_size},
    {"vm_hwm", &P::vm_hwm},
    {"swap", &P::swap},
    {"pss", &P::pss},
    {"pss_anon", &P::pss_anon},
    {"pss_file", &P::pss_file},
    {"pss_shmem", &P::pss_shmem},
    {"pss_dirty", &P::pss_dirty},
    {"shared_clean", &P::shared_clean},
    {"shared_dirty", &P::shared_dirty},
    {"private_clean", &P::private_clean},
    {"private_dirty", &P::private_dirty},
    {"uss", &P::uss},
    {"swap_pss", &P::swap_pss},
    {"anon_huge", &P::anon_huge},
};
}  // namespace

std::span<const ProcessMemoryMetric> process_memory_metrics() noexcept { return kMetrics; }

namespace procfs {
namespace {

// Splits off the next space-separated token of `text`.
std::string_view next_token(std::string_view& text) noexcept {
  auto start = text.find_first_not_of(" \t\n");
  if (start == std::string_view::npos) {
    text = {};
    return {};
  }
  text.remove_prefix(start);
  auto end = text.find_first_of(" \t\n");
  auto token = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  return token;
}

std::optional<double> parse_double(std::string_view s) noexcept {
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
  if (ec != std::errc{} || ptr != s.data() + s.size() || !(v >= 0)) return std::nullopt;
  return v;
}

// Reads "avg10=0.12 avg60=0.05 avg300=0.01 total=12345"; nullopt if any of the four is missing or bad.
std::optional<PressureStats> parse_pressure_line(std::string_view rest) noexcept {
  PressureStats stats;
  struct Average {
    std::string_view key;
    double* value;
    bool seen = false;
  } averages[] = {{"avg10", &stats.avg10}, {"avg60", &stats.avg60}, {"avg300", &stats.avg300}};
  bool total_seen = false;
  for (auto token = next_token(rest); !token.empty(); token = next_token(rest)) {
    auto eq = token.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto key = token.substr(0, eq), value = token.substr(eq + 1);
    if (key == "total") {
      auto total = sys::parse_u64(value);
      if (!total || *total > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
      stats.total = std::chrono::microseconds(static_cast<std::int64_t>(*total));
      total_seen = true;
    }
    for (auto& average : averages) {
      if (key != average.key) continue;
      auto parsed = parse_double(value);
      if (!parsed) return std::nullopt;
      *average.value = *parsed;
      average.seen = true;
    }
  }
  for (const auto& average : averages)
    if (!average.seen) return std::nullopt;
  if (!total_seen) return std::nullopt;
  return stats;
}

std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) noexcept {
  if (b != 0 && a > UINT64_MAX / b) return std::nullopt;
  return a * b;
}

}  // namespace

int parse_statm(std::string_view text, std::uint64_t page_size, ProcessMemory& out) noexcept {
  std::uint64_t pages[3];
  for (auto& p : pages) {
    auto v = sys::parse_u64(next_token(text));
    if (!v) return EINVAL;
    p = *v;
  }
  auto [size, resident, shared] = pages;
  if (size == 0) return ESRCH;
  if (shared > resident) return EINVAL;
  auto vm_size = checked_mul(size, page_size), rss = checked_mul(resident, page_size),
       rss_anon = checked_mul(resident - shared, page_size);
  if (!vm_size || !rss || !rss_anon) return EINVAL;
  ProcessMemory m;
  m.vm_size = vm_size;
  m.rss = rss;
  m.rss_anon = rss_anon;
  procfs::merge_unknown(out, m);
  return 0;
}

int parse_status_memory(std::string_view text, ProcessMemory& out) noexcept {
  static constexpr sys::NumericField<ProcessMemory> kFields[] = {
      {"VmSize", &P::vm_size},   {"VmHWM", &P::vm_hwm},       {"VmRSS", &P::rss},   {"RssAnon", &P::rss_anon},
      {"RssFile", &P::rss_file}, {"RssShmem", &P::rss_shmem}, {"VmSwap", &P::swap},
  };
  ProcessMemory m;
  sys::read_numeric_fields(text, kFields, m);
  if (!m.rss) return sys::field_text(text, "State") ? ESRCH : EINVAL;
  procfs::merge_unknown(out, m);
  return 0;
}

int parse_smaps_rollup(std::string_view text, ProcessMemory& out) noexcept {
  static constexpr sys::NumericField<ProcessMemory> kFields[] = {
      {"Rss", &P::rss},
      {"Pss", &P::pss},
      {"Pss_Dirty", &P::pss_dirty},
      {"Pss_Anon", &P::pss_anon},
      {"Pss_File", &P::pss_file},
      {"Pss_Shmem", &P::pss_shmem},
      {"Shared_Clean", &P::shared_clean},
      {"Shared_Dirty", &P::shared_dirty},
      {"Private_Clean", &P::private_clean},
      {"Private_Dirty", &P::private_dirty},
      {"AnonHugePages", &P::anon_huge},
      {"Swap", &P::swap},
      {"SwapPss", &P::swap_pss},
  };
  ProcessMemory m;
  sys::read_numeric_fields(text, kFields, m);
  if (!m.pss) return text.empty() ? ESRCH : EINVAL;
  if (m.private_clean && m.private_dirty && *m.private_clean <= UINT64_MAX - *m.private_dirty)
    m.uss = *m.private_clean + *m.private_dirty;
  procfs::merge_unknown(out, m);
  return 0;
}

SystemMemory parse_meminfo(std::string_view text) noexcept {
  using S = SystemMemory;
  static constexpr sys::NumericField<SystemMemory> kFields[] = {
      // in the kernel's order
      {"MemTotal", &S::total},
      {"MemFree", &S::free},
      {"MemAvailable", &S::available},
      {"Buffers", &S::buffers},
      {"Cached", &S::cached},
      {"SwapCached", &S::swap_cached},
      {"SwapTotal", &S::swap_total},
      {"SwapFree", &S::swap_free},
      {"Dirty", &S::dirty},
      {"AnonPages", &S::anon},
      {"Shmem", &S::shmem},
      {"SReclaimable", &S::slab_reclaimable},
      {"CommitLimit", &S::commit_limit},
      {"Committed_AS", &S::committed},
  };
  SystemMemory s;
  sys::read_numeric_fields(text, kFields, s);
  return s;
}

Pressure parse_pressure(std::string_view text) noexcept {
  Pressure p;
  if (auto some = sys::field_text(text, "some")) p.some = parse_pressure_line(*some);
  if (auto full = sys::field_text(text, "full")) p.full = parse_pressure_line(*full);
  return p;
}

void merge_unknown(ProcessMemory& into, const ProcessMemory& from) noexcept {
  for (const auto& metric : process_memory_metrics())
    if (!(into.*metric.member)) into.*metric.member = from.*metric.member;
}

}  // namespace procfs
}  // namespace reins
