// One factory per kind of event descriptor reins makes, each non-blocking and close-on-exec, each throwing
// reins::Error naming what it was for ("create timerfd for the memory guard: Too many open files").
#pragma once

#include <chrono>

#include "reins/fd.hpp"

namespace reins::sys {

UniqueFd make_eventfd(const char* purpose);
// CLOCK_MONOTONIC.
UniqueFd make_timerfd(const char* purpose);
UniqueFd make_epoll(const char* purpose);

// Arms `timerfd` to expire once after `delay` (at least 1 ns: 0 would disarm it), then every `period`
// (zero: once). Throws reins::Error.
void arm_timerfd(int timerfd, std::chrono::nanoseconds delay, std::chrono::nanoseconds period = {});
// Adds `fd` to `epoll` for `events`, with the fd itself as the event's data. Throws reins::Error.
void epoll_add(int epoll, int fd, unsigned events, const char* purpose);

}  // namespace reins::sys
