// One sample of a guard target: RSS of every member from statm at each sample, and smaps_rollup (PSS or USS)
// only behind the RSS gate (RSS near the limit) and the walk spacing. No thread: the guard's loop calls
// sample() at each tick, and the benchmarks call it directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "reins/memory.hpp"
#include "watch/guard_target.hpp"

namespace reins::watch {

struct MonitorSettings {
  GuardMetric metric = GuardMetric::pss;
  bool per_process = false;
  double gate_margin = 0.1;
  double walk_spacing = 10;
  std::chrono::nanoseconds min_walk_spacing{0};
};

struct Reading {
  std::optional<std::uint64_t> value;  // the metric, when it was measured at this sample
  pid_t pid = 0;                       // per-process: the process with that value; a sum: 0
  std::optional<std::uint64_t> rss;    // the sum of RSS, or the largest process's in per-process mode
  pid_t rss_pid = 0;                   // per-process: the process with that RSS
  std::size_t processes = 0;           // members measured (those that exited meanwhile are not counted)
  std::size_t walks = 0;               // smaps_rollup reads
  std::chrono::nanoseconds walk_duration{0};
};

class Monitor {
 public:
  Monitor(GuardTarget::Impl& target, MonitorSettings settings) : target_(target), settings_(settings) {}

  // Measures the members the target holds now (call refresh() first). `limit` opens the gate: without one,
  // PSS and USS are not measured at all.
  Reading sample(std::optional<std::uint64_t> limit);
  // Measures `metric` in full now, gate or not (MemoryGuard::measure): every member walked for PSS and USS.
  // Leaves the spacing of sample()'s walks as it was.
  Reading measure(GuardMetric metric);
  // Lets the next sample walk whatever the spacing since the last walk says.
  void allow_walk_now() noexcept { next_walk_ = {}; }

 private:
  // Which members to walk for `limit`, given their RSS; empty when the gate is closed.
  void choose_walks(std::uint64_t limit, std::uint64_t rss_sum);
  std::optional<std::uint64_t> read_cheap(GuardMetric metric, Reading& r);
  // Walks the members in to_walk_ for `metric` (PSS or USS); `spaced`: the next sample() walk waits after it.
  void walk(Reading& r, GuardMetric metric, bool spaced);
  void space_next_walk(std::chrono::nanoseconds duration, std::chrono::steady_clock::time_point end);
  std::optional<std::uint64_t> read_rss(const Member& m);
  // Drops the readings of members that exited: a reading by pid counts only if the process still runs after.
  void keep_verified(std::vector<std::optional<std::uint64_t>>& values);

  GuardTarget::Impl& target_;
  MonitorSettings settings_;
  std::chrono::steady_clock::time_point next_walk_{};
  std::vector<std::optional<std::uint64_t>> rss_, walked_;
  std::vector<std::size_t> to_walk_;
  std::vector<char> buffer_;
  std::vector<pollfd> polls_;
  std::vector<char> exited_;
};

}  // namespace reins::watch
