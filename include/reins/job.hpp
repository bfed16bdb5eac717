// Jobs: groups of processes that are limited, measured, watched and ended as one, backed by cgroups (what a
// Windows Job Object is). A Job works on cgroup v2, hybrid (v1 controllers beside a cgroup2 mount) and v1;
// which files it uses is decided once per CgroupLayout and never shows in this API.
//
// Where jobs live: below our own cgroup in every hierarchy (what /proc/self/cgroup names), or below an
// explicit root. A job only has cgroups in the hierarchies it needs: the core (membership, kill, freeze,
// "empty" events, CPU time) plus the controllers of the limits asked for and of the statistics wanted.
//
// Thread safety: a Job is not synchronised; use one from one thread at a time. Different Jobs are independent.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reins/job_types.hpp"
#include "reins/process.hpp"
#include "reins/units.hpp"

namespace reins {

// Parses one systemd resource-control assignment into `limits`, with systemd's names and value syntax:
//   MemoryMax= MemoryHigh= MemorySwapMax=  bytes with K/M/G/T (base 1024), N% of RAM (of swap for swap), infinity
//   CPUQuota=150%  (100% = one CPU)   CPUQuotaPeriodSec=  CPUWeight=1..10000   AllowedCPUs= AllowedMemoryNodes=
//   TasksMax=N, N% of the kernel's maximum, infinity
//   IOReadBandwidthMax= IOWriteBandwidthMax=  "PATH BYTES" with K/M/G/T base 1000; PATH is a device or a file on it
//   IOReadIOPSMax= IOWriteIOPSMax=  "PATH N"
// Throws InvalidArgument quoting the text and listing the valid names or forms.
void apply_job_property(JobLimits& limits, std::string_view assignment);
// The systemd property names of the limits `limits` sets ("MemoryMax", "TasksMax"), for messages.
std::vector<std::string> property_names(const JobLimits& limits);
// The property names apply_job_property accepts.
std::vector<std::string> job_property_names();
// "1.5" → CpuQuota::cpus(1.5); throws InvalidArgument.
CpuQuota parse_cpus(std::string_view text);
// Checks a cpuset list ("0-3,5"); returns it unchanged or throws InvalidArgument.
std::string parse_cpu_list(std::string_view text);
// The whole-disk MAJ:MIN that holds `path` (a block device node, or any file: the disk it is stored on).
// Throws reins::Error naming the path.
std::pair<unsigned, unsigned> block_device_of(const std::string& path);

// ---------------------------------------------------------------------------------------------------------
// The layout and the job

// How the cgroup hierarchies are mounted: pure cgroup v2, v1 controllers beside a cgroup2 mount, or v1 only.
enum class CgroupMode { v2, hybrid, v1 };
// "v2", "hybrid", "v1".
std::string_view cgroup_mode_name(CgroupMode mode) noexcept;

// Where the cgroup hierarchies are, discovered once (from /proc/self/mountinfo and /proc/self/cgroup) and
// passed to every Job made with it. Cheap to copy.
class CgroupLayout {
 public:
  // `root`: an explicit parent cgroup for jobs (a path inside each hierarchy, e.g. "/reins"); empty: our own
  // cgroups. Throws reins::Error when no cgroup hierarchy is usable.
  static CgroupLayout discover(const std::string& root = {});
  CgroupMode mode() const noexcept;
  // Where each hierarchy is and where jobs go, one line each.
  std::string describe() const;
  // The memory and process limits set on the cgroup jobs go below (our own) or above it: a container's, a
  // Slurm step's, a systemd unit's. The lowest of each, read now.
  std::vector<EnclosingLimit> enclosing_limits() const;
  // The OOM kills counted so far in that cgroup (v2: and below it), or nullopt when there is no memory
  // hierarchy or its counter cannot be read. Readable where nothing can be created (a container's read-only
  // cgroups), so a command run without a job can still be told apart from one the OOM killer ended.
  std::optional<std::uint64_t> oom_kills() const;

