// `reins run --trace`: a timeline of the run, sampled on the supervisor's own poll loop (one timerfd, no
// thread) and appended to the trace file as it goes. With a job the samples are the job's cgroup figures
// (memory, CPU, processes); without one, the command's tree read from /proc (RSS and process count).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "reins/job.hpp"
#include "reins/process.hpp"
#include "reins/timeline.hpp"
#include "sys/event_loop.hpp"

namespace reins::supervise {

class RunTrace {
 public:
  // Creates the trace file now, so that a bad path fails before the command starts. A write that fails later
  // (a full disk) stops the trace, not the run: `on_stop` is told why, once.
  RunTrace(const std::string& path, const Timeline& header, std::chrono::nanoseconds interval,
           std::function<void(const std::string&)> on_stop);

  // Starts sampling `child` (and `job`, if any) every interval on `loop`, the first sample at once.
  void start(sys::EventLoop& loop, const Process& child, const Job* job);
  // Records an event at the current time.
  void event(TimelineEventKind kind, const std::string& detail);
  // Takes a last sample (the end state) and stops sampling.
  void finish();

 private:
  void sample();
  void schedule();
  double now() const;
  template <typename Write>
  void write(Write&& w);

  TimelineWriter writer_;
  std::chrono::nanoseconds interval_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  sys::EventLoop* loop_ = nullptr;
  const Process* child_ = nullptr;
  const Job* job_ = nullptr;
  std::optional<sys::EventLoop::TimerId> timer_;
  std::function<void(const std::string&)> on_stop_;
  bool stopped_ = false;
};

}  // namespace reins::supervise
