// How a process ended, and what it used: the values waitid(2) reports, shared by Process, Reaper, run() and
// init(). A vocabulary header: value types only, includable from every layer.
#pragma once

#include <string>

#include "reins/rusage.hpp"

namespace reins {

struct ExitStatus {
  enum class How { exited, signaled };
  How how = How::exited;
  int value = 0;  // the exit code, or the signal number
  bool core_dumped = false;

  bool exited() const noexcept { return how == How::exited; }
  bool signaled() const noexcept { return how == How::signaled; }
  int exit_code() const noexcept { return exited() ? value : -1; }
  int signal() const noexcept { return signaled() ? value : 0; }
  // What a shell reports: the exit code, or 128+N for signal N.
  int shell_code() const noexcept { return exited() ? value : 128 + value; }
  // "exited with code 3", "killed by SIGTERM", "killed by SIGSEGV (core dumped)".
  std::string describe() const;
};

struct ProcessResult {
  ExitStatus status;
  Rusage rusage;  // of the process and the descendants it waited for
};

}  // namespace reins
