#include "supervise/run_trace.hpp"

#include <fmt/format.h>

#include "reins/error.hpp"
#include "reins/memory.hpp"

namespace reins::supervise {

RunTrace::RunTrace(const std::string& path, const Timeline& header, std::chrono::nanoseconds interval,
                   std::function<void(const std::string&)> on_stop)
    : writer_(path, header), interval_(interval), on_stop_(std::move(on_stop)) {}

// The trace is a record of the run, never a reason to end it: a failed write stops the trace, and the lines
// written so far stay a readable trace.
template <typename Write>
void RunTrace::write(Write&& w) {
  if (stopped_) return;
  try {
    w();
  } catch (const Error& e) {
    stopped_ = true;
    if (loop_ && timer_) loop_->cancel(*timer_);
    timer_.reset();
    if (on_stop_) on_stop_(fmt::format("the trace stopped at {:.1f}s ({}); the command went on", now(), e.what()));
  }
}

double RunTrace::now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void RunTrace::start(sys::EventLoop& loop, const Process& child, const Job* job) {
  loop_ = &loop;
  child_ = &child;
  job_ = job;
  start_ = std::chrono::steady_clock::now();
  sample();
  schedule();
}

void RunTrace::schedule() {
  timer_ = loop_->after(interval_, [this] {
    sample();
    if (!stopped_) schedule();
  });
}

void RunTrace::sample() {
  TimelineSample s;
  s.t = now();
  if (job_) {
    s.memory_bytes = job_->memory_current();
    s.cpu_s = std::chrono::duration<double>(job_->stats().cpu.usage).count();
    s.pids = job_->pids().size();
  }
  // Without a job, or a job without the memory controller (v2 where it cannot be enabled): the tree's RSS.
  if (!s.memory_bytes && child_ && child_->valid() && !child_->has_exited()) {
    auto tree = read_tree_memory(child_->pid(), {.statm = true});
    s.memory_bytes = tree.total.rss;
    if (!s.pids) s.pids = tree.processes.size() - tree.unreadable;
  }
  write([&] { writer_.sample(s); });
}

void RunTrace::event(TimelineEventKind kind, const std::string& detail) {
  write([&] { writer_.event({now(), std::string(timeline_event_name(kind)), detail}); });
}

void RunTrace::finish() {
  if (loop_ && timer_) loop_->cancel(*timer_);
  timer_.reset();
  if ((job_ || child_) && !stopped_) sample();
}

}  // namespace reins::supervise
