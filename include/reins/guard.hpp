// A memory guard: watches a process, a process tree or a job, and when its memory goes over a limit, kills
// it (SIGTERM, then SIGKILL after a grace), only reports it, or lets a callback decide.
//
// Cost. PSS (the default metric) needs the kernel to walk every resident page (≈12 ms per GiB of 4 KiB pages,
// with the target's own mmap/munmap waiting meanwhile). Since USS ≤ PSS ≤ RSS always hold, every tick reads
// only the RSS counters (statm, about a microsecond) and walks smaps_rollup only when RSS has come within
// `gate_margin` of the limit, and then no sooner after the last walk than `walk_spacing` times that walk's
// duration: a process far under its limit is never walked and never stalled by the guard.
//
// Safety. Every process the guard signals is held by a pidfd opened while it was verifiably part of the
// target (the root, or a child of a member whose parent pid was read and then confirmed alive); signals go
// only through those pidfds. Once the target has exited, nothing is signalled: the guard ends, reporting
// the target gone.
//
// Threads. One thread per guard, sleeping in one poll (a timerfd for ticks and the grace, the root's pidfd,
// the target's kernel event fd where it has one, and an eventfd for limit changes and cancel()). Every public
// member may be called from any thread. Callbacks run on the guard's thread, one at a time; inside them,
// cancel() only asks (the guard ends when the callback returns) and wait()/wait_breach() throw (EDEADLK).
// The library never prints: messages go to the caller's logger.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace reins {

class Job;
class Process;

enum class GuardMetric {
  pss,     // proportional set size: shared pages divided among the processes that map them
  rss,     // resident set size: every resident page, shared ones counted in full
  uss,     // unique set size: private pages only, what ending the process frees
  cgroup,  // the job's cgroup charge (memory.current / memory.usage_in_bytes), page cache included
};
// "pss", "rss", "uss", "cgroup".
std::string_view guard_metric_name(GuardMetric metric) noexcept;
// How messages name it: "PSS", "RSS", "USS", "cgroup charge".
std::string_view guard_metric_label(GuardMetric metric) noexcept;
// Parses those names (any case); throws InvalidArgument listing them.
GuardMetric parse_guard_metric(std::string_view text);

enum class GuardAction {
  kill,    // SIGTERM to every process of the target, SIGKILL to what is left after the grace
  report,  // report the breach and go on watching
};
std::string_view guard_action_name(GuardAction action) noexcept;  // "kill", "report"

// A measurement over the limit.
struct GuardBreach {
  std::string name;  // the guard's name
  // The process that went over the limit (per-process mode), or the target's root for a sum; 0 for a job.
  pid_t pid = 0;
  GuardMetric metric = GuardMetric::pss;
  std::uint64_t value = 0;    // bytes measured
  std::uint64_t limit = 0;    // bytes allowed
  std::size_t processes = 0;  // processes in the target when measured
  // What was done: the option's action unless the decide callback chose otherwise. For kill, SIGTERM (or
  // SIGKILL with no grace) has been sent by the time callbacks and waiters see the breach.
  GuardAction action = GuardAction::kill;
  int signal = 0;                                     // kill: the first signal sent (SIGTERM, or SIGKILL with no grace)
  std::size_t signalled = 0;                          // processes that got it
  std::chrono::system_clock::time_point time;         // when the sample that saw it started
  std::chrono::steady_clock::time_point steady_time;  // the same instant on the monotonic clock

  // "worker: PSS 201 MiB over the limit of 200 MiB (pid 42): sent SIGTERM to 2 processes".
  std::string describe() const;
};