  // The library's own view (src/cgroup); opaque to users.
  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }
  explicit CgroupLayout(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const Impl> impl_;
};

// Which cgroups Job::open acts on.
enum class JobOpen {
  own_jobs,  // only cgroups reins marked as jobs (where the file system keeps the marker): the default
  adopt,     // any cgroup of that name below the parent: one made by hand or by another tool
};

// Whether a job may be made in a transient systemd scope (see Job::create).
enum class SystemdScope {
  when_needed,  // only when our own cgroup cannot hold the job (the default)
  never,        // never: fail as our own cgroup does
  always,       // move into a scope of our own first, even where our own cgroup would do
};

// "auto", "never", "always": the CLI's --systemd values.
std::string_view systemd_scope_name(SystemdScope s) noexcept;

// Whether this build can ask systemd for scopes at all (the fully static reins-static cannot: it cannot load
// libsystemd).
bool systemd_scopes_built() noexcept;

struct JobOptions {
  JobLimits limits;
  JobAccounting accounting;
  // A limit whose controller is missing is skipped (see Job::skipped()) instead of an error.
  bool best_effort = false;
  // Where cgroups go; nullptr: discover now.
  const CgroupLayout* layout = nullptr;
  SystemdScope systemd = SystemdScope::when_needed;
  // The job is made to outlive this process (what `reins job create` makes): released from the start. On a
  // systemd host where our own cgroup cannot hold it, it gets a scope of its own, "reins-job-NAME.scope", kept
  // by a placeholder process until remove(); open(), list() and remove() find it there.
  bool outlive_process = false;
};

class Job {
 public:
  // Creates a new job named "reins-<pid>-<n>", or `name`. Throws reins::Error if it cannot (the message
  // names the cgroup path and the controller), InvalidArgument for a bad name or limit; nothing is left
  // behind on failure. The new job owns its processes: destroying it kills them and removes its cgroups.
  //
  // On a pure cgroup v2 systemd host, our own cgroup often cannot hold a job: a login shell's session scope
  // or a service holds other processes (v2 allows controllers only above leaves), an ordinary user's session
  // belongs to root, a terminal's scope lacks Delegate=. Then (options.systemd: when_needed) this process asks
  // systemd — the system manager for root, the user's own manager otherwise — for a transient scope with
  // Delegate=yes and moves into it, as `systemd-run --scope -p Delegate=yes` would have put it; the job, and
  // every later job of this process, is made there (unit() names the scope). The move is for the life of
  // the process: the scope ends by itself when the process exits. Not with an explicit CgroupLayout root.
  static Job create(const JobOptions& options = {});
  static Job create(const std::string& name, const JobOptions& options = {});
  // Opens an existing job. Does not own it (kill_on_close off). Throws reins::Error: ENOENT if absent, EPERM
  // for a cgroup reins did not mark as a job unless `how` is JobOpen::adopt.
  static Job open(const std::string& name, const CgroupLayout* layout = nullptr, JobOpen how = JobOpen::own_jobs);
  // The names of the jobs below the layout's parent (cgroups reins marked as jobs).
  static std::vector<std::string> list(const CgroupLayout* layout = nullptr);
  // Ends and removes the jobs that were abandoned: created with kill_on_close by a process that then died
  // without ending them (SIGKILL gives it no chance). What is still in them (children that outlived their
  // supervisor, daemons) is killed as the owner would have. Returns their names. Jobs that were released,
  // whose owner lives, or that were made in another pid namespace are never touched. Throws reins::Error
  // only if the jobs cannot be listed.
  static std::vector<std::string> remove_abandoned(const CgroupLayout* layout = nullptr);

  Job(Job&&) noexcept;
  Job& operator=(Job&&) noexcept;
  // With kill_on_close: terminate() and remove() within a few seconds, never throws. Otherwise closes.
  ~Job();

  const std::string& name() const noexcept;
  // Filesystem paths of the job's cgroups, core first.
  std::vector<std::string> paths() const;
  // The transient systemd scope this process moved into to make the job ("reins-1234-5f3a.scope"), or ""
  // when the job lives below the cgroup the process was started in.
  const std::string& unit() const noexcept;
  // "hybrid" and where each hierarchy is.
  std::string describe() const;
  // Limits skipped under best_effort, with why.
  const std::vector<SkippedLimit>& skipped() const noexcept;
  // The memory and process limits that cgroups enclosing the job set (a container's, a Slurm step's, a
  // systemd unit's), read now: the lowest of each, whatever the job's own.
  std::vector<EnclosingLimit> enclosing_limits() const;

  // Whether destruction ends the job. release() turns it off for good: the job and its processes stay.
  bool kill_on_close() const noexcept;
  void set_kill_on_close(bool on) noexcept;
  void release() noexcept { set_kill_on_close(false); }

  // Moves a running process (all its threads) into the job, in every hierarchy, with no window in which a
  // child it forks lands half inside. Throws reins::Error (ESRCH if it is gone, EPERM...).
  // Memory the process used before is charged to where it was on cgroup v2, which never moves a charge. On v1
  // the job's memory cgroup moves it along (memory.move_charge_at_immigrate) where the kernel still does that:
  // deprecated in Linux 6.6, refused by later kernels, which keep v2's rule. Pages it shares stay where they are.
  void assign(pid_t pid);
  // Starts `cmd` inside the job: it runs no instruction of its own before it is a member everywhere. With
  // kill_on_close and no parent_death_signal set, the child gets PR_SET_PDEATHSIG SIGKILL. Throws as
  // Process::spawn.
  Process spawn(const Command& cmd);

