// reins::Job over src/cgroup: the lifecycle (create, open, spawn inside, assign, freeze, terminate, remove)
// and the kill-on-close policy. Nothing here knows which cgroup version it talks to.
#include "reins/job.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>

#include <fmt/format.h>

#include "cgroup/enclosing.hpp"
#include "cgroup/job_cgroups.hpp"
#include "cgroup/limits.hpp"
#include "cgroup/memory_reader.hpp"
#include "cgroup/terminate.hpp"
#include "job/job_scope.hpp"
#include "job/layout_handle.hpp"
#include "pidfd/spawn.hpp"
#include "systemd/scope.hpp"

namespace reins {

using Clock = std::chrono::steady_clock;

CgroupLayout CgroupLayout::discover(const std::string& root) {
  cgroup::LayoutOptions options;
  options.root = root;
  return CgroupLayout(std::make_shared<const Impl>(Impl{cgroup::Layout::discover(options)}));
}

CgroupMode CgroupLayout::mode() const noexcept {
  switch (impl_->layout.mode()) {
    case cgroup::Layout::Mode::v2:
      return CgroupMode::v2;
    case cgroup::Layout::Mode::hybrid:
      return CgroupMode::hybrid;
    case cgroup::Layout::Mode::v1:
      return CgroupMode::v1;
  }
  return CgroupMode::v1;
}

std::string_view cgroup_mode_name(CgroupMode mode) noexcept {
  switch (mode) {
    case CgroupMode::v2:
      return "v2";
    case CgroupMode::hybrid:
      return "hybrid";
    case CgroupMode::v1:
      return "v1";
  }
  return "?";
}
std::string CgroupLayout::describe() const { return impl_->layout.describe(); }
std::vector<EnclosingLimit> CgroupLayout::enclosing_limits() const { return cgroup::enclosing_limits(impl_->layout); }
std::optional<std::uint64_t> CgroupLayout::oom_kills() const { return cgroup::parent_oom_kills(impl_->layout); }

std::string_view systemd_scope_name(SystemdScope s) noexcept {
  switch (s) {
    case SystemdScope::when_needed:
      return "auto";
    case SystemdScope::never:
      return "never";
    case SystemdScope::always:
      return "always";
  }
  return "?";
}

bool systemd_scopes_built() noexcept { return systemd::built_with_sd_bus(); }

struct Job::Impl {
  explicit Impl(cgroup::JobCgroups c) : cgroups(std::move(c)) {}

  cgroup::Backend& core() const { return cgroups.core(); }
  cgroup::EventWatch& watch() {
    if (!events) {
      events = std::make_unique<cgroup::EventWatch>(event_kinds);
      if (members_unreported) events->note_populated();
      core().watch_populated(*events);
      for (auto* b : cgroups.backends()) b->watch_controllers(*events);
    }
    return *events;
  }
  // A member joined (spawn, assign): its exit is to be reported, whenever watching begins.
  void note_member() {
    members_unreported = true;
    if (events) events->note_populated();
  }
  std::vector<JobEvent> reported(std::vector<JobEvent> out) {
    for (const auto& e : out)
      if (e.kind == JobEventKind::all_exited) members_unreported = false;
    return out;
  }

