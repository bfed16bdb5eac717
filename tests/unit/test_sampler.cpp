// The Sampler's contract: serial callbacks, coalesced ticks, immediate start, prompt stop, exception policy.
// The tests wait on conditions the callbacks signal; timing is only ever checked as a lower bound (what the
// sampler guarantees) or against an interval far longer than the test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "reins/error.hpp"
#include "reins/sampler.hpp"

using namespace std::chrono_literals;

namespace reins {
namespace {

// Samples the callback has seen, and a way to wait for them.
class Recorder {
 public:
  void add(const MemorySample& s) {
    std::lock_guard lock(mutex_);
    samples_.push_back(s);
    changed_.notify_all();
  }
  // Waits (at most 30 s, so a broken sampler fails rather than hangs) until `n` samples have come.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] { return samples_.size() >= n; });
  }
  std::vector<MemorySample> samples() {
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<MemorySample> samples_;
};

SamplerOptions every(std::chrono::nanoseconds interval, bool immediate = true) {
  SamplerOptions o;
  o.interval = interval;
  o.immediate = immediate;
  return o;
}

TEST(Sampler, CallbacksNeverOverlap) {
  Recorder recorder;
  std::atomic<int> inside{0}, most_inside{0};
  Sampler sampler(every(1ms), [&](const MemorySample& s) {
    int now = ++inside;
    most_inside = std::max(most_inside.load(), now);
    std::this_thread::sleep_for(3ms);  // slower than the interval: the next tick is due while we are here
    --inside;
    recorder.add(s);
  });
  ASSERT_TRUE(recorder.wait_for(5));
  sampler.stop();
  EXPECT_EQ(most_inside, 1);
  auto samples = recorder.samples();
  for (std::size_t i = 0; i < samples.size(); ++i) EXPECT_EQ(samples[i].index, i);
}

TEST(Sampler, ASlowCallbackCoalescesMissedTicksInsteadOfBursting) {
  Recorder recorder;
  constexpr auto kInterval = 10ms, kSlow = 55ms;
  Sampler sampler(every(kInterval), [&](const MemorySample& s) {
    if (s.index == 0) std::this_thread::sleep_for(kSlow);
    recorder.add(s);
  });
  ASSERT_TRUE(recorder.wait_for(3));
  sampler.stop();
  auto s = recorder.samples();
  EXPECT_EQ(s[0].missed_ticks, 0u);
  // 55 ms past the first tick: the ticks at 10..50 ms were due; one sample stands for them, 4 are dropped.
  EXPECT_GE(s[1].missed_ticks, 4u);
  EXPECT_GE(s[1].steady_time - s[0].steady_time, kSlow);
  EXPECT_GE(s[2].steady_time - s[1].steady_time, kInterval) << "no catch-up burst after a late sample";
}

TEST(Sampler, ImmediateSamplesAtOnceAndOtherwiseWaitsOneInterval) {
  Recorder immediate_seen;
  Sampler immediate(every(1h, true), [&](const MemorySample& s) { immediate_seen.add(s); });
  ASSERT_TRUE(immediate_seen.wait_for(1)) << "an hour-long interval, yet the first sample came at once";
  immediate.stop();
  EXPECT_EQ(immediate_seen.samples().size(), 1u);

  std::atomic<int> calls{0};
  Sampler delayed(every(1h, false), [&](const MemorySample&) { ++calls; });
  delayed.stop();
  EXPECT_EQ(calls, 0);
}

TEST(Sampler, StopIsPromptWhileWaitingForATick) {
  Sampler sampler(every(1h, false), [](const MemorySample&) {});
  auto start = std::chrono::steady_clock::now();
  sampler.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s) << "stop must not wait for the hour-long tick";
  EXPECT_FALSE(sampler.running());
}

TEST(Sampler, StopWaitsForARunningCallbackAndStartsNoOther) {
  std::promise<Sampler*> constructed;
  auto sampler_of_test = constructed.get_future().share();
  std::promise<void> entered;
  std::atomic<int> calls{0};
  std::atomic<bool> returned{false};
  Sampler sampler(every(1ms), [&](const MemorySample& s) {
    ++calls;
    if (s.index != 0) return;
    entered.set_value();
    Sampler* self = sampler_of_test.get();
    while (!self->stop_requested()) std::this_thread::yield();  // returns only once stop() has begun
    returned = true;
  });
  constructed.set_value(&sampler);
  entered.get_future().wait();
  sampler.stop();
  EXPECT_TRUE(returned) << "stop() came back before the callback it waited for";
  EXPECT_EQ(calls, 1) << "a callback started after stop()";
}

TEST(Sampler, ACallbackExceptionEndsSamplingAndReachesTheOwnerOnce) {
  std::atomic<int> calls{0};
  Sampler sampler(every(1ms), [&](const MemorySample&) {
    ++calls;
    throw std::runtime_error("callback failed");
  });
  EXPECT_THROW(
      {
        try {
          sampler.wait();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "callback failed");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_FALSE(sampler.running());
  EXPECT_EQ(calls, 1);
  EXPECT_NO_THROW(sampler.stop()) << "rethrown once only";
  EXPECT_NO_THROW(sampler.rethrow_if_failed());
}

TEST(Sampler, WithAHandlerExceptionsArePassedOnAndSamplingGoesOn) {
  Recorder recorder;
  std::mutex mutex;
  std::vector<std::string> handled;
  SamplerOptions options = every(1ms);
  options.on_error = [&](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::lock_guard lock(mutex);
      handled.emplace_back(ex.what());
    }
  };
  Sampler sampler(options, [&](const MemorySample& s) {
    recorder.add(s);
    if (s.index < 2) throw std::runtime_error("failed at " + std::to_string(s.index));
  });
  ASSERT_TRUE(recorder.wait_for(4));
  EXPECT_NO_THROW(sampler.stop());
  std::lock_guard lock(mutex);
  EXPECT_EQ(handled, (std::vector<std::string>{"failed at 0", "failed at 1"}));
}

TEST(Sampler, AHandlerThatThrowsEndsSampling) {
  SamplerOptions options = every(1ms);
  options.on_error = [](std::exception_ptr) { throw std::logic_error("handler gave up"); };
  Sampler sampler(options, [](const MemorySample&) { throw std::runtime_error("callback failed"); });
  EXPECT_THROW(sampler.wait(), std::logic_error);
}

TEST(Sampler, StopFromInsideTheCallbackEndsSampling) {
  std::atomic<int> calls{0};
  Sampler* self = nullptr;
  std::promise<void> constructed;
  auto ready = constructed.get_future().share();
  Sampler sampler(every(1ms), [&](const MemorySample& s) {
    ready.wait();
    ++calls;
    if (s.index == 2) self->stop();
  });
  self = &sampler;
  constructed.set_value();
  EXPECT_NO_THROW(sampler.wait());
  EXPECT_EQ(calls, 3);
}

TEST(Sampler, RejectsANonPositiveIntervalAndAnEmptyCallback) {
  EXPECT_THROW(Sampler(every(0ns), [](const MemorySample&) {}), InvalidArgument);
  EXPECT_THROW(Sampler(every(-1s), [](const MemorySample&) {}), InvalidArgument);
  EXPECT_THROW(Sampler(every(1s), Sampler::Callback{}), InvalidArgument);
}

TEST(Sampler, ReadsOnlyWhatIsAskedFor) {
  SampleTargets system_only;
  system_only.system = true;
  auto s = sample_memory(system_only);
  EXPECT_TRUE(s.system && s.system->total);
  EXPECT_FALSE(s.self);
  EXPECT_FALSE(s.pressure);
  EXPECT_FALSE(s.own_cgroup);
  EXPECT_TRUE(s.processes.empty() && s.trees.empty() && s.cgroups.empty());

  SampleTargets self_statm;
  self_statm.self = true;
  auto me = sample_memory(self_statm);
  ASSERT_TRUE(me.self);
  EXPECT_EQ(me.self->pid, ::getpid());
  EXPECT_GT(me.self->rss.value_or(0), 0u);
  EXPECT_FALSE(me.self->pss) << "statm only: no page walk";
  EXPECT_FALSE(me.system);
}

TEST(Sampler, StampsTheTimeBeforeReading) {
  Recorder recorder;
  auto before = std::chrono::system_clock::now();
  SamplerOptions options = every(1ms);
  options.targets.self = true;
  options.targets.system = true;
  Sampler sampler(options, [&](const MemorySample& s) { recorder.add(s); });
  ASSERT_TRUE(recorder.wait_for(1));
  sampler.stop();
  auto s = recorder.samples().front();
  EXPECT_GE(s.time, before);
  EXPECT_LE(s.time, std::chrono::system_clock::now());
  EXPECT_TRUE(s.self && s.self->rss);
}

}  // namespace
}  // namespace reins