  // Members of the job and of any cgroups its processes created below it.
  std::vector<pid_t> pids() const;
  bool populated() const;
  // Stops every member where it is (cgroup.freeze / the v1 freezer) and waits until they are stopped.
  void freeze();
  void thaw();
  bool frozen() const;
  // Sends `sig` to every member through a pidfd, after checking it is still a member. Returns how many got it.
  std::size_t signal(int sig);
  // SIGKILLs every member, including processes forked meanwhile, until the job is empty (cgroup.kill where
  // the kernel has it; else freeze, kill each through a pidfd, thaw, repeat). Throws reins::Error if members
  // remain after `timeout`.
  void terminate(std::chrono::nanoseconds timeout = std::chrono::seconds(5));
  // Blocks until the job is empty or `timeout` passes; returns whether it is empty.
  bool wait_empty(std::chrono::nanoseconds timeout);
  // terminate(), then removes every cgroup of the job (children first, retrying while the kernel is busy).
  // Idempotent. Throws reins::Error if a cgroup stays busy past `timeout`.
  void remove(std::chrono::nanoseconds timeout = std::chrono::seconds(5));

  // Sets limits, joining the controllers they need (existing members are moved along). Throws
  // InvalidArgument, or reins::Error naming the file and the value (e.g. EBUSY: the limit is below usage).
  void set_limits(const JobLimits& limits, bool best_effort = false);
  // The limits in force, as far as the job's controllers show them.
  JobLimits limits() const;
  // Turns accounting on for a job that already runs (hcsshim's SetIOTracking): joins the controllers that
  // `accounting` names and the job lacks, moving its members along, so that stats() reports them from now on
  // (what ran before is not counted). A controller this machine does not have is left out, as at create();
  // accounting already on stays on. Throws reins::Error when a controller exists but the job cannot be given
  // it (a cgroup v2 parent it is not delegated to).
  void set_accounting(const JobAccounting& accounting);
  // What the job accounts for now: the controllers it has joined, for a limit or for accounting.
  JobAccounting accounting() const;
  JobStats stats() const;
  // CPU time of everything that ever ran in the job, all CPUs together: one file read (stats() reads all).
  std::chrono::nanoseconds cpu_usage() const;
  // Bytes charged to the job now (for memory guards); nullopt without the memory controller.
  std::optional<std::uint64_t> memory_current() const;
  // How much more the job may be charged (memory_headroom() for its memory cgroup): the least (limit − usage)
  // of the job and its enclosing cgroups, at most the system's available memory; the available memory alone
  // when no limit bounds it or the job has no memory controller. nullopt when nothing is known.
  std::optional<std::uint64_t> memory_headroom() const;

  // For memory guards, which watch a job from their own thread:
  // Another handle to this job, for use on another thread (a Job is not synchronised): the same cgroups,
  // never owning them (kill_on_close off), with its own event watch. Throws reins::Error (ENOENT) if removed.
  Job reopen() const;
  // `pid` held by a pidfd if it is a member now (its /proc/PID/cgroup is read after the pidfd is opened, and
  // the pidfd is checked alive afterwards, so the reading was about that process); nullopt otherwise.
  std::optional<Process> hold_member(pid_t pid) const;
  // An eventfd that is readable each time the job's charge crosses `bytes`, either way: a v1 usage threshold
  // (cgroup.event_control; the kernel compares every 128 page charges, so it fires within ~512 KiB of the
  // crossing). nullopt where the kernel has no usage threshold (cgroup v2) or the job has no memory
  // controller. Registering costs an RCU grace period (~10 ms).
  std::optional<UniqueFd> memory_threshold_fd(std::uint64_t bytes) const;
  // A PSI trigger on the job's cgroup v2 memory.pressure: polls POLLPRI when its tasks stalled on memory for
  // `stall` in total within a `window` (500 ms to 10 s; without CAP_SYS_RESOURCE a multiple of 2 s). nullopt
  // without a v2 cgroup with pressure files, or when the kernel refuses the trigger (no PSI, no write
  // access, a window it does not take).
  std::optional<UniqueFd> memory_pressure_fd(std::chrono::microseconds stall, std::chrono::microseconds window) const;

  // Chooses which events to watch (default: all) and starts watching them now, so that none between this call
  // and the first event_fd() poll or read_events() is lost; without it, watching starts there. Watching costs
  // kernel work for some kinds on some layouts (a v1 memory_limit watch registers a usage threshold, which
  // costs an RCU grace period, ~10 ms, when set up and again when the job is removed).
  void select_events(const std::vector<JobEventKind>& kinds);
  // A file descriptor that polls readable (POLLIN) when read_events() has something to report. The job owns it.
  int event_fd() const;
  // The events since the last call; never blocks.
  std::vector<JobEvent> read_events();
  // Blocks until at least one event or `timeout` (nullopt: forever); returns them (empty on timeout).
  std::vector<JobEvent> wait_events(std::optional<std::chrono::nanoseconds> timeout);

  struct Impl;

 private:
  explicit Job(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reins
