// waitid(2) as reins uses it everywhere: with the rusage the glibc wrapper cannot return, EINTR retried, and
// the siginfo turned into an ExitStatus. Shared by Process (P_PIDFD) and Reaper (P_ALL, P_PGID, P_PID).
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "reins/exit_status.hpp"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace reins::sys {

// The raw system call (5 arguments); retries EINTR. Returns 0 or -1 with errno set.
int waitid_rusage(idtype_t idtype, id_t id, siginfo_t* info, int options, ::rusage* ru) noexcept;

// The status a CLD_EXITED / CLD_KILLED / CLD_DUMPED siginfo describes.
ExitStatus status_from(const siginfo_t& info) noexcept;

}  // namespace reins::sys
