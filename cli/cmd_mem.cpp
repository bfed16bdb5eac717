// reins mem: what processes, process trees, the system and reins' own cgroup use, once or every interval.
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "command.hpp"
#include "json_util.hpp"
#include "mem_report.hpp"
#include "reins/error.hpp"
#include "reins/fd.hpp"
#include "reins/run.hpp"
#include "reins/sampler.hpp"
#include "reins/units.hpp"
#include "report.hpp"

namespace reins::cli {
namespace {
int mem_main(int argc, char** argv);
}

extern const CommandSpec kMemCommand;
const CommandSpec kMemCommand{
    "mem",
    "[OPTIONS] PID... | --system",
    "show the memory of processes, process trees or the system: PSS, RSS, USS, swap",
    "For each PID, shows PSS (proportional set size: shared pages divided among the processes that map them),\n"
    "RSS (resident set, shared pages counted in full), USS (unique set: what ending the process would free)\n"
    "and swap. With --tree, each PID's descendants too, and the tree's total. '-' marks a value that cannot be\n"
    "known (the process exited, is a kernel thread or zombie, or is not ours to read); the reason follows on\n"
    "stderr, and the exit status is 1 if a PID does not exist.\n\n"
    "Reading PSS makes the kernel walk every resident page (several ms per GiB) while the process's own\n"
    "memory-map calls wait; --no-pss reads only the kernel's counters (RSS and swap).\n\n"
    "--system shows MemTotal, MemAvailable, swap, memory pressure (PSI) and reins' own memory cgroup with its\n"
    "limit. --watch repeats every INTERVAL (250ms, 2s, 1m) until interrupted or --count samples are shown.",
    {
        {"tree", 0, nullptr, "include each PID's descendants, and the tree's total"},
        {"system", 0, nullptr, "show system memory, pressure and reins' memory cgroup instead of processes"},
        {"no-pss", 0, nullptr, "read only RSS and swap (no page walk): PSS and USS are not shown"},
        {"json", 0, "FILE", "write each sample to FILE as one JSON object per line ('-' = standard output)",
         Complete::file},
        {"watch", 'w', "INTERVAL", "sample every INTERVAL until interrupted"},
        {"count", 'n', "N", "with --watch, stop after N samples"},
    },
    "  reins mem 1234\n  reins mem --tree --watch 2s $(pgrep -o nginx)\n  reins mem --system --json -\n",
    &mem_main,
    /*stop_at_first_operand=*/false,
    /*usage_exit=*/2,
    /*failure_exit=*/1,
    nullptr,
    nullptr,
    {{'t', "the tree is --tree; in reins -t always means --timeout"},
     {'s', "system memory is --system; in reins -s always means --signal"},
     {'j', "JSON is --json FILE ('-': standard output)"},
     {'p', "give the PID as an operand: reins mem PID; in reins -p always means --property"}},
    Complete::pid,
};

namespace {

struct MemArgs {
  SampleTargets targets;
  std::optional<std::string> json;  // --json FILE
  std::optional<std::chrono::nanoseconds> watch;
  std::optional<std::uint64_t> count;
};

MemArgs parse_mem_args(int argc, char** argv) {
  ParsedArgs args = parse_args(kMemCommand, argc, argv);
  MemArgs m;
  if (const auto* j = args.last("json")) m.json = *j;
  if (auto* w = args.last("watch")) m.watch = parse_duration(*w);
  if (m.watch && *m.watch <= std::chrono::nanoseconds::zero())
    throw UsageError{fmt::format("--watch interval '{}' must be more than 0, such as 1s", *args.last("watch"))};
  if (auto* n = args.last("count")) {
    if (!m.watch) throw UsageError{"--count needs --watch"};
    char* end = nullptr;
    m.count = std::strtoull(n->c_str(), &end, 10);
    if (n->empty() || *end != '\0' || n->front() == '-' || *m.count == 0)
      throw UsageError{fmt::format("invalid --count '{}': expected a positive number such as 5", *n)};
  }
  if (args.has("system")) {
    if (!args.operands.empty() || args.has("tree")) throw UsageError{"--system takes no PID and no --tree"};
    m.targets.system = m.targets.pressure = m.targets.own_cgroup = true;
    return m;
  }
  if (args.operands.empty()) throw UsageError{"no PID given (usage: reins mem PID... or reins mem --system)"};
  for (const auto& operand : args.operands)
    (args.has("tree") ? m.targets.trees : m.targets.processes).push_back(parse_pid_arg(operand));
  // statm beside smaps_rollup keeps RSS known where PSS is not readable (no ptrace access).
  m.targets.sources =
      args.has("no-pss") ? MemorySources{.status = true} : MemorySources{.statm = true, .smaps_rollup = true};
  return m;
}

bool any_pid_missing(const MemorySample& s) {
  for (const auto& p : s.processes)
    if (p.smaps_rollup_error == ENOENT || p.status_error == ENOENT) return true;
  for (const auto& t : s.trees)
    if (t.processes.front().smaps_rollup_error == ENOENT || t.processes.front().status_error == ENOENT) return true;
  return false;
}

class Printer {
 public:
  explicit Printer(const MemArgs& args) : args_(args) {
    if (args.json) json_.emplace(OutputFile::open(*args.json));
  }

