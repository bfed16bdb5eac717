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

#include <string>
#include <vector>

#include "bench_support.hpp"
#include "reins/memory.hpp"

namespace {

using reins::bench::full_smaps_pss;
using reins::bench::hog;
using reins::bench::interleave;
using reins::bench::raw_read;

pid_t tree200() { return reins::bench::tree(200); }

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
// Each iteration runs both, in alternating order (bench_support.hpp's interleave), so `ratio` compares them
// under the same conditions.

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
