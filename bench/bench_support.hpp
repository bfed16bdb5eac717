// What the benchmarks share: the children they measure (started once per run, kept until it ends), the
// readers that stand for the floor and for athena's guard, and interleaved timing.
#pragma once

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/ready_child.hpp"
#include "sys/fields.hpp"

namespace reins::bench {

using reins::test::ReadyChild;

// The processes measured. bench/compare starts them once and passes their pids in REINS_BENCH_TARGETS
// ("100=PID,4096=PID,tree200=PID": memhog of N MiB by N, `children N` by treeN), so that several runs of the
// benchmarks and the peer tools measure the same processes. Otherwise each is started on first use (outside
// any timing loop: it has said "ready", so its pages are touched) and kept until the run ends.
inline std::optional<pid_t> given_pid(std::string_view key) {
  const char* env = std::getenv("REINS_BENCH_TARGETS");
  std::string_view rest = env ? env : "";
  while (!rest.empty()) {
    auto item = rest.substr(0, rest.find(','));
    rest.remove_prefix(std::min(rest.size(), item.size() + 1));
    auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == key)
      if (auto pid = reins::sys::parse_u64(item.substr(eq + 1))) return static_cast<pid_t>(*pid);
  }
  return std::nullopt;
}

inline pid_t target_pid(const std::string& key, const std::vector<std::string>& testproc_args) {
  static std::map<std::string, std::unique_ptr<ReadyChild>> started;
  if (auto pid = given_pid(key)) return *pid;
  auto& child = started[key];
  if (!child) child = std::make_unique<ReadyChild>(ReadyChild::testproc(testproc_args));
  return child->pid();
}

// memhog of `mib` MiB: anonymous memory, every 4 KiB page touched.
inline pid_t hog(std::int64_t mib) { return target_pid(std::to_string(mib), {"memhog", std::to_string(mib)}); }

// A parent and `n` sleeping children.
inline pid_t tree(int n) { return target_pid("tree" + std::to_string(n), {"children", std::to_string(n)}); }

// open + read() until EOF + close, as `cat` or a careful C reader does. Returns the bytes read.
inline std::size_t raw_read(const std::string& path) {
  static char buf[1 << 15];
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t total = 0;
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) total += static_cast<std::size_t>(n);
  ::close(fd);
  return total;
}

// Reads all of /proc/PID/smaps and sums every VMA's "Pss:" line.
inline std::uint64_t full_smaps_pss(pid_t pid) {
  std::string text;
  char buf[1 << 15];
  int fd = ::open(("/proc/" + std::to_string(pid) + "/smaps").c_str(), O_RDONLY | O_CLOEXEC);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  std::uint64_t pss = 0;
  reins::sys::for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (key == "Pss") pss += reins::sys::parse_u64(value.substr(0, value.find(' '))).value_or(0) * 1024;
  });
  return pss;
}

// Each iteration runs both, in alternating order, and times each: on a loaded machine the two see the same
// conditions, so `ratio` (reins time / raw time over the run) is steadier than comparing separate rows.
template <typename Raw, typename Reins>
inline void interleave(benchmark::State& state, Raw raw, Reins reins) {
  using Clock = std::chrono::steady_clock;
  Clock::duration raw_total{}, reins_total{};
  bool raw_first = true;
  for (auto _ : state) {
    auto t0 = Clock::now();
    raw_first ? raw() : reins();
    auto t1 = Clock::now();
    raw_first ? reins() : raw();
    auto t2 = Clock::now();
    raw_total += raw_first ? t1 - t0 : t2 - t1;
    reins_total += raw_first ? t2 - t1 : t1 - t0;
    raw_first = !raw_first;
  }
  auto ms = [&](Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count() / static_cast<double>(state.iterations());
  };
  state.counters["raw_ms"] = ms(raw_total);
  state.counters["reins_ms"] = ms(reins_total);
  state.counters["ratio"] = static_cast<double>(reins_total.count()) / static_cast<double>(raw_total.count());
}

}  // namespace reins::bench