  // Prints one sample; returns whether a requested PID does not exist.
  bool print(const MemorySample& s) {
    if (json_) {
      json_->write(dump_line(sample_json(s)));
    } else {
      std::string out;
      if (args_.watch) out += fmt::format("{}{}\n", s.index ? "\n" : "", watch_heading(s));
      out += args_.targets.system ? system_text(s) : processes_text(s);
      std::fputs(out.c_str(), stdout);
      std::fflush(stdout);
    }
    std::string notes = unknown_notes(s, told_);
    if (!notes.empty()) {
      fmt::print(stderr, "{}", notes);
      std::fflush(stderr);
    }
    return any_pid_missing(s);
  }

 private:
  static std::string watch_heading(const MemorySample& s) {
    std::time_t t = std::chrono::system_clock::to_time_t(s.time);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    std::string heading = fmt::format("--- {:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (s.missed_ticks) heading += fmt::format(" ({} ticks missed: the previous sample ran late)", s.missed_ticks);
    return heading;
  }

  const MemArgs& args_;
  std::optional<OutputFile> json_;
  std::set<std::pair<pid_t, int>> told_;
};

// Blocks until INT, TERM or HUP arrives or `done` is written to.
void wait_for_interrupt_or(int done) {
  sigset_t set;
  ::sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaddset(&set, s);
  UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!signals) throw_errno("create", "signalfd");
  pollfd fds[2] = {{signals.get(), POLLIN, 0}, {done, POLLIN, 0}};
  while (::poll(fds, 2, -1) < 0)
    if (errno != EINTR) throw_errno("poll", "signalfd");
}

int watch(const MemArgs& args, Printer& printer) {
  block_signals({SIGINT, SIGTERM, SIGHUP});  // before the sampler thread starts, so it inherits the mask
  UniqueFd done(::eventfd(0, EFD_CLOEXEC));
  if (!done) throw_errno("create", "eventfd");
  auto finish = [&] {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(done.get(), &one, sizeof one);
  };
  SamplerOptions options;
  options.interval = *args.watch;
  options.immediate = true;
  options.targets = args.targets;
  options.on_error = [&](const std::exception_ptr& error) {
    finish();
    std::rethrow_exception(error);  // ends sampling; stop() below rethrows it here
  };
  bool missing = false;
  Sampler sampler(options, [&](const MemorySample& s) {
    if (args.count && s.index >= *args.count) return;  // one more may come before the stop takes effect
    missing |= printer.print(s);
    if (args.count && s.index + 1 == *args.count) finish();
  });
  wait_for_interrupt_or(done.get());
  sampler.stop();
  return missing ? 1 : 0;
}

int mem_main(int argc, char** argv) {
  MemArgs args = parse_mem_args(argc, argv);
  Printer printer(args);
  if (args.watch) return watch(args, printer);
  return printer.print(sample_memory(args.targets)) ? 1 : 0;
}

}  // namespace
}  // namespace reins::cli
