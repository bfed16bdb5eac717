#include "sys/event_loop.hpp"

#include <poll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "reins/error.hpp"
#include "sys/fds.hpp"

namespace reins::sys {

void EventLoop::watch(int fd, short events, Handler handler) {
  entries_.push_back(std::make_shared<Entry>(Entry{fd, events, std::move(handler)}));
}

void EventLoop::unwatch(int fd) {
  for (auto& e : entries_)
    if (e->fd == fd) e->removed = true;
}

EventLoop::TimerId EventLoop::after(std::chrono::nanoseconds delay, std::function<void()> handler) {
  UniqueFd owner = make_timerfd("a supervisor's timer");
  const int fd = owner.get();
  arm_timerfd(fd, delay);
  watch(fd, POLLIN, [this, fd, h = std::move(handler)](short) {
    cancel(fd);
    h();
  });
  timers_.emplace_back(fd, std::move(owner));
  return fd;
}

void EventLoop::cancel(TimerId id) {
  unwatch(id);
  // The fd is closed only after the current poll round, so a stale pollfd entry never names a reused fd.
}

void EventLoop::run() {
  stopped_ = false;
  std::vector<pollfd> fds;
  while (!stopped_) {
    std::erase_if(entries_, [](const auto& e) { return e->removed; });
    std::erase_if(timers_, [this](const auto& t) {
      return std::none_of(entries_.begin(), entries_.end(), [&](const auto& e) { return e->fd == t.first; });
    });
    if (entries_.empty()) return;
    fds.clear();
    for (const auto& e : entries_) fds.push_back({e->fd, e->events, 0});
    int n = ::poll(fds.data(), fds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll", "event loop");
    }
    auto snapshot = entries_;  // handlers may add or remove entries
    for (size_t i = 0; i < fds.size() && !stopped_; ++i)
      if (fds[i].revents && !snapshot[i]->removed) snapshot[i]->handler(fds[i].revents);
  }
}

}  // namespace reins::sys
