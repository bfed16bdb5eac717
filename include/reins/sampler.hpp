// Periodic memory samples handed to a callback on a background thread.
//
// Callbacks are serial: the next sample is taken only after the previous callback has returned. A sample
// and callback that run past one or more ticks do not cause a burst of catch-up calls: the next sample is
// taken at once, stands for all the ticks that passed, and reports how many it had to drop
// (MemorySample::missed_ticks); from then on the ticks are counted from that sample's start, so the sample
// after it starts a whole interval later.
//
// Stopping is prompt: the thread waits on a condition variable with a stop token, never in a sleep that has
// to run out. An exception from the callback (or from taking a sample) is by default kept, ends sampling, and
// is rethrown to the owner by stop(), wait() or rethrow_if_failed(); with an on_error handler it is passed to
// the handler and sampling goes on.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reins/memory.hpp"

namespace reins {

// What each sample reads. Everything is off by default: a part nobody asks for costs nothing.
struct SampleTargets {
  bool self = false;                     // this process
  std::vector<pid_t> processes;          // each read through its held fds (ProcessMemoryReader)
  std::vector<pid_t> trees;              // each root and its descendants, found again at every sample
  MemorySources sources{.statm = true};  // what to read of self, processes and trees
  std::vector<std::string> cgroups;      // cgroup directories
  bool own_cgroup = false;               // this process's memory cgroup (found once, at start)
  bool system = false;                   // /proc/meminfo
  bool pressure = false;                 // /proc/pressure/memory
};

struct MemorySample {
  std::uint64_t index = 0;         // 0 for the first sample
  std::uint64_t missed_ticks = 0;  // ticks dropped just before this sample because the previous one ran late
  std::chrono::system_clock::time_point time;         // when this sample started, before any read
  std::chrono::steady_clock::time_point steady_time;  // the same instant on the monotonic clock
  std::optional<ProcessMemory> self;
  std::vector<ProcessMemory> processes;    // in SampleTargets::processes order
  std::vector<TreeMemory> trees;           // in SampleTargets::trees order
  std::vector<CgroupMemory> cgroups;       // in SampleTargets::cgroups order
  std::optional<CgroupMemory> own_cgroup;  // nullopt if not asked for or there is no memory cgroup
  std::optional<SystemMemory> system;
  std::optional<Pressure> pressure;  // nullopt if not asked for or the kernel has no PSI
  // How much more this process may use (memory_headroom()): from own_cgroup and system, whichever were asked
  // for (system alone: its available memory; own_cgroup alone: its headroom, when a limit bounds it).
  // nullopt when unknown, never 0 for unknown.
  MaybeBytes headroom;
};

// One sample, taken now on the calling thread (index 0, no missed ticks): what `reins mem` shows once.
MemorySample sample_memory(const SampleTargets& targets);

struct SamplerOptions {
  std::chrono::nanoseconds interval = std::chrono::seconds(1);
  bool immediate = false;  // take the first sample at once rather than one interval after the start
  SampleTargets targets;
  // Called on the sampling thread with an exception thrown by the callback or while sampling; sampling goes
  // on afterwards. When empty (the default), the first exception ends sampling and is kept for the owner.
  // An exception thrown by the handler itself ends sampling the same way.
  std::function<void(std::exception_ptr)> on_error;
};

class Sampler {
 public:
  using Callback = std::function<void(const MemorySample&)>;

  // Starts the sampling thread. Throws InvalidArgument for an interval ≤ 0 or an empty callback.
  Sampler(SamplerOptions options, Callback callback);
  // Stops as stop() does; an exception that ended sampling is dropped (call stop() first to see it).
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // Asks the thread to stop and waits for it: a callback that is running finishes, no other starts. Then
  // rethrows the exception that ended sampling, if there was one (only once). Called from inside the
  // callback, it only asks: sampling ends when the callback returns.
  void stop();
  // Waits until sampling ends (by stop() from another thread, or by an exception) and rethrows like stop().
  void wait();
  // Rethrows the exception that ended sampling, if there is one, without waiting.
  void rethrow_if_failed();
  // False once sampling has ended (stopped, or ended by an exception).
  bool running() const noexcept;
  // Whether stop() has been asked for: a long callback can check it to return early.
  bool stop_requested() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace reins
