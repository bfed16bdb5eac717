// signalfd(2): signals taken as readable events in a poll loop instead of by handlers. The signals must be
// blocked in every thread of the process, or a thread that does not block one may take it first (and for
// SIGCHLD, whose default action is to ignore it, the event is then lost).
#pragma once

#include <signal.h>
#include <sys/signalfd.h>

#include <initializer_list>
#include <optional>
#include <vector>

#include "reins/fd.hpp"

namespace reins::sys {

sigset_t signal_set(std::initializer_list<int> signals) noexcept;
sigset_t signal_set(const std::vector<int>& signals) noexcept;
// Every signal: what init blocks and forwards. SIGKILL and SIGSTOP are in it but can never be taken.
sigset_t all_signals() noexcept;
// Whether the calling thread blocks `sig`.
bool thread_blocks(int sig) noexcept;

class SignalFd {
 public:
  SignalFd() = default;
  // Non-blocking and close-on-exec. Throws reins::Error.
  explicit SignalFd(const sigset_t& signals);

  int fd() const noexcept { return fd_.get(); }
  // The next pending signal, or nullopt when none is.
  std::optional<signalfd_siginfo> read() const noexcept;
  // Discards everything pending; returns whether anything was.
  bool drain() const noexcept;

 private:
  UniqueFd fd_;
};

}  // namespace reins::sys
