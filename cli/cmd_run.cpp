// reins run: the CLI face of reins::run(). Parses options into RunOptions, runs, prints the report.
#include <cstdio>

#include <fmt/format.h>

#include "command.hpp"
#include "reins/run.hpp"
#include "reins/units.hpp"
#include "run_flags.hpp"

namespace reins::cli {
namespace {

int run_main(int argc, char** argv);
// The flag groups `reins run` accepts; `reins init` accepts the same.
const std::initializer_list<const FlagGroup*> kRunGroups{&process_flags(), &command_flags(), &job_flags(),
                                                         &guard_flags(), &report_flags()};

}  // namespace

extern const CommandSpec kRunCommand;
const CommandSpec kRunCommand{
    "run",
    "[OPTIONS] [--] COMMAND [ARGS...]",
    "run a command under limits and report what it used and why it ended",
    "Runs COMMAND in a fresh cgroup job with the given limits, forwards HUP, INT, QUIT, TERM, USR1 and USR2 to\n"
    "it, and exits with its status: its exit code, 128+N if signal N killed it (137 after the OOM killer), 124\n"
    "if the timeout ended it (137 if SIGKILL was needed, as timeout(1) exits; --preserve-status: the command's\n"
    "own), 125 if reins itself failed, 126 if COMMAND cannot be executed, 127 if it is not found. When\n"
    "COMMAND exits, whatever it left running in its job (daemons included) is killed and the job removed,\n"
    "unless --keep-job. Where no cgroup can be made, COMMAND runs without a job (reins says so), and\n"
    "only options that need one are refused.\n\n"
    "-p takes systemd's resource-control properties with systemd's value syntax: MemoryMax=, MemoryHigh=,\n"
    "MemorySwapMax= (K/M/G/T base 1024, N%, infinity), CPUQuota=N%, CPUQuotaPeriodSec=, CPUWeight=,\n"
    "AllowedCPUs=, AllowedMemoryNodes=, TasksMax=, IOReadBandwidthMax=/IOWriteBandwidthMax= 'PATH BYTES' and\n"
    "IOReadIOPSMax=/IOWriteIOPSMax= 'PATH N' (K/M/G/T base 1000); systemd's v1 names MemoryLimit= and\n"
    "CPUShares=; and for the command rather than its job, Limit*= (LimitNOFILE=1024:4096, an rlimit),\n"
    "RuntimeMaxSec= (--timeout) and OOMPolicy= (stop and kill end the whole job, the default; continue).\n"
    "A limit given twice with different values is refused.\n\n"
    "--max-pss (or --max-rss, --max-uss) SIZE is a memory guard instead of a kernel limit: when the PSS of the\n"
    "command's whole tree (its job's processes) passes SIZE, every process of it gets SIGTERM, then SIGKILL\n"
    "after --guard-grace (default 5s), and the report says killed_by guard with the peak and the limit;\n"
    "--no-kill only prints a warning. PSS is read only when RSS, its upper bound, comes near SIZE.\n\n"
    "For graders: --cpu-time limits the CPU time of the whole job (all processes, all CPUs), --uid/--gid run\n"
    "the command as another user (supplementary groups cleared), and --stdin/--stdout/--stderr, --setenv,\n"
    "--clear-env and --chdir set up what it gets; the files are opened by reins, as the caller, before the\n"
    "user changes (as a shell's redirections are). The report's 'verdict' says in one word how it ended.\n\n"
    "Without --report or --json reins prints nothing of its own, except errors and one line when it killed\n"
    "the command. With --no-job and no report, --timeout, guard or --trace there is nothing to watch: reins\n"
    "sets the rlimits and execs COMMAND in its own place, as prlimit does.\n\n"
    "Sizes take K, M, G, T or k, m, g, t (1024-based) or KB, MB, GB (1000-based): 512M, 1.5G, 2g. Durations:\n"
    "250ms, 2s, 1m30s; --timeout 0 means no timeout, as in timeout(1).\n"
    "rlimit names are prlimit's: core cpu fsize data stack rss nproc nofile memlock as locks sigpending msgqueue\n"
    "nice rtprio rttime; values are SOFT:HARD, SOFT: or :HARD, or one value for both, or 'unlimited'.",
    options_of(kRunGroups),
    "  reins run --report - -- make -j2\n"
    "  reins run -m 1G --cpus 1.5 --pids 200 -- ./build.sh\n"
    "  reins run -p MemoryMax=2G -p CPUQuota=50% -p 'IOWriteBandwidthMax=/dev/vda 20M' -- ./backup\n"
    "  reins run --rlimit nofile=1024 --rlimit as=2G --timeout 10m -- ./test-suite\n"
    "  reins run --max-pss 2G --guard-grace 30s -- ./worker\n"
    "  reins run --json result.json --timeout 2s -- python3 student.py\n",
    &run_main,
    /*stop_at_first_operand=*/true,
    /*usage_exit=*/125,
    /*failure_exit=*/125,
};

namespace {

int run_main(int argc, char** argv) {
  ParsedArgs args = parse_args(kRunCommand, argc, argv);
  RunFlags flags;
  for (const auto& [opt, value] : apply_groups(flags, args, kRunGroups)) no_handler(*opt);
  RunOptions& opts = flags.run;
  finish_guard_flags(opts, "run");
  warn_of_tiny_limits(opts.job.limits, "run");
  if (args.operands.empty()) throw UsageError{"no command given (usage: reins run [OPTIONS] -- COMMAND [ARGS...])"};
  opts.command.argv = args.operands;
  opts.command.inherit_all_fds = true;  // as a shell passes them: make's jobserver pipes, a caller's 3<file
  ReportOutputs outputs = ReportOutputs::open(flags, opts);
  CommandFiles files =
      outputs.run_reporting(opts.command.argv, "run", [&] { return set_up_command(flags, opts.command); });
  // Job statistics cost cgroups of their own on v1 controllers: gather them only for a report or a trace.
  opts.job.statistics = outputs.text || outputs.json || !opts.trace_path.empty();
  outputs.run_reporting(opts.command.argv, "run", [&] {  // a refusal gets its report too
    check_run_options(opts);
    return 0;
  });
  if (!outputs.text && !outputs.json && !needs_supervisor(opts)) {
    Process::exec_in_place(opts.command);  // nothing to watch, as with prlimit: get out of the way
  }

  opts.on_notice = [](RunNotice kind, const std::string& text) {
    std::fprintf(stderr, "reins run: %s%s\n",
                 kind == RunNotice::no_job ? "ran without a cgroup job: " : "warning: ", text.c_str());
  };
  opts.forward_signals = default_forwarded_signals();
  opts.command.signal_mask = block_signals(opts.forward_signals);
  RunReport report = outputs.run_reporting(opts.command.argv, "run", [&] { return run(opts); });
  print_ending(report, "run");
  outputs.write(report);
  return report.exit_code();
}

}  // namespace
}  // namespace reins::cli
