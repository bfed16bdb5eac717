// The memory guard part of running a command (reins run --max-pss): started on the command's job (or its
// process tree without one) once the command runs, and stopped when it has exited, with what it saw put in
// the report.
#pragma once

#include <memory>
#include <optional>

#include "reins/guard.hpp"
#include "reins/job.hpp"
#include "reins/run.hpp"

namespace reins::supervise {

class RunGuard {
 public:
  // Starts guarding `child` (and its descendants), or `job`'s processes when there is a job. Does nothing
  // without options. Throws InvalidArgument when the options have no limit.
  RunGuard(const std::optional<RunGuardOptions>& options, const Process& child, const Job* job);

  // After the command has exited: lets a kill under way finish (what is left of the tree gets SIGKILL after
  // the grace), stops guarding, and records the result: killed_by "guard" and a note after a kill, a
  // warning note after a breach only reported.
  void finish(RunReport& report);

 private:
  std::optional<RunGuardOptions> options_;
  std::unique_ptr<MemoryGuard> guard_;
};

}  // namespace reins::supervise
