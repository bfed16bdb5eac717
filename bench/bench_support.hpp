// What the benchmarks share: the children they measure (started once per run, kept until it ends), the
// readers that stand for the floor and for athena's guard, and interleaved timing.
#pragma once

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "support/ready_child.hpp"
#include "sys/fields.hpp"

namespace reins::bench {

using reins::test::ReadyChild;

// Children started once per run and kept until it ends: memhog of N MiB.
inline ReadyChild& hog(int mib) {
  static std::map<int, std::unique_ptr<ReadyChild>> hogs;
  auto& child = hogs[mib];
  if (!child) child = std::make_unique<ReadyChild>(ReadyChild::testproc({"memhog", std::to_string(mib)}));
  return *child;
}

// A parent and `n` sleeping children, one per n.
inline ReadyChild& tree(int n) {
  static std::map<int, std::unique_ptr<ReadyChild>> trees;
  auto& parent = trees[n];
  if (!parent) parent = std::make_unique<ReadyChild>(ReadyChild::testproc({"children", std::to_string(n)}));
  return *parent;
}

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
  auto ms = [&](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count() / state.iterations(); };
  state.counters["raw_ms"] = ms(raw_total);
  state.counters["reins_ms"] = ms(reins_total);
  state.counters["ratio"] = static_cast<double>(reins_total.count()) / static_cast<double>(raw_total.count());
}

}  // namespace reins::bench
