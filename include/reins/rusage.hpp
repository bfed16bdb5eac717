// Resource usage as getrusage(2) and waitid(2) report it, with proper types: times as durations in
// nanoseconds, as every figure reins reports (the kernel's microseconds convert exactly), max RSS in bytes (the
// kernel reports KiB). All 16 fields of struct rusage, as Python's resource.struct_rusage has them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

struct rusage;

namespace reins {

struct Rusage {
  std::chrono::nanoseconds user_time{0};
  std::chrono::nanoseconds system_time{0};
  std::uint64_t max_rss_bytes = 0;
  // Integrals over time of memory sizes (ru_ixrss, ru_idrss, ru_isrss, in KiB × clock ticks): always 0 on
  // Linux, which does not keep them; here so that every field of struct rusage has a place.
  std::int64_t shared_memory_integral = 0;
  std::int64_t unshared_data_integral = 0;
  std::int64_t unshared_stack_integral = 0;
  std::int64_t minor_faults = 0;       // page reclaims, no I/O
  std::int64_t major_faults = 0;       // faults that needed I/O
  std::int64_t swaps = 0;              // always 0 on Linux
  std::int64_t block_inputs = 0;       // filesystem reads, in 512-byte blocks
  std::int64_t block_outputs = 0;      // filesystem writes, in 512-byte blocks
  std::int64_t messages_sent = 0;      // always 0 on Linux
  std::int64_t messages_received = 0;  // always 0 on Linux
  std::int64_t signals = 0;            // always 0 on Linux
  std::int64_t voluntary_switches = 0;
  std::int64_t involuntary_switches = 0;

  static Rusage from_native(const ::rusage& ru) noexcept;
};

enum class RusageWho { self, children, thread };

// getrusage(2) for the calling process, its waited-for descendants, or the calling thread. Never fails.
// (Named get_, as get_rlimit, so that it cannot be mistaken for `struct rusage` under `using namespace reins`.)
Rusage get_rusage(RusageWho who = RusageWho::self) noexcept;

// The page size in bytes.
std::size_t page_size() noexcept;

}  // namespace reins
