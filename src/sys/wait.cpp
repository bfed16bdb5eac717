#include "sys/wait.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace reins::sys {

int waitid_rusage(idtype_t idtype, id_t id, siginfo_t* info, int options, ::rusage* ru) noexcept {
  int rc;
  do rc = static_cast<int>(::syscall(SYS_waitid, idtype, id, info, options, ru));
  while (rc < 0 && errno == EINTR);
  return rc;
}

ExitStatus status_from(const siginfo_t& info) noexcept {
  ExitStatus s;
  s.how = info.si_code == CLD_EXITED ? ExitStatus::How::exited : ExitStatus::How::signaled;
  s.value = info.si_status;
  s.core_dumped = info.si_code == CLD_DUMPED;
  return s;
}

}  // namespace reins::sys
