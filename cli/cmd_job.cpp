// reins job: named jobs from the shell, one action per invocation (create, add, exec, ps, stat, set, events,
// freeze, thaw, kill, rm, list, clean). Every action is one or two calls of reins::Job.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "job_report.hpp"
#include "json_util.hpp"
#include "reins/job.hpp"
#include "reins/run.hpp"
#include "report.hpp"
#include "run_flags.hpp"

namespace reins::cli {
namespace {

int job_main(int argc, char** argv);

std::vector<Option> job_options() {
  std::vector<Option> all = options_in(limit_flags());
  all.push_back({"json", 0, "FILE",
                 "stat, events, list, clean: write JSON to FILE ('-' = standard output; events: one object per line)",
                 Complete::file});
  all.push_back({"signal", 's', "SIG", "kill: the signal to send to every member (default KILL: terminate all)",
                 Complete::signal});
  all.push_back({"until-empty", 0, nullptr, "events: stop after the next all-exited"});
  all.push_back({"cgroup-root", 0, "CGROUP", "find and make jobs below this cgroup instead of reins' own"});
  all.push_back({"adopt", 0, nullptr,
                 "act on a cgroup reins did not make (no reins marker: made by hand or another tool) as on a job"});
  return all;
}

}  // namespace

extern const CommandSpec kJobCommand;
// The actions, as the completion offers them (the dispatch in job_main names the same).
constexpr const char* kJobActions = "create add exec ps stat set events freeze thaw kill rm list clean";

const CommandSpec kJobCommand{
    "job",
    "ACTION [NAME] [OPTIONS] [ARGS...]",
    "create, fill, watch, limit and end named cgroup jobs",
    "Actions:\n"
    "  create NAME [LIMITS]     make a job (it stays until 'rm')\n"
    "  add NAME PID...          move running processes into it\n"
    "  exec NAME -- COMMAND     run COMMAND inside it; exits with its status\n"
    "  ps NAME                  list its processes\n"
    "  stat NAME [--json]       its limits and statistics\n"
    "  set NAME LIMITS          change its limits\n"
    "  events NAME [--json]     print events as they come: all-exited, oom-kill, memory-limit, memory-high,\n"
    "                           pids-limit (one JSON object per line with --json)\n"
    "  freeze NAME, thaw NAME   stop and resume all its processes\n"
    "  kill NAME [--signal SIG] signal every process; the default KILL ends them all, forks included\n"
    "  rm NAME                  end its processes and remove it\n"
    "  list [--json]            the jobs reins made here\n"
    "  clean [--json]           remove the empty jobs of reins processes that were killed (SIGKILL) before\n"
    "                           they could; prints their names. 'reins run' and 'reins init' do it too\n\n"
    "LIMITS are the options below, as for 'reins run'. Jobs live below reins' own cgroup in each hierarchy\n"
    "(or --cgroup-root), so a later 'reins job' finds them from the same place. On a systemd host where that\n"
    "cgroup cannot hold a job (a login shell's session, a service), a job gets a systemd scope of its own,\n"
    "reins-job-NAME.scope (held by a 'sleep infinity' until 'rm'), where every 'reins job' finds it.",
    job_options(),
    "  reins job create build -m 2G --cpus 2\n"
    "  reins job exec build -- make -j4\n"
    "  reins job events build --json\n"
    "  reins job stat build --json\n"
    "  reins job rm build\n",
    &job_main,
    /*stop_at_first_operand=*/false,
    /*usage_exit=*/2,
    /*failure_exit=*/1,
    kJobActions,
    "job list",
};

namespace {

struct Context {
  const ParsedArgs& args;
  std::optional<CgroupLayout> layout;
  const CgroupLayout* layout_ptr() const { return layout ? &*layout : nullptr; }
};

const std::string& need_name(const ParsedArgs& args, const char* action) {
  if (args.operands.size() < 2) throw UsageError{fmt::format("'{}' needs a job NAME", action)};
  return args.operands[1];
}

// The job an action names: reins' own, or any cgroup of that name with --adopt.
Job open_job(const Context& c, const char* action) {
  return Job::open(need_name(c.args, action), c.layout_ptr(), c.args.has("adopt") ? JobOpen::adopt : JobOpen::own_jobs);
}

int create(Context& c) {
  JobOptions o;
  o.limits = limits_of(c.args);
  o.layout = c.layout_ptr();
  o.outlive_process = true;  // it stays until 'rm'
  Job job = Job::create(need_name(c.args, "create"), o);
  for (const auto& s : job.skipped()) std::fprintf(stderr, "reins job: skipped: %s\n", s.reason.c_str());
  return 0;
}

int add(Context& c) {
  Job job = open_job(c, "add");
  if (c.args.operands.size() < 3) throw UsageError{"'add' needs at least one PID"};
  for (size_t i = 2; i < c.args.operands.size(); ++i) {
    char* end = nullptr;
    long pid = std::strtol(c.args.operands[i].c_str(), &end, 10);
    if (*end || pid <= 0) throw UsageError{fmt::format("invalid pid '{}'", c.args.operands[i])};
    job.assign(static_cast<pid_t>(pid));
  }
  return 0;
}

// Exits with the command's status, so reins' own failures (no such job, a setup step) take 125 as in
// `reins run`, never a code the command could have returned.
int exec(Context& c) {
  RunOptions opts;
  opts.job.existing_name = need_name(c.args, "exec");
  opts.job.existing_open = c.args.has("adopt") ? JobOpen::adopt : JobOpen::own_jobs;
  opts.job.layout = c.layout_ptr();
  if (c.args.operands.size() < 3) throw UsageError{"'exec' needs a COMMAND (reins job exec NAME -- COMMAND...)"};
  opts.command.argv.assign(c.args.operands.begin() + 2, c.args.operands.end());
  opts.command.inherit_all_fds = true;  // as reins run does
  // As `reins run` does: the caller's signals are passed on to the command.
  opts.forward_signals = default_forwarded_signals();
  opts.command.signal_mask = block_signals(opts.forward_signals);
  try {
    return run(opts).exit_code();
  } catch (const SpawnError&) {
    throw;  // 126/127/125 by the step, as for reins run (cli/main.cpp)
  } catch (const InvalidArgument&) {
    throw;  // a usage error: exit 2
  } catch (const Error& e) {
    std::fprintf(stderr, "reins job: %s\n", e.what());
    return 125;
  }
}

int ps(Context& c) {
  Job job = open_job(c, "ps");
  std::string out = fmt::format("{:>7} {}\n", "PID", "COMMAND");
  for (pid_t pid : job.pids()) {
    std::ifstream f(fmt::format("/proc/{}/cmdline", pid));
    std::string cmdline((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (auto& ch : cmdline)
      if (ch == '\0') ch = ' ';
    out += fmt::format("{:>7} {}\n", pid, cmdline);
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

int stat(Context& c) {
  auto json = json_output(c.args);
  Job job = open_job(c, "stat");
  if (json)
    json->write(dump_line(job_json(job)));
  else
    std::fputs(job_text(job).c_str(), stdout);
  return 0;
}

int set(Context& c) {
  Job job = open_job(c, "set");
  JobLimits l = limits_of(c.args);
  if (l.empty()) throw UsageError{"'set' needs at least one limit option (e.g. --memory 1G)"};
  job.set_limits(l);
  return 0;
}

int events(Context& c) {
  auto json = json_output(c.args);
  Job job = open_job(c, "events");
  const bool until_empty = c.args.has("until-empty");
  // Watching starts now; saying so (on stderr, as inotifywait says "Watches established.") lets a script
  // start the job's work only once nothing it does can be missed.
  (void)job.event_fd();  // every kind, watched from here on
  std::fprintf(stderr, "reins: watching job '%s'%s\n", job.name().c_str(),
               until_empty ? " until it is empty" : " (Ctrl-C to stop)");
  for (;;) {
    for (const auto& e : job.wait_events(std::nullopt)) {
      if (json) {
        json->write(dump_line(event_json(job, e)));
      } else {
        std::printf("%s %llu\n", std::string(event_name(e.kind)).c_str(), static_cast<unsigned long long>(e.count));
        std::fflush(stdout);
      }
      if (until_empty && e.kind == JobEventKind::all_exited) return 0;
    }
  }
}

int freeze_or_thaw(Context& c, bool freeze) {
  Job job = open_job(c, freeze ? "freeze" : "thaw");
  freeze ? job.freeze() : job.thaw();
  return 0;
}

int kill(Context& c) {
  int sig = c.args.has("signal") ? parse_signal(*c.args.last("signal")) : SIGKILL;  // checked before the lookup
  Job job = open_job(c, "kill");
  if (sig == SIGKILL)
    job.terminate();
  else
    job.signal(sig);
  return 0;
}

int rm(Context& c) {
  Job job = open_job(c, "rm");
  job.remove();
  return 0;
}

// Job names, one per line, or with --json {"schema_version": 1, "jobs": [...]}.
int print_names(std::optional<OutputFile>& json, const std::vector<std::string>& names) {
  if (json) {
    json->write(dump_line({{"schema_version", kJsonSchemaVersion}, {"jobs", names}}));
    return 0;
  }
  for (const auto& n : names) std::puts(n.c_str());
  return 0;
}

int list(Context& c) {
  auto json = json_output(c.args);
  return print_names(json, Job::list(c.layout_ptr()));
}
int clean(Context& c) {
  auto json = json_output(c.args);
  return print_names(json, Job::remove_abandoned(c.layout_ptr()));
}

int job_main(int argc, char** argv) {
  ParsedArgs args = parse_args(kJobCommand, argc, argv);
  if (args.operands.empty()) throw UsageError{"no action given (create, add, exec, ps, stat, set, events, ...)"};
  Context c{args, std::nullopt};
  if (auto* root = args.last("cgroup-root")) c.layout.emplace(CgroupLayout::discover(*root));
  const std::string& action = args.operands[0];
  if (action == "create") return create(c);
  if (action == "add") return add(c);
  if (action == "exec") return exec(c);
  if (action == "ps") return ps(c);
  if (action == "stat") return stat(c);
  if (action == "set") return set(c);
  if (action == "events") return events(c);
  if (action == "freeze" || action == "thaw") return freeze_or_thaw(c, action == "freeze");
  if (action == "kill") return kill(c);
  if (action == "rm") return rm(c);
  if (action == "list") return list(c);
  if (action == "clean") return clean(c);
  throw UsageError{fmt::format("unknown action '{}' (valid: {})", action, kJobActions)};
}

}  // namespace
}  // namespace reins::cli
