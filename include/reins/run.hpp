// Run one command under supervision and report what it used and why it ended: what `reins run` does, as a
// library call. The command is spawned with its rlimits, its wall-clock timeout is enforced (SIGTERM, then
// SIGKILL after a grace), the caller's signals are forwarded to it, and when it has exited a report is built.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reins/guard.hpp"
#include "reins/job.hpp"
#include "reins/process.hpp"

namespace reins {

// The job (cgroup) the command runs in.
struct RunJobOptions {
  // Run in a fresh job: limits apply to the whole tree, the report covers it, and whatever the command
  // leaves behind is killed at exit. When no cgroup can be made and no limit needs one, the command runs
  // without a job (RunReport::job.unavailable says why).
  bool enabled = true;
  JobLimits limits;
  // Non-empty: name the job so, and leave it (and whatever runs in it) in place at exit.
  std::string keep_name;
  // Non-empty: run inside this existing job instead of a fresh one (limits are not applied; the job and its
  // other processes stay; the report's job figures are the whole job's).
  std::string existing_name;
  JobOpen existing_open = JobOpen::own_jobs;  // how existing_name is opened (adopt: a cgroup reins did not make)
  // Gather the job's statistics for the report (peak memory and processes need the v1 memory and pids
  // controllers on hybrid/v1, a cgroup each). Off: only what the limits need is made, and the report's job
  // figures stay empty, except killed_by "oom".
  bool statistics = true;
  // When the OOM killer ends a process in the job, end the whole job (systemd's OOMPolicy=stop; v1 kills
  // only one victim).
  bool kill_job_on_oom = true;
  const CgroupLayout* layout = nullptr;  // nullptr: discover, with cgroup_root
  std::string cgroup_root;               // explicit parent cgroup for the job (see CgroupLayout::discover)
  // Whether reins may move into a systemd scope of its own for the job (see Job::create). A kept job
  // (keep_name) never is: it must outlive reins, and the scope ends with reins.
  SystemdScope systemd = SystemdScope::when_needed;
};

// A memory guard over the command (reins run --max-pss): its whole tree, or its job's processes when it has
// a job. See reins/guard.hpp.
struct RunGuardOptions {
  GuardMetric metric = GuardMetric::pss;
  std::optional<std::uint64_t> limit;      // bytes; required
  GuardAction action = GuardAction::kill;  // report: the breach becomes a note, the command runs on
  std::chrono::nanoseconds interval = std::chrono::milliseconds(100);
  std::chrono::nanoseconds grace = std::chrono::seconds(5);  // SIGTERM → SIGKILL
  // Told of a breach as it happens, on the guard's thread (the CLI prints --no-kill's warning with it).
  std::function<void(const GuardBreach&)> on_breach;
};

// What RunOptions::on_notice tells of, and with what text.
enum class RunNotice {
  no_job,           // no cgroup job could be made and none was needed: why (RunJobReport::unavailable)
  enclosing_limit,  // an enclosing cgroup's limit is below the job's own: the sentence, also among the notes
  trace_stopped,    // writing the trace failed (a full disk): it stopped there, the command goes on (a note too)
};

struct RunOptions {
  Command command;
  RunJobOptions job;
  std::optional<std::chrono::nanoseconds> timeout;                // wall-clock limit; nullopt = none
  int timeout_signal = SIGTERM;                                   // sent when the timeout is up (SIGTERM)
  std::chrono::nanoseconds kill_after = std::chrono::seconds(5);  // timeout_signal → SIGKILL grace
  // timeout(1)'s --preserve-status: RunReport::exit_code() is the command's own status even after a timeout.
  bool preserve_status = false;
  // CPU time of the whole job (every process that ever ran in it, all CPUs together); nullopt = none. Needs a
  // job. When reached, the job is SIGKILLed (killed_by cpu_time), as isolate and graders do.
  std::optional<std::chrono::nanoseconds> cpu_time;
  // Signals to forward to the command. The caller must have blocked them in every thread (see
  // block_signals()); they are then taken through a signalfd while the command runs.
  std::vector<int> forward_signals;
  // Non-empty: record a timeline (memory, CPU, processes and events) to this file, JSON lines or CSV (.csv),
  // every trace_interval; `reins plot` draws it. The file is created before the command starts.
  std::string trace_path;
  std::chrono::nanoseconds trace_interval = std::chrono::milliseconds(100);
  std::optional<RunGuardOptions> guard;
  // Told, before the command starts, of what the user may want to hear then rather than in the report (each
  // is in the report too).
  std::function<void(RunNotice, const std::string&)> on_notice;
};

// What the job saw, for the whole tree of processes (also those never waited for).
struct RunJobReport {
  std::string name;                        // empty when the command ran without a job
  std::string cgroup;                      // where it lived: its core cgroup's directory
  std::string unit;                        // the systemd scope reins moved into for it, or ""
  std::optional<std::string> unavailable;  // why it ran without one
  bool kept = false;                       // --keep-job: left in place
  std::optional<std::uint64_t> peak_memory_bytes;
  std::chrono::nanoseconds cpu{0};  // CPU time of every process that ran in the job
  std::optional<std::chrono::nanoseconds> cpu_user, cpu_system;
  std::uint64_t oom_kills = 0;
  std::uint64_t memory_limit_hits = 0;
  std::optional<std::uint64_t> pids_peak;
  std::uint64_t pids_limit_hits = 0;
  std::optional<std::uint64_t> throttled_periods;
  std::optional<std::chrono::nanoseconds> throttled;
  std::size_t leftovers_killed = 0;  // processes still in the job when the command exited
  // The limits cgroups around the job set (Job::enclosing_limits), read when it was made.
  std::vector<EnclosingLimit> enclosing_limits;
  // Jobs that earlier runs left when they were SIGKILLed, removed before this one was made (see
  // Job::remove_abandoned); the notes name them too.
  std::vector<std::string> abandoned_removed;
};

// What ended the command, when it did not end on its own: reins, or the kernel at a limit reins set.
enum class KillReason {
  timeout,       // its wall-clock timeout: timeout_signal, then SIGKILL after kill_after
  oom,           // SIGKILLed after the kernel's OOM killer acted in its job: as the victim, or with the whole job
  guard,         // the memory guard (RunReport::guard says what it saw)
  cpu_time,      // the job's CPU time reached RunOptions::cpu_time: the job was SIGKILLed
  rlimit_cpu,    // the kernel, at the command's RLIMIT_CPU (SIGXCPU at the soft limit, SIGKILL at the hard one)
  rlimit_fsize,  // the kernel, at the command's RLIMIT_FSIZE (SIGXFSZ)
};
// "timeout", "oom", "guard", "cpu-time", "rlimit-cpu", "rlimit-fsize": the names in reports.
std::string_view kill_reason_name(KillReason reason) noexcept;

// How a run ended, in one word for graders and scripts (isolate's OK/RE/SG/TO, finer).
enum class Verdict {
  ok,              // exited 0
  exited_nonzero,  // exited with another code, on its own
  signal,          // a signal ended it, not reins and not a limit
  timeout,         // the wall-clock timeout
  memory,          // the OOM killer in its job, or the memory guard
  cpu_time,        // RunOptions::cpu_time, or RLIMIT_CPU
  pids,            // failed after the job's pids limit refused a fork
  file_size,       // RLIMIT_FSIZE
};
// "ok", "exited-nonzero", "signal", "timeout", "memory", "cpu-time", "pids", "file-size".
std::string_view verdict_name(Verdict verdict) noexcept;

struct RunReport {
  std::vector<std::string> argv;
  ExitStatus status;
  Rusage rusage;  // of the command and the descendants it waited for
  // The command's rlimits as applied: each side as given, the other as this process had it then.
  std::vector<ResourceLimit> rlimits;
  std::chrono::nanoseconds wall{0};
  // Why reins ended the command, or nullopt when it ended on its own.
  std::optional<KillReason> killed_by;
  // With killed_by: the sentence that says how ("timed out after 2s: sent SIGTERM"), also among the notes.
  std::string kill_detail;
  // The timeout's signal was not enough (or was SIGKILL itself): the command was SIGKILLed, and the sentence
  // that says so ("still running 5s after SIGTERM: sent SIGKILL"), also among the notes.
  bool timeout_sigkilled = false;
  std::string escalation_detail;
  bool preserve_status = false;  // RunOptions::preserve_status, for exit_code()
  RunJobReport job;
  std::optional<GuardResult> guard;  // with RunOptions::guard: its breach, peak and limit
  // The first kMaxSignalsListed signals forwarded, in order (a storm of them stays bounded), and how many
  // were forwarded in all.
  static constexpr std::size_t kMaxSignalsListed = 64;
  std::vector<int> signals_forwarded;
  std::uint64_t signals_forwarded_count = 0;
  void record_forwarded(int sig) {
    if (signals_forwarded.size() < kMaxSignalsListed) signals_forwarded.push_back(sig);
    ++signals_forwarded_count;
  }
  std::vector<std::string> notes;  // things the user should know ("timed out after 2s: sent SIGTERM")

