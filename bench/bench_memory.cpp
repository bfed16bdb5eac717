// The cost of reading a process's memory, side by side with the floor each reader stands on:
//   - PSS of a 100 MiB, a 1 GiB and a 4 GiB resident process (4 KiB pages): reins vs the raw open+read()+close of
//     smaps_rollup (the kernel's page walk, which no reader can avoid) vs reading and summing the full
//     /proc/PID/smaps (what athena's guard does);
//   - PSS of a tree of 200 small processes: the same three;
//   - the cheap counters: statm through a held fd vs by path vs a raw pread; status likewise.
// Targets (issue 3): a PSS sample within 1.2x the raw read; a statm sample under 10 µs.
// bench/compare's memory scenario runs this beside psutil, smem and `reins mem` and writes the tables into
// docs/benchmarks.md; standalone: bench_memory --benchmark_filter='BM_(Pss|Tree|Ratio|Statm|Status)'
// (add --benchmark_min_time=3 for steadier Ratio figures).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reins/memory.hpp"
#include "support/ready_child.hpp"
#include "support/support.hpp"
#include "sys/fields.hpp"

namespace {

using reins::test::ReadyChild;

// The processes measured: memhog of N MiB and a parent of 200 children. bench/compare starts them once and
// passes their pids in REINS_BENCH_TARGETS ("100=PID,1024=PID,4096=PID,tree=PID"), so that several runs of
// this program and the peer tools measure the same processes; otherwise each is started on first use and
// kept until the run ends.
std::optional<pid_t> given_pid(const std::string& key) {
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

pid_t target_pid(const std::string& key, const std::vector<std::string>& testproc_args) {
  static std::map<std::string, std::unique_ptr<ReadyChild>> started;
  if (auto pid = given_pid(key)) return *pid;
  auto& child = started[key];
  if (!child) child = std::make_unique<ReadyChild>(ReadyChild::testproc(testproc_args));
  return child->pid();
}

pid_t hog(std::int64_t mib) { return target_pid(std::to_string(mib), {"memhog", std::to_string(mib)}); }

pid_t tree200() { return target_pid("tree", {"children", "200"}); }

// open + read() until EOF + close, as `cat` or a careful C reader does. Returns the bytes read.
std::size_t raw_read(const std::string& path) {
  static char buf[1 << 15];
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t total = 0;
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) total += static_cast<std::size_t>(n);
  ::close(fd);
  return total;
}

// Reads all of /proc/PID/smaps and sums every VMA's "Pss:" line.
std::uint64_t full_smaps_pss(pid_t pid) {
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

// The root and its descendants, as read_tree_memory reads them.
std::vector<pid_t> tree_pids(pid_t root) {
  std::vector<pid_t> pids{root};
  for (pid_t pid : reins::process_descendants(root)) pids.push_back(pid);
  return pids;
}

std::string proc_file(pid_t pid, const char* name) { return "/proc/" + std::to_string(pid) + "/" + name; }

// --- one big process -------------------------------------------------------------------------------------

void BM_Pss_reins(benchmark::State& state) {
  pid_t pid = hog(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(reins::read_process_memory(pid, {.smaps_rollup = true}).pss);
}

void BM_Pss_reins_held_fd(benchmark::State& state) {
  reins::ProcessMemoryReader reader(hog(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(reader.read({.smaps_rollup = true}).pss);
}

void BM_Pss_raw_read(benchmark::State& state) {
  auto path = proc_file(hog(state.range(0)), "smaps_rollup");
  for (auto _ : state) benchmark::DoNotOptimize(raw_read(path));
}

void BM_Pss_full_smaps(benchmark::State& state) {
  pid_t pid = hog(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(full_smaps_pss(pid));
}

#define BIG_PROCESS(bm) BENCHMARK(bm)->Arg(100)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond)
BIG_PROCESS(BM_Pss_raw_read);
BIG_PROCESS(BM_Pss_reins);
BIG_PROCESS(BM_Pss_reins_held_fd);
BIG_PROCESS(BM_Pss_full_smaps);

// --- a tree of 200 small processes ---------------------------------------------------------------------

void BM_Tree_reins(benchmark::State& state) {
  pid_t root = tree200();
  for (auto _ : state) {
    auto tree = reins::read_tree_memory(root, {.smaps_rollup = true});
    if (tree.processes.size() != 201) state.SkipWithError("the tree is not 201 processes");
    benchmark::DoNotOptimize(tree.total.pss);
  }
}

void BM_Tree_raw_read(benchmark::State& state) {
  pid_t root = tree200();
  auto pids = tree_pids(root);
  std::vector<std::string> paths;
  for (pid_t pid : pids) paths.push_back(proc_file(pid, "smaps_rollup"));
  for (auto _ : state)
    for (const auto& path : paths) benchmark::DoNotOptimize(raw_read(path));
}

void BM_Tree_full_smaps(benchmark::State& state) {
  pid_t root = tree200();
  auto pids = tree_pids(root);
  for (auto _ : state)
    for (pid_t pid : pids) benchmark::DoNotOptimize(full_smaps_pss(pid));
}

void BM_Tree_find_descendants(benchmark::State& state) {
  pid_t root = tree200();
  for (auto _ : state) benchmark::DoNotOptimize(reins::process_descendants(root).size());
}

#define TREE(bm) BENCHMARK(bm)->Unit(benchmark::kMillisecond)
TREE(BM_Tree_raw_read);
TREE(BM_Tree_reins);
TREE(BM_Tree_full_smaps);
BENCHMARK(BM_Tree_find_descendants)->Unit(benchmark::kMicrosecond);

// --- reins against the raw read, interleaved -----------------------------------------------------------
// Each iteration runs both, in alternating order, and times each: on a loaded machine the two see the same
// conditions, so `ratio` (reins time / raw time over the run) is steadier than comparing separate rows.

template <typename Raw, typename Reins>
void interleave(benchmark::State& state, Raw raw, Reins reins) {
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

void BM_Ratio_pss(benchmark::State& state) {
  pid_t pid = hog(state.range(0));
  auto path = proc_file(pid, "smaps_rollup");
  interleave(
      state, [&] { benchmark::DoNotOptimize(raw_read(path)); },
      [&] { benchmark::DoNotOptimize(reins::read_process_memory(pid, {.smaps_rollup = true}).pss); });
}

// What a guard ticks on: the held-fd reader.
void BM_Ratio_pss_held_fd(benchmark::State& state) {
  pid_t pid = hog(state.range(0));
  auto path = proc_file(pid, "smaps_rollup");
  reins::ProcessMemoryReader reader(pid);
  interleave(
      state, [&] { benchmark::DoNotOptimize(raw_read(path)); },
      [&] { benchmark::DoNotOptimize(reader.read({.smaps_rollup = true}).pss); });
}

// The tree's raw floor reads a list of pids known in advance; reins finds the tree too.
void BM_Ratio_tree(benchmark::State& state) {
  pid_t root = tree200();
  std::vector<std::string> paths;
  for (pid_t pid : tree_pids(root)) paths.push_back(proc_file(pid, "smaps_rollup"));
  interleave(
      state,
      [&] {
        for (const auto& path : paths) benchmark::DoNotOptimize(raw_read(path));
      },
      [&] { benchmark::DoNotOptimize(reins::read_tree_memory(root, {.smaps_rollup = true}).total.pss); });
}

// The same list of pids, each through read_process_memory: the tree's cost without finding the tree.
void BM_Ratio_tree_known_pids(benchmark::State& state) {
  pid_t root = tree200();
  auto pids = tree_pids(root);
  std::vector<std::string> paths;
  for (pid_t pid : pids) paths.push_back(proc_file(pid, "smaps_rollup"));
  interleave(
      state,
      [&] {
        for (const auto& path : paths) benchmark::DoNotOptimize(raw_read(path));
      },
      [&] {
        for (pid_t pid : pids) benchmark::DoNotOptimize(reins::read_process_memory(pid, {.smaps_rollup = true}).pss);
      });
}

BENCHMARK(BM_Ratio_pss)->Arg(100)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ratio_pss_held_fd)->Arg(100)->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ratio_tree)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ratio_tree_known_pids)->Unit(benchmark::kMillisecond);

// --- the cheap counters, on the 1 GiB process ------------------------------------------------------------

void BM_Statm_reins_held_fd(benchmark::State& state) {
  reins::ProcessMemoryReader reader(hog(1024));
  for (auto _ : state) benchmark::DoNotOptimize(reader.read({.statm = true}).rss);
}

void BM_Statm_reins_by_pid(benchmark::State& state) {
  pid_t pid = hog(1024);
  for (auto _ : state) benchmark::DoNotOptimize(reins::read_process_memory(pid, {.statm = true}).rss);
}

void BM_Statm_raw_pread(benchmark::State& state) {
  int fd = ::open(proc_file(hog(1024), "statm").c_str(), O_RDONLY | O_CLOEXEC);
  char buf[256];
  for (auto _ : state) benchmark::DoNotOptimize(::pread(fd, buf, sizeof buf, 0));
  ::close(fd);
}

void BM_Status_reins_held_fd(benchmark::State& state) {
  reins::ProcessMemoryReader reader(hog(1024));
  for (auto _ : state) benchmark::DoNotOptimize(reader.read({.status = true}).rss);
}

void BM_Status_reins_by_pid(benchmark::State& state) {
  pid_t pid = hog(1024);
  for (auto _ : state) benchmark::DoNotOptimize(reins::read_process_memory(pid, {.status = true}).rss);
}

void BM_Status_raw_read(benchmark::State& state) {
  auto path = proc_file(hog(1024), "status");
  for (auto _ : state) benchmark::DoNotOptimize(raw_read(path));
}

#define CHEAP(bm) BENCHMARK(bm)->Unit(benchmark::kMicrosecond)
CHEAP(BM_Statm_raw_pread);
CHEAP(BM_Statm_reins_held_fd);
CHEAP(BM_Statm_reins_by_pid);
CHEAP(BM_Status_raw_read);
CHEAP(BM_Status_reins_held_fd);
CHEAP(BM_Status_reins_by_pid);

}  // namespace

BENCHMARK_MAIN();
