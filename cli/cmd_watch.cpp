// reins watch: guard a running process or process tree against a memory limit, until it is gone.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "command.hpp"
#include "guard_report.hpp"
#include "json_util.hpp"
#include "reins/error.hpp"
#include "reins/guard.hpp"
#include "reins/job.hpp"
#include "reins/run.hpp"
#include "reins/units.hpp"
#include "report.hpp"

namespace reins::cli {
namespace {
int watch_main(int argc, char** argv);
}

extern const CommandSpec kWatchCommand;
const CommandSpec kWatchCommand{
    "watch",
    "(--pid PID | --tree PID | --job NAME) (--max-pss | --max-rss | --max-uss | --max-cgroup) SIZE [OPTIONS]",
    "guard a running process, tree or job: kill it (or report) when its memory goes over a limit",
    "Watches a running process (--pid), a process and all its descendants (--tree) or the processes of a job\n"
    "(--job, see reins job) until it is gone, and when its memory goes over the limit, sends SIGTERM to every\n"
    "process of it, then SIGKILL to what is left after the grace (--grace, default 5s); with --no-kill it only\n"
    "reports. Signals go through pidfds taken while each process was verifiably part of the target, so a\n"
    "recycled pid is never hit.\n\n"
    "The limit is on PSS (proportional set size: shared pages divided among the processes that map them), RSS\n"
    "(shared pages counted in full), USS (private pages only), or for a job its cgroup's charge (page cache\n"
    "included, as memory.max counts it); a tree's or job's limit is on the sum of its processes unless\n"
    "--per-process. Every --interval (default 100ms) reins reads the RSS counters, which cost about a\n"
    "microsecond; PSS and USS need a walk of every resident page (milliseconds per GiB, while the process's own\n"
    "memory-map calls wait), so they are read only when RSS, their upper bound, is within 10% of the limit. A\n"
    "job also wakes reins between samples: at its memory events, under memory pressure (cgroup v2), and for\n"
    "--max-cgroup when the charge crosses the limit (cgroup v1).\n\n"
    "A breach is printed as one line on stderr; --json FILE writes it, and the end, as JSON lines ('-' =\n"
    "standard output). Exit status: 0 if the target ended without a breach, 3 after a breach (killed, or reported\n"
    "with --no-kill), 1 if reins failed, 2 for bad usage, 128+N if signal N stopped reins first.",
    {
        {"pid", 0, "PID", "guard this process", Complete::pid},
        {"tree", 0, "PID", "guard this process and all its descendants", Complete::pid},
        {"job", 0, "NAME", "guard the processes of this job", Complete::job},
        {"cgroup-root", 0, "PATH", "with --job: the parent cgroup the job is under (as for reins job)"},
        {"max-pss", 0, "SIZE", "limit on PSS (512M, 2G)"},
        {"max-rss", 0, "SIZE", "limit on RSS"},
        {"max-uss", 0, "SIZE", "limit on USS"},
        {"max-cgroup", 0, "SIZE", "with --job, limit on the job's cgroup charge"},
        {"per-process", 0, nullptr, "with --tree or --job, limit each process instead of the sum"},
        {"no-kill", 0, nullptr, "only report a breach; keep watching"},
        {"interval", 'i', "DURATION", "how often to sample (default 100ms)"},
        {"grace", 0, "DURATION", "after SIGTERM, wait this long, then SIGKILL (default 5s; 0 = SIGKILL at once)"},
        {"name", 0, "NAME", "what to call the target in messages (default: its command name and pid)"},
        {"stats", 0, "DURATION", "also print a statistics line every DURATION"},
        {"json", 0, "FILE", "write the breach and the end as JSON lines to FILE ('-' = standard output)",
         Complete::file},
    },
    "  reins watch --pid 1234 --max-pss 2G\n"
    "  reins watch --tree $(pgrep -o make) --max-rss 8G --grace 30s\n"
    "  reins watch --pid 1234 --max-uss 512M --no-kill --json -\n"
    "  reins watch --job build --max-cgroup 4G --grace 10s\n",
    &watch_main,
    /*stop_at_first_operand=*/false,
    /*usage_exit=*/2,
    /*failure_exit=*/1,
    nullptr,
    nullptr,
    {{'p', "the process is --pid PID; in reins -p always means --property"},
     {'t', "the tree is --tree PID; in reins -t always means --timeout"},
     {'n', "--no-kill"},
     {'g', "the grace is --grace DURATION"},
     {'s', "statistics are --stats DURATION; in reins -s always means --signal"},
     {'j', "JSON is --json FILE"}},
};

namespace {

struct WatchArgs {
  std::optional<GuardTarget> target;
  std::optional<CgroupLayout> layout;
  GuardOptions options;
  std::optional<OutputFile> json;
};

void take_limit(WatchArgs& w, const ParsedArgs& args) {
  int given = 0;
  for (auto [name, metric] : {std::pair{"max-pss", GuardMetric::pss}, std::pair{"max-rss", GuardMetric::rss},
                              std::pair{"max-uss", GuardMetric::uss}, std::pair{"max-cgroup", GuardMetric::cgroup}})
    if (const auto* v = args.last(name)) {
      ++given;
      w.options.metric = metric;
      w.options.limit = parse_size(*v);
    }
  if (given != 1) throw UsageError{"give one limit: --max-pss, --max-rss, --max-uss or --max-cgroup SIZE"};
}

WatchArgs parse_watch_args(int argc, char** argv) {
  ParsedArgs args = parse_args(kWatchCommand, argc, argv);
  if (!args.operands.empty()) throw UsageError{fmt::format("unexpected argument '{}'", args.operands.front())};
  WatchArgs w;
  const auto* pid = args.last("pid");
  const auto* tree = args.last("tree");
  const auto* job = args.last("job");
  if ((pid != nullptr) + (tree != nullptr) + (job != nullptr) != 1)
    throw UsageError{"give one target: --pid PID, --tree PID or --job NAME"};
  if (args.has("per-process") && pid) throw UsageError{"--per-process needs --tree or --job"};
  if (args.has("cgroup-root") && !job) throw UsageError{"--cgroup-root needs --job"};
  take_limit(w, args);
  if (w.options.metric == GuardMetric::cgroup && !job) throw UsageError{"--max-cgroup needs --job"};
  GuardOptions& o = w.options;
  o.per_process = args.has("per-process");
  o.action = args.has("no-kill") ? GuardAction::report : GuardAction::kill;
  if (const auto* v = args.last("interval")) o.interval = parse_duration(*v);
  if (const auto* v = args.last("grace")) o.grace = parse_duration(*v);
  if (const auto* v = args.last("name")) o.name = *v;
  o.stats_interval = std::chrono::nanoseconds(0);
  if (const auto* v = args.last("stats")) o.stats_interval = parse_duration(*v);
  if (const auto* v = args.last("json")) w.json.emplace(OutputFile::open(*v));
  // Last: holding the target is the one step that depends on the process still being there.
  if (job) {
    if (const auto* root = args.last("cgroup-root")) w.layout.emplace(CgroupLayout::discover(*root));
    w.target = GuardTarget::job(Job::open(*job, w.layout ? &*w.layout : nullptr));
  } else {
    w.target = pid ? GuardTarget::process(parse_pid_arg(*pid)) : GuardTarget::tree(parse_pid_arg(*tree));
  }
  return w;
}

// Waits until guarding ends or INT, TERM or HUP arrives; returns that signal, or 0.
int wait_for_end_or_signal(const MemoryGuard& guard) {
  sigset_t set;
  ::sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaddset(&set, s);
  UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!signals) throw_errno("create", "signalfd");
  pollfd fds[2] = {{guard.end_fd(), POLLIN, 0}, {signals.get(), POLLIN, 0}};
  while (::poll(fds, 2, -1) < 0)
    if (errno != EINTR) throw_errno("poll", "signalfd");
  if (!fds[1].revents) return 0;
  signalfd_siginfo si{};
  return ::read(signals.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si) ? static_cast<int>(si.ssi_signo) : 0;
}

int watch_main(int argc, char** argv) {
  WatchArgs w = parse_watch_args(argc, argv);
  w.options.logger = [](std::string_view line) {
    std::fprintf(stderr, "reins watch: %.*s\n", static_cast<int>(line.size()), line.data());
  };
  // Each line a document of its own, with its schema_version (docs/json.md).
  auto line = [](const Json& j) {
    Json out = {{"schema_version", kJsonSchemaVersion}};
    out.update(j);
    return dump_line(out);
  };
  if (w.json) w.options.on_breach = [&](const GuardBreach& b) { w.json->write(line(breach_json(b))); };
  block_signals({SIGINT, SIGTERM, SIGHUP});  // before the guard's thread starts, so it inherits the mask
  MemoryGuard guard(std::move(*w.target), w.options);
  int sig = wait_for_end_or_signal(guard);
  if (sig) {
    guard.cancel();
    std::fprintf(stderr, "reins watch: SIG%s: stopped guarding\n", signal_name(sig).c_str());
  }
  auto result = guard.wait();
  if (w.json && result) w.json->write(line(guard_result_json(*result)));
  if (sig) return 128 + sig;
  return result && result->breach ? 3 : 0;
}

}  // namespace
}  // namespace reins::cli
