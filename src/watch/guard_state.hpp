// What a MemoryGuard shares between its owner's threads and its own: set up before the thread starts, then
// the limit, the cancel request and the published results under one mutex. The loop itself
// (guard_loop.cpp) keeps everything else to its thread.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "reins/fd.hpp"
#include "reins/guard.hpp"
#include "watch/guard_target.hpp"

namespace reins {

struct MemoryGuard::State {
  // Fixed before the thread starts.
  GuardOptions options;
  std::unique_ptr<GuardTarget::Impl> target;
  std::string name;
  UniqueFd control;  // eventfd: the limit changed, or cancel() was asked
  UniqueFd ended;    // eventfd: written once, when guarding has ended

  mutable std::mutex mutex;  // guards everything below but `finished` and the join
  std::condition_variable changed;
  std::optional<std::uint64_t> limit;
  std::uint64_t limit_version = 0;
  bool cancel_requested = false;
  GuardStats stats;
  // Measurements on request (MemoryGuard::measure): the metrics asked for (bit 1 << GuardMetric), the rounds
  // of answers given so far, and each metric's latest value, from a sample or a request.
  struct Measured {
    std::optional<std::uint64_t> value;
    std::chrono::steady_clock::time_point at{};
    bool taken = false;
  };
  unsigned measure_wanted = 0;
  std::uint64_t measure_rounds = 0;
  std::array<Measured, 4> measured{};
  std::optional<GuardBreach> first_breach;
  std::promise<std::optional<GuardBreach>> breach_promise;
  std::shared_future<std::optional<GuardBreach>> breach_future = breach_promise.get_future().share();
  std::optional<GuardResult> result;
  std::exception_ptr failure;
  std::atomic<bool> finished{false};

  std::mutex join_mutex;
  std::jthread thread;  // last: joined before the members it uses are destroyed

  // The guard whose thread is the current one, so that cancel() from a callback does not join itself.
  static thread_local const State* current;

  void wake() const noexcept;
  bool cancelled() const;
  void join();
  // The thread's body: runs the loop, then publishes the result (guard_loop.cpp).
  void run() noexcept;
  // Publishes a breach to waiters (under the mutex).
  void publish_breach(const GuardBreach& breach);
};

}  // namespace reins
