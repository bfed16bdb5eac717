#include "sys/fds.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include <algorithm>
#include <string>

#include "reins/error.hpp"

namespace reins::sys {
namespace {

UniqueFd checked(int fd, const char* kind, const char* purpose) {
  if (fd < 0) throw_errno("create", std::string(kind) + " for " + purpose);
  return UniqueFd(fd);
}

timespec to_timespec(std::chrono::nanoseconds d) {
  return {static_cast<time_t>(d.count() / 1'000'000'000), static_cast<long>(d.count() % 1'000'000'000)};
}

}  // namespace

UniqueFd make_eventfd(const char* purpose) {
  return checked(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", purpose);
}

UniqueFd make_timerfd(const char* purpose) {
  return checked(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK), "timerfd", purpose);
}

UniqueFd make_epoll(const char* purpose) { return checked(::epoll_create1(EPOLL_CLOEXEC), "epoll", purpose); }

void arm_timerfd(int timerfd, std::chrono::nanoseconds delay, std::chrono::nanoseconds period) {
  itimerspec spec{};
  spec.it_value = to_timespec(std::max(delay, std::chrono::nanoseconds(1)));
  spec.it_interval = to_timespec(period);
  if (::timerfd_settime(timerfd, 0, &spec, nullptr) != 0) throw_errno("arm", "timerfd");
}

void epoll_add(int epoll, int fd, unsigned events, const char* purpose) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("watch", purpose);
}

}  // namespace reins::sys
