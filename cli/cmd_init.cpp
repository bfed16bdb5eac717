// reins init: the CLI face of reins::init(). A container's PID 1 (or a subreaper elsewhere) that takes every
// `reins run` flag, so `reins init -m 1G --json /tmp/report.json -- server` is a whole entrypoint.
#include <unistd.h>

#include <cstdio>

#include "command.hpp"
#include "reins/init.hpp"
#include "reins/units.hpp"
#include "run_flags.hpp"

namespace reins::cli {
namespace {

int init_main(int argc, char** argv);
// The same groups as `reins run`; the options below are init's own.
const std::initializer_list<const FlagGroup*> kInitGroups{&process_flags(), &command_flags(), &job_flags(),
                                                          &guard_flags(), &report_flags()};

// Before COMMAND starts. A container without a writable cgroup runs every COMMAND without a job: that is
// said only with -v (and in the report), not on every container start; enclosing limits always.
void print_notice(RunNotice kind, const std::string& text) {
  std::fprintf(stderr, "reins init: %s%s\n",
               kind == RunNotice::no_job ? "running without a cgroup job: " : "warning: ", text.c_str());
}

// init's own options, each with what it does to InitOptions.
const std::vector<Flag<InitOptions>>& init_flags() {
  static const std::vector<Flag<InitOptions>> flags = checked<InitOptions>({
      {{"subreaper", 0, nullptr, "become a child subreaper, to reap orphans when not PID 1"},
       [](InitOptions& o, const std::string&) { o.subreaper = true; }},
      {{"group", 'g', nullptr, "forward signals to COMMAND's whole process group"},
       [](InitOptions& o, const std::string&) { o.group = true; }},
      {{"success-exit", 'e', "CODE", "report exit code CODE as 0 (repeatable): -e 143"},
       [](InitOptions& o, const std::string& v) { o.success_exits.push_back(parse_exit_code(v)); }},
      {{"rewrite", 0, "FROM:TO", "forward signal FROM as TO, names or numbers (repeatable): TERM:QUIT",
        Complete::signal},
       [](InitOptions& o, const std::string& v) { o.rewrites.push_back(parse_signal_rewrite(v)); }},
      {{"grace", 0, "DURATION", "when COMMAND has exited, SIGTERM the rest, SIGKILL after this (5s)"},
       [](InitOptions& o, const std::string& v) { o.grace = parse_duration(v); }},
      {{"wait-all", 0, nullptr, "when COMMAND has exited, wait for the rest to exit on their own"},
       [](InitOptions& o, const std::string&) { o.wait_all = true; }},
      {{"pdeathsig", 0, "SIGNAL", "signal COMMAND gets if reins dies", Complete::signal},
       [](InitOptions& o, const std::string& v) { o.run.command.parent_death_signal = parse_signal(v); }},
      {{"verbose", 'v', nullptr,
        "say when COMMAND runs without a cgroup job or orphans cannot reach reins, and print a line for each other "
        "process reaped"},
       [](InitOptions& o, const std::string&) {
         o.on_reaped = [](const ReapedChild& c) {
           std::fprintf(stderr, "reins init: reaped pid %d (%s)\n", c.pid, c.status.describe().c_str());
         };
         o.run.on_notice = [](RunNotice kind, const std::string& text) { print_notice(kind, text); };
       }},
  });
  return flags;
}

}  // namespace

extern const CommandSpec kInitCommand;
const CommandSpec kInitCommand{
    "init",
    "[OPTIONS] [--] COMMAND [ARGS...]",
    "run a command as a container's PID 1 (or a subreaper): reap zombies, forward signals, leave nothing behind",
    "Runs COMMAND as the only child of an init process, for a container's entrypoint or with --subreaper\n"
    "anywhere. Every orphan that ends up with reins is reaped; every signal reins gets is forwarded to COMMAND\n"
    "(or its process group with --group), the fault signals ABRT, SEGV, BUS and SYS too when someone sent them\n"
    "with kill. COMMAND runs in a process group of its own and gets the terminal's foreground when reins has it,\n"
    "so interactive shells and Ctrl-C, Ctrl-Z work; it inherits the signal mask and ignored signals reins had.\n"
    "When COMMAND exits, what remains gets SIGTERM, then SIGKILL after the grace period; reins reaps\n"
    "everything and exits with COMMAND's status: its exit code, 128+N if signal N killed it, 124 after\n"
    "--timeout, 126/127 if it cannot be executed or found, 125 if reins itself failed.\n\n"
    "Options end at COMMAND, so 'reins init sh -c ...' needs no '--'. Durations: 250ms, 2s, 1m30s.",
    options_of(kInitGroups, options_in(init_flags())),
    "  reins init -- server --port 8080                  # as a container's ENTRYPOINT\n"
    "  reins init --subreaper --grace 10s -- ./run-tests.sh\n"
    "  reins init -e 143 --rewrite TERM:QUIT --json /tmp/usage.json -- nginx -g 'daemon off;'\n",
    &init_main,
    /*stop_at_first_operand=*/true,
    /*usage_exit=*/125,
    /*failure_exit=*/125,
};

namespace {

int init_main(int argc, char** argv) {
  ParsedArgs args = parse_args(kInitCommand, argc, argv);
  RunFlags flags;
  auto own = apply_groups(flags, args, kInitGroups);  // the flags init shares with run
  InitOptions opts;
  opts.run = std::move(flags.run);
  opts.run.on_notice = [](RunNotice kind, const std::string& text) {
    if (kind != RunNotice::no_job) print_notice(kind, text);
  };
  for (const auto& [opt, value] : own)
    if (!apply_flag(init_flags(), opts, *opt, value)) no_handler(*opt);
  if (args.operands.empty()) throw UsageError{"no command given (usage: reins init [OPTIONS] -- COMMAND [ARGS...])"};
  opts.run.command.argv = args.operands;
  opts.run.command.inherit_all_fds = true;  // as reins run does
  finish_guard_flags(opts.run, "init");
  warn_of_tiny_limits(opts.run.job.limits, "init");
  opts.page_out_startup_code = std::chrono::seconds(1);
  ReportOutputs outputs = ReportOutputs::open(flags, opts.run);
  CommandFiles files =
      outputs.run_reporting(opts.run.command.argv, "init", [&] { return set_up_command(flags, opts.run.command); });
  // Orphans then go to the real init, which reaps them: worth saying only when asked (-v).
  if (!opts.subreaper && !Reaper::receives_orphans() && args.has("verbose"))
    std::fputs(
        "reins init: neither PID 1 nor a subreaper, so orphans go to this system's init (--subreaper keeps them)\n",
        stderr);

  InitReport report = outputs.run_reporting(opts.run.command.argv, "init", [&] { return init(opts); });
  print_ending(report.run, "init");
  outputs.write(report.run, "init");
  return report.exit_code;
}

}  // namespace
}  // namespace reins::cli
