// A job as a guard target: its members come from the cgroup (each held by a pidfd once verified a member),
// its charge from the memory controller, and the kernel wakes the guard between ticks where it can: the job's
// memory events (v2 memory.events, v1 OOM and limit notifications), a v1 usage threshold at the guard's
// limit for the cgroup metric, and a PSI trigger on the v2 memory.pressure.
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_set>

#include "pidfd/pidfd_poll.hpp"
#include "reins/job.hpp"
#include "watch/guard_target.hpp"

namespace reins {
namespace {

using namespace std::chrono_literals;

class JobTarget final : public GuardTarget::Impl {
 public:
  explicit JobTarget(Job job) : job_(std::move(job)), has_memory_(job_.memory_current().has_value()) {
    // Memory events only: "all exited" is seen at the next tick, and on v1 it would need a timer.
    job_.select_events({JobEventKind::memory_limit, JobEventKind::memory_high, JobEventKind::oom_kill});
    events_fd_ = job_.event_fd();
    // 10% of a 2 s window: a window that is not a multiple of 2 s needs CAP_SYS_RESOURCE.
    pressure_ = job_.memory_pressure_fd(200ms, 2s);
  }

  std::string default_name() const override { return "job " + job_.name(); }
  pid_t root_pid() const noexcept override { return 0; }
  bool has_cgroup() const noexcept override { return has_memory_; }

  bool refresh() override {
    std::vector<pid_t> pids = job_.pids();
    std::unordered_set<pid_t> now(pids.begin(), pids.end());
    pidfd::poll_exited(
        members_, [](const watch::Member& m) { return m.process.pidfd(); }, polls_, exited_);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (exited_[i] || !now.contains(members_[i].process.pid())) continue;  // gone, or moved out of the job
      now.erase(members_[i].process.pid());
      if (kept != i) members_[kept] = std::move(members_[i]);
      ++kept;
    }
    members_.erase(members_.begin() + static_cast<std::ptrdiff_t>(kept), members_.end());
    for (pid_t pid : now)
      if (auto held = job_.hold_member(pid)) members_.push_back(watch::Member::hold(std::move(*held)));
    return !pids.empty();
  }

  std::span<const watch::Member> members() const override { return members_; }
  std::optional<std::uint64_t> cgroup_usage() override { return job_.memory_current(); }

  void wake_fds(std::vector<pollfd>& out) const override {
    out.push_back({events_fd_, POLLIN, 0});
    if (threshold_) out.push_back({threshold_->get(), POLLIN, 0});
    if (pressure_) out.push_back({pressure_->get(), POLLPRI, 0});
  }

  bool on_wake(int fd) override {
    if (fd == events_fd_) return !job_.read_events().empty();
    if (threshold_ && fd == threshold_->get()) {
      std::uint64_t count = 0;
      return ::read(fd, &count, sizeof count) == static_cast<ssize_t>(sizeof count);
    }
    return true;  // memory pressure: sample now
  }

  void limit_changed(std::optional<std::uint64_t> limit, GuardMetric metric) override {
    threshold_.reset();  // closing the eventfd removes the kernel's threshold
    // The charge the kernel compares includes pages precharged to each CPU's stock (up to 64 per CPU), which
    // go back to the system without the kernel noticing a crossing: woken at the limit itself, the guard could
    // read the charge just under it, and no second wake would come. Above the limit by the most the stocks
    // can hold, a wake means the charge without them is over the limit.
    static const std::uint64_t stock = 64ull * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) *
                                       static_cast<std::uint64_t>(std::max(1L, ::sysconf(_SC_NPROCESSORS_CONF)));
    if (limit && metric == GuardMetric::cgroup && *limit < UINT64_MAX - stock)
      threshold_ = job_.memory_threshold_fd(*limit + stock + 1);
  }

  std::size_t signal_all(int sig) override { return job_.signal(sig); }

  std::size_t kill_all() override {
    std::size_t members = job_.pids().size();
    try {
      job_.terminate(1s);  // cgroup.kill, or freeze + SIGKILL each + thaw
    } catch (const Error& e) {
      // Members left after a second (in uninterruptible sleep): the guard's ticks go on until they are gone.
      if (e.errno_value() != ETIMEDOUT) throw;
    }
    for (const auto& m : members_) pidfd::release_memory(m.process);
    return members;
  }

 private:
  Job job_;
  bool has_memory_;
  int events_fd_ = -1;
  std::optional<UniqueFd> threshold_, pressure_;
  std::vector<watch::Member> members_;
  std::vector<pollfd> polls_;
  std::vector<char> exited_;
};

}  // namespace

GuardTarget GuardTarget::job(const Job& job) { return GuardTarget(std::make_unique<JobTarget>(job.reopen())); }

}  // namespace reins
