#include "sys/signal_fd.hpp"

#include <unistd.h>

#include "reins/error.hpp"

namespace reins::sys {

namespace {

template <typename Signals>
sigset_t set_of(const Signals& signals) noexcept {
  sigset_t set;
  ::sigemptyset(&set);
  for (int s : signals) ::sigaddset(&set, s);
  return set;
}

}  // namespace

sigset_t signal_set(std::initializer_list<int> signals) noexcept { return set_of(signals); }
sigset_t signal_set(const std::vector<int>& signals) noexcept { return set_of(signals); }

sigset_t all_signals() noexcept {
  sigset_t set;
  ::sigfillset(&set);
  return set;
}

bool thread_blocks(int sig) noexcept {
  sigset_t current;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &current);
  return ::sigismember(&current, sig) == 1;
}

SignalFd::SignalFd(const sigset_t& signals) : fd_(::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC)) {
  if (!fd_) throw_errno("create", "signalfd");
}

std::optional<signalfd_siginfo> SignalFd::read() const noexcept {
  signalfd_siginfo si{};
  ssize_t n;
  do n = ::read(fd_.get(), &si, sizeof si);
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof si)) return std::nullopt;
  return si;
}

bool SignalFd::drain() const noexcept {
  bool any = false;
  while (read()) any = true;
  return any;
}

}  // namespace reins::sys
