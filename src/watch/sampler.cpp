#include "reins/sampler.hpp"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "reins/error.hpp"

namespace reins {
namespace {

using Clock = std::chrono::steady_clock;

// The readers one sampling thread keeps from one sample to the next.
struct Readers {
  std::optional<ProcessMemoryReader> self;
  std::vector<ProcessMemoryReader> processes;
  std::optional<std::string> own_cgroup_dir;

  explicit Readers(const SampleTargets& targets) {
    if (targets.self) self.emplace(::getpid());
    for (pid_t pid : targets.processes) processes.emplace_back(pid);
    if (targets.own_cgroup) own_cgroup_dir = own_memory_cgroup_dir();
  }
};

// Stamps the sample with the time it starts, before any read.
void stamp(MemorySample& sample) {
  sample.time = std::chrono::system_clock::now();
  sample.steady_time = Clock::now();
}

// Fills `sample` with what `targets` asks for; the vectors keep their capacity from one sample to the next.
void take_sample(const SampleTargets& targets, Readers& readers, MemorySample& sample) {
  if (readers.self) sample.self = readers.self->read(targets.sources);
  sample.processes.clear();
  for (auto& reader : readers.processes) sample.processes.push_back(reader.read(targets.sources));
  sample.trees.clear();
  for (pid_t root : targets.trees) sample.trees.push_back(read_tree_memory(root, targets.sources));
  sample.cgroups.clear();
  for (const auto& dir : targets.cgroups) sample.cgroups.push_back(read_cgroup_memory(dir));
  if (readers.own_cgroup_dir) sample.own_cgroup = read_cgroup_memory(*readers.own_cgroup_dir);
  if (targets.system) sample.system = read_system_memory();
  if (sample.system)
    sample.headroom = memory_headroom(sample.own_cgroup ? &*sample.own_cgroup : nullptr, *sample.system);
  else if (sample.own_cgroup)
    sample.headroom = sample.own_cgroup->headroom;
  if (targets.pressure) sample.pressure = read_memory_pressure();
}

}  // namespace

MemorySample sample_memory(const SampleTargets& targets) {
  Readers readers(targets);
  MemorySample sample;
  stamp(sample);
  take_sample(targets, readers, sample);
  return sample;
}

struct Sampler::State {
  SamplerOptions options;
  Callback callback;
  std::mutex mutex;  // guards failure; the condition variable waits on it
  std::condition_variable_any wake;
  std::exception_ptr failure;
  std::atomic<bool> finished{false};
  std::mutex join_mutex;
  std::stop_source stopper;  // ours rather than the jthread's, so that it exists before the thread runs
  std::jthread thread;       // last: it is joined before the members it uses are destroyed

  // The sampler whose thread is the current one, so that stop() from a callback does not join itself.
  static thread_local const State* current;

  void run(const std::stop_token& stop);
  bool handle(std::exception_ptr error);
  void join();
  void rethrow();
};

thread_local const Sampler::State* Sampler::State::current = nullptr;

void Sampler::State::run(const std::stop_token& stop) {
  current = this;
  const auto interval = options.interval;
  auto tick = Clock::now() + (options.immediate ? Clock::duration::zero() : interval);
  std::uint64_t missed = 0;
  bool late = false;
  MemorySample sample;
  try {
    Readers readers(options.targets);
    for (std::uint64_t index = 0;; ++index) {
      {
        std::unique_lock lock(mutex);
        wake.wait_until(lock, stop, tick, [] { return false; });
      }
      if (stop.stop_requested()) break;
      stamp(sample);
      // After a late sample, this one (taken at once) stands for the ticks that passed, and the ticks are
      // counted from its start: the next one is a whole interval later, never a catch-up burst.
      if (late) tick = sample.steady_time;
      try {
        take_sample(options.targets, readers, sample);
        sample.index = index;
        sample.missed_ticks = missed;
        callback(sample);
      } catch (...) {
        // A reader's or the callback's exception goes to the caller's on_error (memctl's on_panic rule).
        if (!handle(std::current_exception())) break;
      }
      auto overdue = (Clock::now() - tick) / interval;  // ticks due since this sample's own
      late = overdue >= 1;
      missed = late ? static_cast<std::uint64_t>(overdue - 1) : 0;
      if (!late) tick += interval;
    }
  } catch (...) {
    handle(std::current_exception());  // from setting up the readers: nothing to go on with
  }
  finished = true;
}

bool Sampler::State::handle(std::exception_ptr error) {
  if (options.on_error) {
    try {
      options.on_error(error);
      return true;
    } catch (...) {
      error = std::current_exception();
    }
  }
  std::lock_guard lock(mutex);
  if (!failure) failure = error;
  return false;
}

void Sampler::State::join() {
  std::lock_guard lock(join_mutex);
  if (thread.joinable()) thread.join();
}

void Sampler::State::rethrow() {
  std::exception_ptr error;
  {
    std::lock_guard lock(mutex);
    error = std::exchange(failure, nullptr);
  }
  if (error) std::rethrow_exception(error);
}

Sampler::Sampler(SamplerOptions options, Callback callback) : state_(std::make_unique<State>()) {
  if (options.interval <= std::chrono::nanoseconds::zero())
    throw InvalidArgument("sampler interval must be positive, such as 1s or 250ms");
  if (!callback) throw InvalidArgument("sampler needs a callback");
  state_->options = std::move(options);
  state_->callback = std::move(callback);
  State* state = state_.get();
  state->thread = std::jthread([state, stop = state->stopper.get_token()] { state->run(stop); });
}

Sampler::~Sampler() {
  if (!state_) return;
  state_->stopper.request_stop();
  state_->join();
}

void Sampler::stop() {
  state_->stopper.request_stop();
  if (State::current == state_.get()) return;
  state_->join();
  state_->rethrow();
}

void Sampler::wait() {
  if (State::current == state_.get()) throw Error(EDEADLK, "Sampler::wait() called from the sampler's own callback");
  state_->join();
  state_->rethrow();
}

void Sampler::rethrow_if_failed() { state_->rethrow(); }

bool Sampler::running() const noexcept { return !state_->finished; }

bool Sampler::stop_requested() const noexcept { return state_->stopper.stop_requested(); }

}  // namespace reins
