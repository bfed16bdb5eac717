#include "watch/guard_monitor.hpp"

#include <unistd.h>

#include <algorithm>

#include "pidfd/pidfd_poll.hpp"
#include "procfs/memory_parse.hpp"
#include "procfs/proc_read.hpp"
#include "procfs/process_memory.hpp"

namespace reins::watch {
namespace {

using Clock = std::chrono::steady_clock;

// The sum of the known values, or the largest one and its index.
struct Summary {
  std::optional<std::uint64_t> sum, max;
  std::size_t max_index = 0;
};
Summary summarise(const std::vector<std::optional<std::uint64_t>>& values) {
  Summary s;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!values[i]) continue;
    s.sum = s.sum.value_or(0) + *values[i];
    if (!s.max || *values[i] > *s.max) {
      s.max = values[i];
      s.max_index = i;
    }
  }
  return s;
}

}  // namespace

std::optional<std::uint64_t> Monitor::read_rss(const Member& m) {
  if (!m.statm) return procfs::read_process_memory(m.process.pid(), {.statm = true}, buffer_).rss;
  static const auto page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  ProcessMemory memory;
  auto length = procfs::pread_whole(m.statm.get(), buffer_);
  if (!length.ok() || procfs::parse_statm(std::string_view(buffer_.data(), *length), page_size, memory) != 0)
    return std::nullopt;
  return memory.rss;
}

void Monitor::keep_verified(std::vector<std::optional<std::uint64_t>>& values) {
  pidfd::poll_exited(
      target_.members(), [](const Member& m) { return m.process.pidfd(); }, polls_, exited_);
  for (std::size_t i = 0; i < values.size(); ++i)
    if (exited_[i]) values[i].reset();
}

// The cgroup's charge, or every member's RSS (into rss_); the value too when `metric` is one of those.
// Returns the RSS sum (nullopt for the cgroup metric, or when no RSS could be read).
std::optional<std::uint64_t> Monitor::read_cheap(GuardMetric metric, Reading& r) {
  auto members = target_.members();
  if (metric == GuardMetric::cgroup) {
    r.value = target_.cgroup_usage();
    r.processes = members.size();
    return std::nullopt;
  }
  rss_.assign(members.size(), std::nullopt);
  for (std::size_t i = 0; i < members.size(); ++i) rss_[i] = read_rss(members[i]);
  keep_verified(rss_);
  Summary rss = summarise(rss_);
  r.processes =
      static_cast<std::size_t>(std::count_if(rss_.begin(), rss_.end(), [](auto& v) { return v.has_value(); }));
  r.rss = settings_.per_process ? rss.max : rss.sum;
  if (settings_.per_process && rss.max) r.rss_pid = members[rss.max_index].process.pid();
  if (metric == GuardMetric::rss) {
    r.value = r.rss;
    r.pid = r.rss_pid;
  }
  return rss.sum;
}

Reading Monitor::sample(std::optional<std::uint64_t> limit) {
  Reading r;
  auto rss_sum = read_cheap(settings_.metric, r);
  if (r.value || !limit || !rss_sum) return r;
  choose_walks(*limit, *rss_sum);
  if (!to_walk_.empty() && Clock::now() >= next_walk_) walk(r, settings_.metric, /*spaced=*/true);
  return r;
}

Reading Monitor::measure(GuardMetric metric) {
  Reading r;
  read_cheap(metric, r);
  if (metric == GuardMetric::cgroup || metric == GuardMetric::rss) return r;
  to_walk_.clear();
  for (std::size_t i = 0; i < rss_.size(); ++i)
    if (rss_[i]) to_walk_.push_back(i);
  if (!to_walk_.empty()) walk(r, metric, /*spaced=*/false);
  return r;
}

void Monitor::choose_walks(std::uint64_t limit, std::uint64_t rss_sum) {
  // USS ≤ PSS ≤ RSS: below the gate, the metric cannot be over the limit, and the walk would only stall the
  // target. The margin covers the RSS counters' lag behind the page tables.
  const auto gate = static_cast<std::uint64_t>(static_cast<double>(limit) * (1.0 - settings_.gate_margin));
  to_walk_.clear();
  for (std::size_t i = 0; i < rss_.size(); ++i)
    if (rss_[i] && (settings_.per_process ? *rss_[i] >= gate : rss_sum >= gate)) to_walk_.push_back(i);
}

// The next walk waits in proportion to this one's length: walks hold the target's mmap lock, so this caps the
// share of its time they take.
void Monitor::space_next_walk(std::chrono::nanoseconds duration, Clock::time_point end) {
  auto spacing = std::chrono::duration_cast<std::chrono::nanoseconds>(duration * settings_.walk_spacing);
  next_walk_ = end + std::max(spacing, settings_.min_walk_spacing);
}

void Monitor::walk(Reading& r, GuardMetric metric, bool spaced) {
  auto members = target_.members();
  const auto start = Clock::now();
  walked_.assign(members.size(), std::nullopt);
  for (std::size_t i : to_walk_) {
    ProcessMemory m = procfs::read_process_memory(members[i].process.pid(), {.smaps_rollup = true}, buffer_);
    ++r.walks;
    walked_[i] = metric == GuardMetric::pss ? m.pss : m.uss;
    // No access to the page walk (EACCES): its RSS is a safe upper bound. A process gone has nothing left.
    if (!walked_[i] && !m.gone()) walked_[i] = rss_[i];
  }
  keep_verified(walked_);
  const auto end = Clock::now();
  r.walk_duration = end - start;
  if (spaced) space_next_walk(r.walk_duration, end);
  Summary walked = summarise(walked_);
  if (!settings_.per_process) {
    r.value = walked.sum;  // a sum walks every member
  } else if (walked.max) {
    r.value = walked.max;
    r.pid = members[walked.max_index].process.pid();
  }
}

}  // namespace reins::watch
