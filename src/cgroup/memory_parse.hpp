// Parsers of the cgroup memory files (v2 memory.*, v1 memory.*) and of the two procfs files that say where
// this process's memory cgroup is (/proc/self/cgroup, /proc/self/mountinfo). Pure, no allocation; fuzzed in
// tests/fuzz/.
#pragma once

#include <optional>
#include <string_view>

#include "reins/memory.hpp"

namespace reins::cgroup {

// A one-number file ("123\n"): memory.current, memory.usage_in_bytes, memory.failcnt, ...
std::optional<std::uint64_t> parse_counter(std::string_view text) noexcept;
// A limit: "max" (v2) or a byte count; v1's "no limit" is PAGE_COUNTER_MAX pages (≈ 2^63 bytes), so every
// value from 2^62 up reads as no limit. Outer nullopt: it does not parse.
std::optional<SizeLimit> parse_memory_limit(std::string_view text) noexcept;

void parse_memory_stat_v2(std::string_view text, CgroupMemoryStat& out) noexcept;
// Takes the hierarchical total_* values; also returns hierarchical_memory_limit (the effective limit).
void parse_memory_stat_v1(std::string_view text, CgroupMemoryStat& out,
                          std::optional<SizeLimit>& effective_max) noexcept;
void parse_memory_events_v2(std::string_view text, CgroupMemoryEvents& out) noexcept;
void parse_oom_control_v1(std::string_view text, CgroupMemoryEvents& out) noexcept;

}  // namespace reins::cgroup
