// Library micro-benchmarks: what one call of each reader and parser costs, on this (small) benchmark process.
// bench/compare's micro scenario runs them (--benchmark_filter=^BM_Micro_) and tabulates the JSON; the
// readers' costs on big processes and trees are in bench_memory.cpp.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include "reins/memory.hpp"
#include "reins/rlimit.hpp"
#include "reins/rusage.hpp"
#include "reins/units.hpp"

namespace {

// --- parsers of what people type -------------------------------------------------------------------------

void BM_Micro_parse_size(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::parse_size("1.5G"));
}
BENCHMARK(BM_Micro_parse_size);

void BM_Micro_parse_size_limit(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::parse_size_limit("infinity"));
}
BENCHMARK(BM_Micro_parse_size_limit);

void BM_Micro_parse_duration(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::parse_duration("1m30s"));
}
BENCHMARK(BM_Micro_parse_duration);

void BM_Micro_parse_rlimit_setting(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::parse_rlimit_setting("nofile=1024:4096"));
}
BENCHMARK(BM_Micro_parse_rlimit_setting);

// --- one sample of each /proc reader -------------------------------------------------------------------

void BM_Micro_read_statm(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::read_process_memory(getpid(), {.statm = true}).rss);
}
BENCHMARK(BM_Micro_read_statm);

void BM_Micro_read_status(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::read_process_memory(getpid(), {.status = true}).rss);
}
BENCHMARK(BM_Micro_read_status);

void BM_Micro_read_smaps_rollup(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::read_process_memory(getpid(), {.smaps_rollup = true}).pss);
}
BENCHMARK(BM_Micro_read_smaps_rollup);

void BM_Micro_held_statm(benchmark::State& state) {
  reins::ProcessMemoryReader reader(getpid());
  for (auto _ : state) benchmark::DoNotOptimize(reader.read({.statm = true}).rss);
}
BENCHMARK(BM_Micro_held_statm);

void BM_Micro_held_smaps_rollup(benchmark::State& state) {
  reins::ProcessMemoryReader reader(getpid());
  for (auto _ : state) benchmark::DoNotOptimize(reader.read({.smaps_rollup = true}).pss);
}
BENCHMARK(BM_Micro_held_smaps_rollup);

void BM_Micro_process_descendants(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::process_descendants(getpid()).size());
}
BENCHMARK(BM_Micro_process_descendants);

void BM_Micro_read_system_memory(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::read_system_memory().available);
}
BENCHMARK(BM_Micro_read_system_memory);

void BM_Micro_read_memory_pressure(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::read_memory_pressure());
}
BENCHMARK(BM_Micro_read_memory_pressure);

void BM_Micro_read_own_cgroup_memory(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::read_own_cgroup_memory());
}
BENCHMARK(BM_Micro_read_own_cgroup_memory);

// --- rlimits and rusage --------------------------------------------------------------------------------

void BM_Micro_get_rlimit(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::get_rlimit(reins::Resource::nofile));
}
BENCHMARK(BM_Micro_get_rlimit);

void BM_Micro_rusage(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reins::get_rusage());
}
BENCHMARK(BM_Micro_rusage);

}  // namespace

BENCHMARK_MAIN();
