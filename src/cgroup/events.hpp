// One job's event sources in one epoll set, so a caller waits on a single fd. A source is an fd the kernel
// wakes (a cgroup file polled for POLLPRI, an eventfd from v1's cgroup.event_control) or, where the kernel
// has no notification (v1 pids.events, v1 "empty"), a reading repeated on a timer. After any wake every
// source re-reads its counters and reports what changed since the last reading, so a missed or merged
// wake-up loses nothing.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "reins/fd.hpp"
#include "reins/job_types.hpp"

namespace reins::cgroup {

class EventWatch {
 public:
  using Collect = std::function<void(std::vector<JobEvent>& out)>;

  // Watches the events whose bits are set in `kinds` (bit = 1 << JobEventKind). Throws reins::Error if
  // epoll_create fails.
  explicit EventWatch(unsigned kinds = ~0u);

  // Whether a source of `kind` is wanted: sources cost kernel work to set up (a v1 usage threshold costs
  // an RCU grace period, about 10 ms, when registered and again when removed).
  bool wants(JobEventKind kind) const noexcept { return (kinds_ >> static_cast<unsigned>(kind)) & 1u; }

  int fd() const noexcept { return epoll_.get(); }
  // Adds a source woken by `fd` (owned from now on). `events`: EPOLLPRI for cgroup files, EPOLLIN for an
  // eventfd. `collect` must consume the wake (re-read the file with pread, read the eventfd).
  void add(UniqueFd fd, unsigned events, Collect collect);
  // Adds a source with no notification: collected on a shared timer every `interval` (the shortest asked).
  void add_sampled(std::chrono::milliseconds interval, Collect collect);
  // Set when the job gained a member, so that an exit between two readings still counts as "all exited".
  void note_populated() noexcept { populated_seen_ = true; }
  bool take_populated_seen() noexcept { return std::exchange(populated_seen_, false); }
  // Reports `event` at the next collect(), and makes fd() readable until then: for what a source finds while
  // it is being set up (a job that had members and was already empty when watching began).
  void post(JobEvent event);

  // Everything that happened since the last call; never blocks.
  std::vector<JobEvent> collect();
  // Blocks until at least one event or the timeout.
  std::vector<JobEvent> wait(std::optional<std::chrono::nanoseconds> timeout);

 private:
  struct Source {
    UniqueFd fd;
    Collect collect;
  };
  UniqueFd epoll_;
  UniqueFd timer_;
  std::chrono::milliseconds interval_{0};
  std::vector<Source> sources_;
  bool populated_seen_ = false;
  UniqueFd posted_fd_;  // eventfd, made at the first post()
  std::vector<JobEvent> posted_;
  unsigned kinds_;
};

// Reads "key N" counters from a cgroup file held open, and reports increases as events.
struct CounterSource {
  JobEventKind kind;
  const char* key;
  std::uint64_t last = 0;
};
// Re-reads `fd` (pread from 0) and appends an event per counter that grew.
void collect_counters(int fd, std::vector<CounterSource>& counters, std::vector<JobEvent>& out);

}  // namespace reins::cgroup
