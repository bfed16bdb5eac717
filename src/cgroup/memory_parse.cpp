#include "cgroup/memory_parse.hpp"

#include "sys/fields.hpp"

namespace reins::cgroup {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

constexpr std::uint64_t kV1NoLimitFrom = 1ull << 62;

}  // namespace

std::optional<std::uint64_t> parse_counter(std::string_view text) noexcept { return sys::parse_u64(trim(text)); }

std::optional<SizeLimit> parse_memory_limit(std::string_view text) noexcept {
  text = trim(text);
  if (text == "max") return SizeLimit{};
  auto bytes = sys::parse_u64(text);
  if (!bytes) return std::nullopt;
  if (*bytes >= kV1NoLimitFrom) return SizeLimit{};
  return SizeLimit{*bytes};
}

void parse_memory_stat_v2(std::string_view text, CgroupMemoryStat& out) noexcept {
  using S = CgroupMemoryStat;
  static constexpr sys::NumericField<CgroupMemoryStat> kFields[] = {
      {"anon", &S::anon},
      {"file", &S::file},
      {"kernel", &S::kernel},
      {"shmem", &S::shmem},
      {"file_mapped", &S::file_mapped},
      {"file_dirty", &S::file_dirty},
      {"file_writeback", &S::file_writeback},
      {"anon_thp", &S::anon_thp},
      {"active_anon", &S::active_anon},
      {"inactive_anon", &S::inactive_anon},
      {"active_file", &S::active_file},
      {"inactive_file", &S::inactive_file},
      {"unevictable", &S::unevictable},
      {"pgfault", &S::pgfault},
      {"pgmajfault", &S::pgmajfault},
  };
  out = {};  // v2 has no kernel-wide swap line here: swap is in memory.swap.current
  sys::read_numeric_fields(text, kFields, out);
}

void parse_memory_stat_v1(std::string_view text, CgroupMemoryStat& out,
                          std::optional<SizeLimit>& effective_max) noexcept {
  // The hierarchical total_* values, which is what memory.usage_in_bytes covers. v1 keeps kernel memory apart
  // (memory.kmem.usage_in_bytes), so `kernel` stays unknown.
  using S = CgroupMemoryStat;
  static constexpr sys::NumericField<CgroupMemoryStat> kFields[] = {
      {"total_rss", &S::anon},
      {"total_cache", &S::file},
      {"total_shmem", &S::shmem},
      {"total_mapped_file", &S::file_mapped},
      {"total_dirty", &S::file_dirty},
      {"total_writeback", &S::file_writeback},
      {"total_swap", &S::swap},
      {"total_rss_huge", &S::anon_thp},
      {"total_active_anon", &S::active_anon},
      {"total_inactive_anon", &S::inactive_anon},
      {"total_active_file", &S::active_file},
      {"total_inactive_file", &S::inactive_file},
      {"total_unevictable", &S::unevictable},
      {"total_pgfault", &S::pgfault},
      {"total_pgmajfault", &S::pgmajfault},
  };
  out = {};
  sys::read_numeric_fields(text, kFields, out);
  if (auto limit = sys::field_text(text, "hierarchical_memory_limit")) effective_max = parse_memory_limit(*limit);
}

void parse_memory_events_v2(std::string_view text, CgroupMemoryEvents& out) noexcept {
  using E = CgroupMemoryEvents;
  static constexpr sys::NumericField<CgroupMemoryEvents> kFields[] = {
      {"low", &E::low}, {"high", &E::high},         {"max", &E::max},
      {"oom", &E::oom}, {"oom_kill", &E::oom_kill}, {"oom_group_kill", &E::oom_group_kill},
  };
  sys::read_numeric_fields(text, kFields, out);
}

void parse_oom_control_v1(std::string_view text, CgroupMemoryEvents& out) noexcept {
  out.oom_kill = sys::field_u64(text, "oom_kill");
  if (auto v = sys::field_u64(text, "under_oom")) out.under_oom = *v != 0;
  if (auto v = sys::field_u64(text, "oom_kill_disable")) out.oom_kill_disabled = *v != 0;
}

}  // namespace reins::cgroup