struct GuardStats {
  std::string name;
  GuardMetric metric = GuardMetric::pss;
  std::optional<std::uint64_t> limit;
  // The metric at its last measurement (PSS and USS are measured only near the limit; see `rss`) and when.
  std::optional<std::uint64_t> current;
  std::optional<std::chrono::system_clock::time_point> current_time;
  std::uint64_t peak = 0;  // the highest value of the metric measured
  // RSS at the last sample: the tree's sum (or the largest process in per-process mode). It bounds PSS and
  // USS from above, and is read at every sample.
  std::optional<std::uint64_t> rss;
  std::uint64_t rss_peak = 0;
  std::size_t processes = 0;                       // in the target at the last sample
  std::uint64_t samples = 0;                       // ticks taken
  std::uint64_t missed_ticks = 0;                  // ticks that fell while a sample ran late, coalesced into the next
  std::uint64_t walks = 0;                         // smaps_rollup reads (one per process walked)
  std::chrono::nanoseconds last_walk_duration{0};  // of the last sample that walked (all its processes)
  std::uint64_t breaches = 0;
  std::optional<std::chrono::system_clock::time_point> last_sample;
  std::chrono::nanoseconds cpu_time{0};  // the guard thread's own CPU time (user + system)

  // "worker: PSS 180 MiB (peak 190 MiB) of 200 MiB, RSS 185 MiB, 3 processes, 1200 samples, 12 walks".
  std::string describe() const;
};

// How guarding ended.
enum class GuardEnd {
  gone,       // the target exited on its own (or by someone else's hand)
  killed,     // the guard killed it after a breach, and it is gone
  cancelled,  // cancel() (or the destructor) ended guarding
};
std::string_view guard_end_name(GuardEnd end) noexcept;  // "gone", "killed", "cancelled"

struct GuardResult {
  GuardEnd end = GuardEnd::gone;
  // The breach that made the guard kill, or else the first one; nullopt if there was none.
  std::optional<GuardBreach> breach;
  // When the kill sequence sent SIGKILL (the grace ran out, or there was no grace), or nullopt.
  std::optional<std::chrono::steady_clock::time_point> sigkill_time;
  GuardStats stats;
};

struct GuardOptions {
  std::string name;  // for messages and breaches; empty: "pid 42", "tree of pid 42", "job NAME"
  GuardMetric metric = GuardMetric::pss;
  // Tree and job: compare each process with the limit instead of their sum (per-process mode).
  bool per_process = false;
  std::optional<std::uint64_t> limit;  // bytes; nullopt: measure only, until set_limit()
  std::chrono::nanoseconds interval = std::chrono::milliseconds(100);
  GuardAction action = GuardAction::kill;
  std::chrono::nanoseconds grace = std::chrono::seconds(5);  // SIGTERM → SIGKILL; 0: SIGKILL at once
  // PSS/USS: walk smaps_rollup when RSS ≥ limit × (1 − gate_margin). RSS counters lag a little behind the
  // page tables, hence a margin; 0 walks only once RSS itself is over the limit.
  double gate_margin = 0.1;
  // After a walk that took d, the next one waits at least walk_spacing × d (so the walks hold at most
  // 1/walk_spacing of the target's time), and at least min_walk_spacing.
  double walk_spacing = 10;
  std::chrono::nanoseconds min_walk_spacing{0};
  // Decides the action for a breach (given with `action` set from the options). Runs on the guard thread.
  std::function<GuardAction(const GuardBreach&)> decide;
  // Told of each breach once it has been acted on. Runs on the guard thread.
  std::function<void(const GuardBreach&)> on_breach;
  // Lines for people (statistics every stats_interval, breaches, signals sent, the end), each starting with
  // the name. Runs on the guard thread. Empty: nothing is formatted.
  std::function<void(std::string_view line)> logger;
  // The statistics, every stats_interval (athena's StatsFrequency), at the first sample due after it. Runs on
  // the guard thread, as stats() would return them then.
  std::function<void(const GuardStats&)> on_stats;
  std::chrono::nanoseconds stats_interval = std::chrono::minutes(1);  // 0: no statistics, only events
};

// What a guard watches. Opaque; made by the factories below and moved into a MemoryGuard.
class GuardTarget {
 public:
  // One process. Throws reins::Error (ESRCH) if `pid` does not exist.
  static GuardTarget process(pid_t pid);
  // One process held by the caller: the guard holds the same process (checked through its pidfd).
  static GuardTarget process(const Process& process);
  // A process and all its descendants, found again at every sample; processes that leave the tree by
  // being reparented stay guarded once found. Throws reins::Error (ESRCH).
  static GuardTarget tree(pid_t root);
  static GuardTarget tree(const Process& root);
  // The processes of a job (its cgroup's members, found again at every sample) and, for GuardMetric::cgroup,
  // its charge. Between samples the kernel wakes the guard on the job's memory events, at the limit itself
  // (cgroup metric, v1 usage threshold), and on memory pressure (v2 PSI). The guard uses its own handle to
  // the job (Job::reopen), so the caller may go on using `job` on its own thread. Throws reins::Error.
  static GuardTarget job(const Job& job);