  // timeout(1)'s convention: 124 after a timeout (137 when SIGKILL was needed, as timeout(1) exits then), else
  // (and always with preserve_status) the command's exit code or 128+N for signal N.
  int exit_code() const noexcept;
  Verdict verdict() const noexcept;
};

// Spawns and supervises until the command has exited. Throws SpawnError if it cannot be started,
// InvalidArgument for a bad limit, reins::Error if a job the limits need cannot be made (naming the limits)
// or supervision itself fails (the command is then killed: nothing is left running).
RunReport run(const RunOptions& options);

// Throws InvalidArgument for options that contradict each other: job limits, --keep-job or an existing job
// with the job disabled (nothing accepted is ignored). run() checks; so must a caller that execs in place.
void check_run_options(const RunOptions& options);

// Whether run() has anything to do once the command runs: a job to watch and clean, a timeout, a memory
// guard, a trace. Without one, and with nobody reading the report, Process::exec_in_place(options.command)
// gives the command the same setup and the caller the same exit status, with no process in between.
bool needs_supervisor(const RunOptions& options) noexcept;

// Blocks `signals` in the calling thread (call it before starting other threads) and returns the previous
// mask, which is what a spawned command should get back.
sigset_t block_signals(const std::vector<int>& signals);

// The signals `reins run` forwards: HUP, INT, QUIT, TERM, USR1, USR2.
std::vector<int> default_forwarded_signals();

}  // namespace reins
