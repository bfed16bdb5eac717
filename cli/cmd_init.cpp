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
const std::initializer_list<const FlagGroup*> kInitGroups{&process_flags(), &job_flags(), &guard_flags(),
                                                          &report_flags()};

bool apply_init_option(InitOptions& opts, std::string_view name, const std::string& value) {
  if (name == "subreaper")
    opts.subreaper = true;
  else if (name == "group")
    opts.group = true;
  else if (name == "success-exit")
    opts.success_exits.push_back(parse_exit_code(value));
  else if (name == "rewrite")
    opts.rewrites.push_back(parse_signal_rewrite(value));
  else if (name == "grace")
    opts.grace = parse_duration(value);
  else if (name == "wait-all")
    opts.wait_all = true;
  else if (name == "pdeathsig")
    opts.run.command.parent_death_signal = parse_signal(value);
  else
    return false;
  return true;
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
    options_of(
        kInitGroups,
        {
            {"subreaper", 's', nullptr, "become a child subreaper, to reap orphans when not PID 1"},
            {"group", 'g', nullptr, "forward signals to COMMAND's whole process group"},
            {"success-exit", 'e', "CODE", "report exit code CODE as 0 (repeatable): -e 143"},
            {"rewrite", 0, "FROM:TO", "forward signal FROM as TO, names or numbers (repeatable): TERM:QUIT", "signal"},
            {"grace", 0, "DURATION", "when COMMAND has exited, SIGTERM the rest, SIGKILL after this (5s)"},
            {"wait-all", 0, nullptr, "when COMMAND has exited, wait for the rest to exit on their own"},
            {"pdeathsig", 'p', "SIGNAL", "signal COMMAND gets if reins dies", "signal"},
            {"verbose", 'v', nullptr, "print a line for each other process reaped"},
        }),
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
  InitOptions opts;
  apply_groups(opts.run, args, kInitGroups);
  for (const auto& [opt, value] : args.options) apply_init_option(opts, opt->long_name, value);
  if (args.operands.empty()) throw UsageError{"no command given (usage: reins init [OPTIONS] -- COMMAND [ARGS...])"};
  opts.run.command.argv = args.operands;
  finish_guard_flags(opts.run, "init");
  opts.page_out_startup_code = std::chrono::seconds(1);
  if (args.has("verbose"))
    opts.on_reaped = [](const ReapedChild& c) {
      std::fprintf(stderr, "reins init: reaped pid %d (%s)\n", c.pid, c.status.describe().c_str());
    };
  ReportOutputs outputs = ReportOutputs::open(args);
  if (!opts.subreaper && !Reaper::receives_orphans())
    std::fputs(
        "reins init: warning: neither PID 1 nor a subreaper, so orphans are not reaped here "
        "(use --subreaper)\n",
        stderr);

  InitReport report = init(opts);
  if (report.run.killed_by) std::fprintf(stderr, "reins init: %s\n", report.run.kill_detail.c_str());
  outputs.write(report.run, "init");
  return report.exit_code;
}

}  // namespace
}  // namespace reins::cli