  cgroup::JobCgroups cgroups;
  std::string unit;             // the systemd scope holding the job (ours, or the job's own), or ""
  std::string named_scope_dir;  // the job's own scope (a named job that outlives its maker), or ""
  std::vector<SkippedLimit> skipped;
  bool kill_on_close = false;
  bool removed = false;
  // cgroup.kill was used on this job: clone3(CLONE_INTO_CGROUP) into it would give a child killed at birth
  // on kernels with the kill_seq bug, so children join by writing cgroup.procs instead; also set once
  // clone3 refused CLONE_INTO_CGROUP for it.
  bool clone_into_unusable = false;
  unsigned event_kinds = ~0u;       // bits of JobEventKind to watch
  bool members_unreported = false;  // members joined since the last all-exited event read
  // Declared last: its sources refer to the backends above.
  std::unique_ptr<cgroup::EventWatch> events;
};

namespace {

cgroup::Layout layout_of(const CgroupLayout* layout) {
  return layout ? job::current_layout(layout->impl().layout) : cgroup::Layout::discover();
}

cgroup::ControllerSet accounted(const cgroup::Layout& layout, const JobAccounting& a) {
  cgroup::ControllerSet set;
  auto add_if = [&](bool on, cgroup::Controller c) {
    if (on && layout.find(c)) set.add(c);  // statistics only where available: never an error
  };
  add_if(a.memory, cgroup::Controller::memory);
  add_if(a.pids, cgroup::Controller::pids);
  add_if(a.io, cgroup::Controller::io);
  add_if(a.cpu_throttling, cgroup::Controller::cpu);
  return set;
}

std::string unique_job_name() {
  static std::atomic<unsigned> counter{0};
  return fmt::format("reins-{}-{}", ::getpid(), counter++);
}

}  // namespace

Job::Job(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Job::Job(Job&&) noexcept = default;
Job& Job::operator=(Job&& other) noexcept {
  if (this != &other) {
    Job old(std::move(impl_));  // ends the job held so far, as its destructor would
    impl_ = std::move(other.impl_);
  }
  return *this;
}

Job::~Job() {
  if (!impl_ || !impl_->kill_on_close || impl_->removed) return;
  try {
    remove(std::chrono::seconds(5));
  } catch (...) {
    // A destructor cannot report; what is left is visible to `reins job list`.
  }
}

Job Job::create(const JobOptions& options) {
  // Another reins with our pid in another pid namespace may share the parent cgroup: try the next name.
  for (int attempt = 0;; ++attempt) {
    try {
      return create(unique_job_name(), options);
    } catch (const Error& e) {
      if (e.errno_value() != EEXIST || attempt == 8) throw;
    }
  }
}

Job Job::create(const std::string& name, const JobOptions& options) {
  // Makes the job in `layout`; a failure on the way removes what was made (the job's destructor).
  auto create_in = [&](const cgroup::Layout& layout) {
    std::vector<SkippedLimit> skipped;
    JobLimits limits = job::limits_in_scope(layout, options, skipped);
    Job job(std::make_unique<Impl>(cgroup::JobCgroups::create(layout, name, cgroup::controllers_for(limits),
                                                              accounted(layout, options.accounting),
                                                              /*owned=*/true)));
    job.impl_->kill_on_close = true;
    job.impl_->unit = job::process_scope();
    job.impl_->skipped = std::move(skipped);
    cgroup::apply_limits(job.impl_->cgroups, limits, options.best_effort, job.impl_->skipped, /*fresh=*/true);
    return job;
  };
  cgroup::Layout layout = layout_of(options.layout);
  // A job that outlives us cannot live in our scope: it gets one of its own (job/job_scope.hpp).
  auto in_named_scope = [&]() {
    job::NamedScope scope = job::start_named_scope(layout, name, job::delegated_for(options));
    Job job = create_in(scope.layout);
    job.release();
    job.impl_->unit = scope.unit;
    job.impl_->named_scope_dir = scope.dir;
    scope.keeper.detach();  // it holds the scope until the job is removed
    return job;
  };
  auto finished = [&](Job job) {
    if (options.outlive_process) job.release();
    return job;
  };
  if (options.systemd == SystemdScope::always && job::process_scope().empty() && !options.outlive_process)
    layout =
        job::enter_scope(layout, job::delegated_for(options), "a systemd scope was asked for (SystemdScope::always)");
  if (options.systemd == SystemdScope::always && options.outlive_process && job::named_scopes_apply(layout))
    return in_named_scope();
  try {
    Job job = create_in(layout);
    // A job without the statistics asked for, which a delegated cgroup would give: worth a scope.
    if (!job.impl_->cgroups.accounting_refused() || !job::scope_may_help(layout, options.systemd) ||
        (!options.outlive_process && !job::process_scope().empty()))
      return finished(std::move(job));
  } catch (const cgroup::DelegationError& e) {
    if (!job::scope_may_help(layout, options.systemd)) throw;
    if (options.outlive_process) return in_named_scope();
    if (!job::process_scope().empty()) throw;
    return create_in(job::enter_scope(layout, job::delegated_for(options), e.what()));
  }
  if (options.outlive_process) return in_named_scope();
  return create_in(job::enter_scope(layout, job::delegated_for(options),
                                    "the statistics asked for need controllers our cgroup cannot give"));
}

Job Job::open(const std::string& name, const CgroupLayout* layout, JobOpen how) {
  cgroup::Layout l = layout_of(layout);
  if (auto cgroups = cgroup::JobCgroups::open(l, name, how == JobOpen::adopt))
    return Job(std::make_unique<Impl>(std::move(*cgroups)));
  // A named job in a scope of its own (JobOptions::outlive_process on a systemd host).
  if (job::named_scopes_apply(l))
    if (auto scope = job::find_named_scope(l, name))
      if (auto cgroups = cgroup::JobCgroups::open(scope->first, name)) {
        Job job(std::make_unique<Impl>(std::move(*cgroups)));
        job.impl_->unit = systemd::named_job_unit(name);
        job.impl_->named_scope_dir = scope->second;
        return job;
      }
  throw Error(ENOENT, "open job", fmt::format("'{}' (no cgroup {})", name, l.core().dir_of(l.core().child_path(name))));
}

std::vector<std::string> Job::list(const CgroupLayout* layout) {
  cgroup::Layout l = layout_of(layout);
  std::vector<std::string> names = cgroup::JobCgroups::list(l);
  if (job::named_scopes_apply(l))
    for (auto& name : job::named_scope_jobs(l)) names.push_back(std::move(name));
  return names;
}

const std::string& Job::name() const noexcept { return impl_->cgroups.name(); }
std::vector<std::string> Job::paths() const { return impl_->cgroups.paths(); }
const std::string& Job::unit() const noexcept { return impl_->unit; }
std::string Job::describe() const { return impl_->cgroups.layout().describe(); }
const std::vector<SkippedLimit>& Job::skipped() const noexcept { return impl_->skipped; }
std::vector<EnclosingLimit> Job::enclosing_limits() const { return cgroup::enclosing_limits(impl_->cgroups.layout()); }
bool Job::kill_on_close() const noexcept { return impl_->kill_on_close; }
void Job::set_kill_on_close(bool on) noexcept {
  if (on != impl_->kill_on_close) impl_->cgroups.set_owned(on);
  impl_->kill_on_close = on;
}

std::vector<std::string> Job::remove_abandoned(const CgroupLayout* layout) {
  return cgroup::JobCgroups::remove_abandoned(layout_of(layout), Clock::now() + std::chrono::milliseconds(200));
}

void Job::assign(pid_t pid) {
  impl_->cgroups.move_in(pid, Clock::now() + std::chrono::seconds(5));
  impl_->note_member();
}

Process Job::spawn(const Command& cmd) {
  // Moving into a cgroup takes write access to the common ancestor's cgroup.procs: from an ordinary user's
  // session scope into a named job's scope that is root's user-UID.slice; from a scope of our own, in the same
  // slice as the job's scope, it is hers.
  if (!impl_->named_scope_dir.empty() && ::geteuid() != 0 && job::process_scope().empty())
    job::enter_scope(impl_->cgroups.layout(), job::delegated_for({}),
                     fmt::format("start a process in job '{}' (a scope of its own)", name()));
  Command c = cmd;
  if (impl_->kill_on_close && c.parent_death_signal == 0) c.parent_death_signal = SIGKILL;
  const cgroup::Backend& core = impl_->core();
  pidfd::Placement placement;
  placement.cgroup2_dirfd = impl_->clone_into_unusable ? -1 : core.clone_into_fd();
  std::vector<UniqueFd> procs;
  for (const auto* dir : impl_->cgroups.dirs())
    if (dir->fd() != placement.cgroup2_dirfd) procs.push_back(dir->open_file("cgroup.procs", O_WRONLY));
  for (const auto& fd : procs) placement.join_procs_fds.push_back(fd.get());
  auto outcome = pidfd::spawn(c, placement);
  if (outcome.killed_at_birth || outcome.into_cgroup_refused) {
    // The kernel's kill_seq bug (see docs/design/jobs.md), or clone3 refusing CLONE_INTO_CGROUP: join by
    // cgroup.procs instead, from now on (a refusal by the cgroup's state then reports itself as "join").
    impl_->clone_into_unusable = true;
    procs.push_back(core.core_dir().open_file("cgroup.procs", O_WRONLY));
    placement.cgroup2_dirfd = -1;
    placement.join_procs_fds.push_back(procs.back().get());
    outcome = pidfd::spawn(c, placement);
    if (outcome.killed_at_birth)
      throw SpawnError(ECHILD, SpawnStage::start, "start (killed by SIGKILL at birth)", c.argv.front());
  }
  impl_->note_member();
  return std::move(outcome.process);
}

std::vector<pid_t> Job::pids() const { return impl_->core().core_dir().pids_recursive(); }
bool Job::populated() const { return impl_->core().populated(); }

void Job::freeze() {
  if (!impl_->core().set_frozen(true, Clock::now() + std::chrono::seconds(5)))
    throw Error(ENOTSUP, "freeze job " + name(), "(no freezer: cgroup v1 without the freezer hierarchy)");
}

void Job::thaw() {
  if (!impl_->core().set_frozen(false, Clock::now() + std::chrono::seconds(5)))
    throw Error(ENOTSUP, "thaw job " + name(), "(no freezer: cgroup v1 without the freezer hierarchy)");
}

bool Job::frozen() const { return impl_->core().frozen(); }
std::size_t Job::signal(int sig) { return cgroup::signal_members(impl_->core(), sig); }

void Job::terminate(std::chrono::nanoseconds timeout) {
  auto deadline = Clock::now() + timeout;
  cgroup::Backend& core = impl_->core();
  if (core.kill_all())
    impl_->clone_into_unusable = true;
  else
    cgroup::kill_members(core, deadline);
  if (!core.wait_empty(deadline)) {
    auto left = pids();
    throw Error(ETIMEDOUT, fmt::format("terminate job {}: {} member(s) left after {}", name(), left.size(),
                                       format_duration(timeout)));
  }
}

bool Job::wait_empty(std::chrono::nanoseconds timeout) { return impl_->core().wait_empty(Clock::now() + timeout); }

void Job::remove(std::chrono::nanoseconds timeout) {
  if (impl_->removed) return;
  auto deadline = Clock::now() + timeout;
  impl_->events.reset();  // its fds would keep nothing alive, but v1 eventfds fire on rmdir: stop listening
  std::string failed;
  // An empty job goes with rmdir alone, which needs no descriptor: so a job whose owner ran out of them
  // (EMFILE) is still removed. One with members (EBUSY) is ended first, in every hierarchy: a process that
  // left the core for another cgroup2 cgroup is still in the job's v1 cgroups.
  int err = impl_->cgroups.remove(Clock::now(), failed);
  if (err == EBUSY) {
    terminate(timeout);
    impl_->cgroups.kill_strays(deadline);
    err = impl_->cgroups.remove(deadline, failed);
  }
  if (err) throw Error(err, "remove cgroup", failed);
  impl_->removed = true;
  if (!impl_->named_scope_dir.empty()) job::end_named_scope(impl_->named_scope_dir);
}

void Job::set_limits(const JobLimits& limits, bool best_effort) {
  const cgroup::Layout& layout = impl_->cgroups.layout();
  JobLimits supported = cgroup::supported_limits(layout, limits, best_effort, impl_->skipped);
  impl_->cgroups.join(cgroup::controllers_for(supported), Clock::now() + std::chrono::seconds(5));
  // Rebuilt with the sources of newly joined controllers (at once if it was being watched).
  const bool watching = impl_->events != nullptr;
  impl_->events.reset();
  if (watching) impl_->watch();
  cgroup::apply_limits(impl_->cgroups, supported, best_effort, impl_->skipped);
}

JobLimits Job::limits() const { return cgroup::read_limits(impl_->cgroups); }

void Job::set_accounting(const JobAccounting& accounting) {
  cgroup::ControllerSet wanted = accounted(impl_->cgroups.layout(), accounting);
  impl_->cgroups.join(wanted, Clock::now() + std::chrono::seconds(5));
  // Rebuilt with the sources of newly joined controllers, as set_limits() does.
  const bool watching = impl_->events != nullptr;
  impl_->events.reset();
  if (watching) impl_->watch();
}

JobAccounting Job::accounting() const {
  auto has = [&](cgroup::Controller c) { return impl_->cgroups.holding(c) != nullptr; };
  return {.memory = has(cgroup::Controller::memory),
          .pids = has(cgroup::Controller::pids),
          .io = has(cgroup::Controller::io),
          .cpu_throttling = has(cgroup::Controller::cpu)};
}

JobStats Job::stats() const {
  JobStats s;
  impl_->core().read_cpu_usage(s.cpu);
  for (auto* b : impl_->cgroups.backends()) b->read_stats(s);
  return s;
}

std::chrono::nanoseconds Job::cpu_usage() const {
  JobCpuStats cpu;
  impl_->core().read_cpu_usage(cpu);
  return cpu.usage;
}

std::optional<std::uint64_t> Job::memory_current() const {
  auto* b = impl_->cgroups.holding(cgroup::Controller::memory);
  return b ? b->memory_current() : std::nullopt;
}

std::optional<std::uint64_t> Job::memory_headroom() const {
  std::optional<CgroupMemory> memory;
  if (auto* b = impl_->cgroups.holding(cgroup::Controller::memory))
    if (const cgroup::CgroupDir* dir = b->dir(cgroup::Controller::memory)) memory = read_cgroup_memory(dir->path());
  return cgroup::headroom_now(memory && memory->error == 0 ? &*memory : nullptr);
}

Job Job::reopen() const {
  auto cgroups = cgroup::JobCgroups::open(impl_->cgroups.layout(), name(), /*adopt=*/true);  // ours already
  if (!cgroups) throw Error(ENOENT, "reopen job", fmt::format("'{}' (its cgroup is gone)", name()));
  return Job(std::make_unique<Impl>(std::move(*cgroups)));
}

std::optional<Process> Job::hold_member(pid_t pid) const { return cgroup::hold_member(impl_->core(), pid); }

std::optional<UniqueFd> Job::memory_threshold_fd(std::uint64_t bytes) const {
  const auto* b = impl_->cgroups.holding(cgroup::Controller::memory);
  return b ? b->usage_threshold_fd(bytes) : std::nullopt;
}

std::optional<UniqueFd> Job::memory_pressure_fd(std::chrono::microseconds stall,
                                                std::chrono::microseconds window) const {
  return impl_->core().pressure_trigger_fd(stall, window);
}

void Job::select_events(const std::vector<JobEventKind>& kinds) {
  impl_->event_kinds = 0;
  for (auto k : kinds) impl_->event_kinds |= 1u << static_cast<unsigned>(k);
  impl_->events.reset();
  impl_->watch();  // from now on: an event between this call and the first poll is not lost
}

int Job::event_fd() const { return impl_->watch().fd(); }
std::vector<JobEvent> Job::read_events() { return impl_->reported(impl_->watch().collect()); }
std::vector<JobEvent> Job::wait_events(std::optional<std::chrono::nanoseconds> timeout) {
  return impl_->reported(impl_->watch().wait(timeout));
}

}  // namespace reins
