// What a job costs, step by step, in-process: /bin/true spawned bare, then inside a job with the core only,
// with the limits `reins run -m 1G --pids 100` asks for, and with the OOM watch `reins run` adds for a
// memory limit. Needs root and cgroups; bench/compare folds the figures into docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <optional>

#include "reins/job.hpp"

namespace {

using namespace reins;

Command true_cmd() {
  Command c;
  c.argv = {"/bin/true"};
  return c;
}

const CgroupLayout* layout() {
  static std::optional<CgroupLayout> l;
  if (!l) l.emplace(CgroupLayout::discover());
  return &*l;
}

JobOptions limits_1g_100() {
  JobOptions o;
  o.limits.memory_max = SizeLimit{1ull << 30};
  o.limits.pids_max = SizeLimit{100};
  o.layout = layout();
  return o;
}

void BM_SpawnBare(benchmark::State& state) {
  for (auto _ : state) Process::spawn(true_cmd()).wait();
}

void BM_JobCreateRemove(benchmark::State& state) {
  JobOptions o = limits_1g_100();
  for (auto _ : state) Job::create(o).remove();
}

void BM_JobCoreSpawn(benchmark::State& state) {
  JobOptions o;
  o.layout = layout();
  for (auto _ : state) {
    Job job = Job::create(o);
    job.spawn(true_cmd()).wait();
    job.remove();
  }
}

void BM_JobLimitsSpawn(benchmark::State& state) {
  JobOptions o = limits_1g_100();
  for (auto _ : state) {
    Job job = Job::create(o);
    job.spawn(true_cmd()).wait();
    job.remove();
  }
}

void BM_JobLimitsSpawnOomWatch(benchmark::State& state) {
  JobOptions o = limits_1g_100();
  for (auto _ : state) {
    Job job = Job::create(o);
    Process p = job.spawn(true_cmd());
    job.select_events({JobEventKind::oom_kill});
    benchmark::DoNotOptimize(job.event_fd());
    p.wait();
    job.remove();
  }
}

void BM_LayoutDiscover(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(CgroupLayout::discover());
}

bool root() { return ::geteuid() == 0; }

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  BENCHMARK(BM_SpawnBare)->Unit(benchmark::kMicrosecond);
  BENCHMARK(BM_LayoutDiscover)->Unit(benchmark::kMicrosecond);
  if (root()) {
    BENCHMARK(BM_JobCreateRemove)->Unit(benchmark::kMicrosecond);
    BENCHMARK(BM_JobCoreSpawn)->Unit(benchmark::kMicrosecond);
    BENCHMARK(BM_JobLimitsSpawn)->Unit(benchmark::kMicrosecond);
    BENCHMARK(BM_JobLimitsSpawnOomWatch)->Unit(benchmark::kMicrosecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
