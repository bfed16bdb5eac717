#include "cgroup/events.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "reins/error.hpp"
#include "sys/fds.hpp"
#include "sys/fields.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {

EventWatch::EventWatch(unsigned kinds) : kinds_(kinds) { epoll_ = sys::make_epoll("job events"); }

void EventWatch::add(UniqueFd fd, unsigned events, Collect collect) {
  sys::epoll_add(epoll_.get(), fd.get(), events, "job event source");
  sources_.push_back({std::move(fd), std::move(collect)});
}

void EventWatch::add_sampled(std::chrono::milliseconds interval, Collect collect) {
  if (!timer_) {
    timer_ = sys::make_timerfd("job events");
    sys::epoll_add(epoll_.get(), timer_.get(), EPOLLIN, "job event timer");
  }
  if (interval_.count() == 0 || interval < interval_) {
    interval_ = interval;
    sys::arm_timerfd(timer_.get(), interval, interval);
  }
  sources_.push_back({UniqueFd(), std::move(collect)});
}

void EventWatch::post(JobEvent event) {
  if (!posted_fd_) {
    posted_fd_ = sys::make_eventfd("job events");
    sys::epoll_add(epoll_.get(), posted_fd_.get(), EPOLLIN, "job event");
  }
  posted_.push_back(event);
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(posted_fd_.get(), &one, sizeof one);
}

std::vector<JobEvent> EventWatch::collect() {
  std::vector<JobEvent> out = std::exchange(posted_, {});
  if (posted_fd_) {
    std::uint64_t count;
    [[maybe_unused]] auto n = ::read(posted_fd_.get(), &count, sizeof count);
  }
  if (timer_) {
    std::uint64_t ticks;
    [[maybe_unused]] auto n = ::read(timer_.get(), &ticks, sizeof ticks);
  }
  for (auto& s : sources_) s.collect(out);
  return out;
}

std::vector<JobEvent> EventWatch::wait(std::optional<std::chrono::nanoseconds> timeout) {
  auto deadline = timeout ? std::optional(std::chrono::steady_clock::now() + *timeout) : std::nullopt;
  for (;;) {
    auto events = collect();
    if (!events.empty()) return events;
    int ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      ms = static_cast<int>(std::min<long long>(left.count(), 1 << 30));
    }
    pollfd p{epoll_.get(), POLLIN, 0};
    if (::poll(&p, 1, ms) < 0 && errno != EINTR) throw_errno("wait for", "job events");
  }
}

void collect_counters(int fd, std::vector<CounterSource>& counters, std::vector<JobEvent>& out) {
  auto text = sys::pread_all(fd);
  if (!text.ok()) return;  // the cgroup is gone: nothing more will happen
  for (auto& c : counters) {
    auto v = sys::field_u64(*text, c.key);
    if (!v || *v <= c.last) continue;
    out.push_back({c.kind, *v - c.last});
    c.last = *v;
  }
}

}  // namespace reins::cgroup
