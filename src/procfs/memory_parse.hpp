// Parsers of the procfs memory files: text in, values out. Pure functions on a string_view: no I/O, no
// allocation, no exceptions; a field that is missing or does not parse is left unknown. Each has a fuzz
// target in tests/fuzz/.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "reins/memory.hpp"

namespace reins::procfs {

// The per-process parsers fill in the metrics of `out` that are unknown and that their file has. They return 0,
// ESRCH when the text says the process has no memory map (a kernel thread, a zombie), or EINVAL when the text
// does not parse (and then leave `out` as it was).

// /proc/PID/statm: "size resident shared text lib data dt", in pages. Sets rss, rss_anon (resident - shared,
// which is the kernel's anon counter) and vm_size. The kernel prints all zeros for a process without memory.
int parse_statm(std::string_view text, std::uint64_t page_size, ProcessMemory& out) noexcept;

// /proc/PID/status: VmRSS, RssAnon, RssFile, RssShmem, VmSize, VmHWM, VmSwap. A kernel thread's or a
// zombie's status has none of them.
int parse_status_memory(std::string_view text, ProcessMemory& out) noexcept;

// /proc/PID/smaps_rollup: Rss, Pss, Pss_Anon/File/Shmem/Dirty, Shared/Private_Clean/Dirty, Swap, SwapPss,
// AnonHugePages; uss = Private_Clean + Private_Dirty. EINVAL when there is no Pss line (truncated text).
int parse_smaps_rollup(std::string_view text, ProcessMemory& out) noexcept;

// /proc/meminfo.
SystemMemory parse_meminfo(std::string_view text) noexcept;

// A PSI file: "some avg10=0.12 avg60=0.05 avg300=0.01 total=12345" and the same for "full".
Pressure parse_pressure(std::string_view text) noexcept;

// Fills each unknown metric of `into` that `from` knows (the first source merged wins).
void merge_unknown(ProcessMemory& into, const ProcessMemory& from) noexcept;

}  // namespace reins::procfs
