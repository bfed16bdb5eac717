// A small poll(2) loop over file descriptors and one-shot timers (timerfd). Supervisors (run, init, guard)
// wait in it: the process sleeps in one poll with no periodic wake-up until a watched fd is ready.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "reins/fd.hpp"

namespace reins::sys {

class EventLoop {
 public:
  using Handler = std::function<void(short revents)>;
  using TimerId = int;

  // Calls `handler` whenever `fd` reports one of `events`. The fd stays owned by the caller.
  void watch(int fd, short events, Handler handler);
  void unwatch(int fd);
  // Calls `handler` once, `delay` from now. Returns an id for cancel().
  TimerId after(std::chrono::nanoseconds delay, std::function<void()> handler);
  void cancel(TimerId id);
  // Runs until stop() is called from a handler.
  void run();
  void stop() noexcept { stopped_ = true; }

 private:
  struct Entry {
    int fd;
    short events;
    Handler handler;
    bool removed = false;
  };
  std::vector<std::shared_ptr<Entry>> entries_;
  std::vector<std::pair<TimerId, UniqueFd>> timers_;
  bool stopped_ = false;
};

}  // namespace reins::sys
