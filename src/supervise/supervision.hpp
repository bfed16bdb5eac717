// What run() and init() share around their one command: its job, its trace, its memory guard, its timeout
// (SIGTERM, then a kill after kill_after), the OOM policy (end the whole job), and the report of how it
// ended. The callers own the poll loop and what differs between them: which signals reach the command and
// how, and (init) the orphans and what remains once the command has exited.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "reins/job.hpp"
#include "reins/process.hpp"
#include "reins/run.hpp"
#include "supervise/run_guard.hpp"
#include "supervise/run_trace.hpp"
#include "sys/event_loop.hpp"

namespace reins::supervise {

class Supervision {
 public:
  // How a timeout reaches the command: `signal` sends it SIGTERM when the time is up (run: the command;
  // init: the command or its process group), `kill` ends it kill_after later (run: the whole job; init: the
  // command, whose exit then ends the rest).
  struct Ending {
    std::function<void(int sig)> signal;
    std::function<void()> kill;
  };

  // Nothing starts yet.
  Supervision(const RunOptions& options, sys::EventLoop& loop, RunReport& report);
  Supervision(const Supervision&) = delete;
  Supervision& operator=(const Supervision&) = delete;

  // Makes the job (or notes why the command runs without one) and creates the trace file, before anything
  // starts: a job the limits need that cannot be made, or a bad trace path, fails with nothing running.
  void prepare();
  // Starts `cmd` inside the job when there is one, then samples the trace, guards its memory, watches for
  // the OOM killer and arms the timeout on the caller's loop.
  Process& start(const Command& cmd, Ending ending);

  Process& command() noexcept { return child_; }
  Job* job() noexcept { return job_ ? &*job_ : nullptr; }

  // The command has exited and was reaped with `result`: records it and its wall time, cancels the timeout,
  // lets a guard kill under way finish and stops the guard, ends the trace with its last events.
  void command_exited(const ProcessResult& result);
  // Last: kills what the command left in its job (unless kept), records the job's figures (killed_by oom),
  // removes the job or keeps it. Without a job: killed_by oom when the OOM killer acted in our own cgroup.
  void finish_job();

 private:
  Timeline trace_header() const;
  void watch_oom();
  void unwatch_oom();
  void on_job_events();
  void on_timeout();
  void check_cpu_time();
  void attribute_rlimit_end();
  void on_cpu_time(std::chrono::nanoseconds used);
  void watch_own_cgroup();
  void finish_without_job();
  void trace_event(TimelineEventKind kind, const std::string& detail);
  void tell(RunNotice kind, const std::string& text) const;  // RunOptions::on_notice, if any

  const RunOptions& opts_;
  sys::EventLoop& loop_;
  RunReport& report_;
  std::optional<Job> job_;  // before child_: a child still running at unwinding is killed, then its job
  // Without a job (a container's read-only cgroups): our own cgroup, whose OOM kills still tell, and their
  // count before the command started.
  std::optional<CgroupLayout> own_layout_;
  std::optional<std::uint64_t> own_oom_kills_;
  std::optional<RunTrace> trace_;
  Process child_;
  std::optional<RunGuard> guard_;  // after child_ and job_: stopped before either is destroyed
  Ending ending_;
  std::vector<sys::EventLoop::TimerId> timers_;       // the timeout's: end with the command
  std::optional<sys::EventLoop::TimerId> cpu_timer_;  // the next reading of the job's CPU time
  bool oom_watched_ = false;
  bool oom_handled_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace reins::supervise
