#include "supervise/run_guard.hpp"

#include <fmt/format.h>

#include "reins/error.hpp"

namespace reins::supervise {

RunGuard::RunGuard(const std::optional<RunGuardOptions>& options, const Process& child, const Job* job)
    : options_(options) {
  if (!options_) return;
  if (!options_->limit) throw InvalidArgument("the memory guard needs a limit (RunGuardOptions::limit)");
  GuardOptions o;
  o.metric = options_->metric;
  o.limit = options_->limit;
  o.action = options_->action;
  o.interval = options_->interval;
  o.grace = options_->grace;
  o.on_breach = options_->on_breach;
  o.stats_interval = std::chrono::nanoseconds(0);
  guard_ = std::make_unique<MemoryGuard>(job ? GuardTarget::job(*job) : GuardTarget::tree(child), std::move(o));
}

void RunGuard::finish(RunReport& report) {
  if (!guard_) return;
  auto first = guard_->first_breach();
  bool killing = first.wait_for(std::chrono::seconds(0)) == std::future_status::ready && first.get() &&
                 first.get()->action == GuardAction::kill;
  // The command is gone; the rest of its tree may still be in its grace, and gets SIGKILL at its end.
  if (killing) guard_->wait(options_->grace + std::chrono::seconds(2));
  guard_->cancel();
  report.guard = guard_->wait();
  const auto& breach = report.guard->breach;
  if (!breach) return;
  if (breach->action == GuardAction::kill) {
    report.notes.push_back("memory guard: " + breach->describe());
    if (!report.killed_by) {
      report.killed_by = KillReason::guard;
      report.kill_detail = report.notes.back();
    }
  } else {
    report.notes.push_back("memory guard warning: " + breach->describe());
  }
}

}  // namespace reins::supervise