  GuardTarget(GuardTarget&&) noexcept;
  GuardTarget& operator=(GuardTarget&&) noexcept;
  ~GuardTarget();

  // The library's view (src/core/guard_target.hpp); opaque to users.
  struct Impl;
  explicit GuardTarget(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> release() noexcept;

 private:
  std::unique_ptr<Impl> impl_;
};

class MemoryGuard {
 public:
  // Starts guarding at once (the first sample is taken immediately). Throws InvalidArgument for an interval
  // ≤ 0, a negative grace or stats_interval, margin outside [0, 1) or spacing < 0; GuardMetric::cgroup needs a
  // job target.
  MemoryGuard(GuardTarget target, GuardOptions options);
  // cancel().
  ~MemoryGuard();
  MemoryGuard(const MemoryGuard&) = delete;
  MemoryGuard& operator=(const MemoryGuard&) = delete;

  // Sets, raises, lowers or clears (nullopt) the limit; the next sample, taken at once, uses it. A breach
  // in report mode is reported again after a limit change. Ignored once guarding has ended.
  void set_limit(std::optional<std::uint64_t> bytes);
  std::optional<std::uint64_t> limit() const;

  // Stops guarding for good: no sample, signal or callback after it returns (a kill sequence under way is
  // abandoned: no SIGKILL follows). Waits for the guard thread, except when called from a callback.
  void cancel();

  GuardStats stats() const;

  // The target's memory now, by any metric (athena's PSS()): the latest value the guard measured if it is no
  // older than `max_age` (default: one interval), else one measured on demand by the guard's thread while
  // the caller waits. For PSS and USS that is a walk of every member's smaps_rollup whatever the gate
  // (≈12 ms per GiB, the member's mmap calls waiting meanwhile): the cost the guard's own samples avoid far
  // below the limit, paid here because it was asked for. A sum, or the largest process's value in per-process
  // mode. A measurement of the guard's own metric is a sample like any other: over the limit, it is a breach.
  // Once guarding has ended: the last value measured, or nullopt; nullopt also when nothing could be read.
  // Throws InvalidArgument for GuardMetric::cgroup without a job target, and reins::Error (EDEADLK) when
  // called from a guard callback (the measurement would wait for the thread that runs it).
  std::optional<std::uint64_t> measure(GuardMetric metric,
                                       std::optional<std::chrono::nanoseconds> max_age = std::nullopt);
  std::optional<std::uint64_t> pss(std::optional<std::chrono::nanoseconds> max_age = std::nullopt) {
    return measure(GuardMetric::pss, max_age);
  }
  std::optional<std::uint64_t> rss(std::optional<std::chrono::nanoseconds> max_age = std::nullopt) {
    return measure(GuardMetric::rss, max_age);
  }
  std::optional<std::uint64_t> uss(std::optional<std::chrono::nanoseconds> max_age = std::nullopt) {
    return measure(GuardMetric::uss, max_age);
  }

  // False once guarding has ended.
  bool running() const noexcept;

  // Blocks until the first breach (returns it), or until guarding ends or `timeout` passes (nullopt).
  std::optional<GuardBreach> wait_breach(std::optional<std::chrono::nanoseconds> timeout = std::nullopt);
  // Ready at the first breach, or with nullopt when guarding ends without one.
  std::shared_future<std::optional<GuardBreach>> first_breach() const;
  // Blocks until guarding ends or `timeout` passes (nullopt). Rethrows an exception that ended it (from a
  // callback, or a failure of the guard itself: the target is then left as it is).
  std::optional<GuardResult> wait(std::optional<std::chrono::nanoseconds> timeout = std::nullopt);
  // An fd that polls readable once guarding has ended, for the caller's own poll loop. Owned by the guard.
  int end_fd() const noexcept;

  // The library's own (src/core/guard_state.hpp); opaque to users.
  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace reins
