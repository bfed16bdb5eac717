// The memory guard's cost (issue 4), in the two cases the targets name. bench/compare's guard-cost scenario
// runs it and writes docs/benchmarks.md; by hand: build/release/bench/bench_guard
//   - one tick guarding a 4 GiB process under its PSS limit: reins' tick (membership check + statm through the
//     RSS gate, which stays closed) against athena's tick (read all of /proc/PID/smaps and sum its Pss lines),
//     interleaved so both see the same machine. Target: reins ≥ 100× cheaper.
//   - a real MemoryGuard on a tree of 101 processes at 10 Hz for 10 s (REINS_BENCH_GUARD_SECONDS), its
//     thread's own CPU time (user + system). Target: under 1% of one core. Also with the gate held open
//     (limit just above the tree's RSS), where every tick walks all 101 smaps_rollup files: the cost of
//     guarding near the limit.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>

#include "bench_support.hpp"
#include "reins/guard.hpp"
#include "reins/memory.hpp"
#include "watch/guard_monitor.hpp"
#include "watch/tree_target.hpp"

namespace {

using namespace std::chrono_literals;
using reins::bench::hog;
using reins::bench::interleave;
constexpr std::uint64_t kGiB = 1ull << 30;

// One guard tick on the 4 GiB process, as the guard's loop runs it: refresh the membership, then sample.
struct ReinsTick {
  reins::watch::TreeTarget target{reins::Process::open(hog(4096)), false};
  reins::watch::Monitor monitor{target, {}};
  std::uint64_t limit = 8 * kGiB;

  bool operator()() {
    target.refresh();
    auto r = monitor.sample(limit);
    return r.value && *r.value > limit;
  }
};

// athena's tick: getPss() (all of smaps, every Pss: line summed), then the comparison.
bool athena_tick(pid_t pid, std::uint64_t limit) { return reins::bench::full_smaps_pss(pid) > limit; }

void BM_GuardTick_reins(benchmark::State& state) {
  ReinsTick tick;
  for (auto _ : state) benchmark::DoNotOptimize(tick());
  if (tick.monitor.sample(tick.limit).walks) state.SkipWithError("the RSS gate opened: no longer under the limit");
}

void BM_GuardTick_athena(benchmark::State& state) {
  pid_t pid = hog(4096);
  for (auto _ : state) benchmark::DoNotOptimize(athena_tick(pid, 8 * kGiB));
}

// ratio = reins / athena: the target is ≤ 0.01.
void BM_GuardTickRatio_athena_vs_reins(benchmark::State& state) {
  ReinsTick tick;
  pid_t pid = hog(4096);
  interleave(
      state, [&] { benchmark::DoNotOptimize(athena_tick(pid, 8 * kGiB)); }, [&] { benchmark::DoNotOptimize(tick()); });
  state.counters["athena_over_reins"] = 1.0 / state.counters["ratio"];
}

BENCHMARK(BM_GuardTick_reins)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GuardTick_athena)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GuardTickRatio_athena_vs_reins)->Unit(benchmark::kMillisecond);

// How long the tree is guarded: REINS_BENCH_GUARD_SECONDS (bench/compare --quick makes it shorter), else 10 s.
std::chrono::duration<double> guard_seconds() {
  const char* env = std::getenv("REINS_BENCH_GUARD_SECONDS");
  return std::chrono::duration<double>(env ? std::atof(env) : 10.0);
}

// A MemoryGuard on `children 100` (101 processes) at 10 Hz; range(0) = 1 holds the gate open.
void BM_GuardTree101_10Hz(benchmark::State& state) {
  const bool gate_open = state.range(0) == 1;
  const auto guarded = guard_seconds();
  const pid_t parent = reins::bench::tree(100);
  for (auto _ : state) {
    reins::GuardOptions options;
    options.interval = 100ms;
    options.action = reins::GuardAction::report;
    options.limit = 4 * kGiB;
    if (gate_open) {
      auto rss = reins::read_tree_memory(parent, {.statm = true}).total.rss.value_or(0);
      options.limit = rss + rss / 50;  // 2% over the RSS sum: RSS ≥ 90% of it, PSS far under
    }
    rusage before{}, after{};
    ::getrusage(RUSAGE_SELF, &before);
    reins::MemoryGuard guard(reins::GuardTarget::tree(parent), options);
    if (guard.wait(std::chrono::duration_cast<std::chrono::nanoseconds>(guarded)))
      state.SkipWithError("the guard ended early");
    guard.cancel();
    ::getrusage(RUSAGE_SELF, &after);
    auto stats = guard.stats();
    auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    double process_cpu =
        seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_stime);
    double guard_cpu = std::chrono::duration<double>(stats.cpu_time).count();
    state.counters["guard_cpu_ms"] = guard_cpu * 1e3;
    state.counters["core_percent"] = guard_cpu / guarded.count() * 100.0;
    state.counters["process_cpu_ms"] = process_cpu * 1e3;
    state.counters["processes"] = static_cast<double>(stats.processes);
    state.counters["samples"] = static_cast<double>(stats.samples);
    state.counters["walks"] = static_cast<double>(stats.walks);
    state.counters["per_tick_us"] = guard_cpu / static_cast<double>(stats.samples) * 1e6;
  }
}

BENCHMARK(BM_GuardTree101_10Hz)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace

namespace {

// Where a tree tick's time goes: finding the members again, and reading their RSS.
void BM_GuardTree101_refresh(benchmark::State& state) {
  reins::watch::TreeTarget target{reins::Process::open(reins::bench::tree(100)), true};
  for (auto _ : state) benchmark::DoNotOptimize(target.refresh());
  state.counters["processes"] = static_cast<double>(target.members().size());
}

void BM_GuardTree101_sample(benchmark::State& state) {
  reins::watch::TreeTarget target{reins::Process::open(reins::bench::tree(100)), true};
  target.refresh();
  reins::watch::Monitor monitor{target, {}};
  for (auto _ : state) benchmark::DoNotOptimize(monitor.sample(4 * kGiB).rss);
}

BENCHMARK(BM_GuardTree101_refresh)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GuardTree101_sample)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
