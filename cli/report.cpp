#include "report.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include <fmt/format.h>

#include "command.hpp"
#include "guard_report.hpp"
#include "job_report.hpp"
#include "json_util.hpp"
#include "reins/error.hpp"
#include "reins/units.hpp"

namespace reins::cli {
namespace {

// A word as a shell would need it quoted, with control characters and invalid UTF-8 shown as \xNN.
std::string shell_quote(const std::string& word) {
  std::string s = printable(word);
  if (!s.empty() && s.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> words_utf8_escaped(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  out.reserve(words.size());
  for (const auto& w : words) out.push_back(utf8_escaped(w));
  return out;
}

Json seconds_or_null(const std::optional<std::chrono::nanoseconds>& v) { return v ? Json(seconds(*v)) : Json(nullptr); }

// The job's own figures: null when the command ran without one (job_unavailable says why).
Json job_json(const RunJobReport& job) {
  if (job.name.empty()) return nullptr;
  Json j;
  j["name"] = job.name;
  j["cgroup"] = job.cgroup;
  j["unit"] = job.unit.empty() ? Json(nullptr) : Json(job.unit);
  j["kept"] = job.kept;
  j["peak_memory_bytes"] = or_null(job.peak_memory_bytes);
  j["cpu_s"] = seconds(job.cpu);
  j["cpu_user_s"] = seconds_or_null(job.cpu_user);
  j["cpu_system_s"] = seconds_or_null(job.cpu_system);
  j["oom_kill_count"] = job.oom_kills;
  j["memory_limit_hit_count"] = job.memory_limit_hits;
  j["peak_pids_count"] = or_null(job.pids_peak);
  j["pids_limit_hit_count"] = job.pids_limit_hits;
  j["throttled_period_count"] = or_null(job.throttled_periods);
  j["throttled_s"] = seconds_or_null(job.throttled);
  j["leftovers_killed_count"] = job.leftovers_killed;
  return j;
}

Json enclosing_json(const std::vector<EnclosingLimit>& limits) {
  Json out = Json::array();
  for (const auto& l : limits) out.push_back({{"property", l.property}, {"cgroup", l.cgroup}, {"value", l.value}});
  return out;
}

Json rlimit_value_json(RlimitValue v) { return v.is_unlimited() ? Json(nullptr) : Json(v.value()); }

// The limits the run had, as applied (null: none of that kind); `rlimits` resolved.
Json limits_json(const RunOptions& o, const std::vector<ResourceLimit>& rlimits) {
  Json j = job_limits_json(o.job.enabled ? o.job.limits : JobLimits{});
  j["timeout_s"] = seconds_or_null(o.timeout);
  j["timeout_signal"] = o.timeout ? Json("SIG" + signal_name(o.timeout_signal)) : Json(nullptr);
  j["kill_after_s"] = o.timeout ? Json(seconds(o.kill_after)) : Json(nullptr);
  j["cpu_time_s"] = seconds_or_null(o.cpu_time);
  Json rl = Json::array();
  for (const auto& [resource, r] : rlimits)
    rl.push_back(
        {{"name", info(resource).name}, {"soft", rlimit_value_json(r.soft)}, {"hard", rlimit_value_json(r.hard)}});
  j["rlimits"] = rl;
  if (o.guard)
    j["guard"] = {{"metric", guard_metric_name(o.guard->metric)},
                  {"limit_bytes", or_null(o.guard->limit)},
                  {"action", guard_action_name(o.guard->action)},
                  {"grace_s", seconds(o.guard->grace)}};
  else
    j["guard"] = nullptr;
  return j;
}

void add_job_text(const RunJobReport& job, const std::function<void(std::string_view, const std::string&)>& line) {
  if (job.name.empty()) {
    line("Job:", job.unavailable ? fmt::format("none ({})", *job.unavailable) : std::string("none"));
    return;
  }
  line("Job:", job.name + (job.kept ? " (kept)" : ""));
  line("Job cgroup:", job.cgroup);
  if (!job.unit.empty()) line("Job unit:", job.unit + " (a systemd scope reins moved into)");
  if (job.peak_memory_bytes) line("Job peak memory:", format_size(*job.peak_memory_bytes));
  line("Job CPU time:",
       format_duration(job.cpu) +
           (job.cpu_user && job.cpu_system
                ? fmt::format(" (user {}, system {})", format_duration(*job.cpu_user), format_duration(*job.cpu_system))
                : std::string()));
  if (job.throttled_periods)
    line("Job CPU throttling:", fmt::format("{} periods, {}", *job.throttled_periods,
                                            format_duration(job.throttled.value_or(std::chrono::nanoseconds(0)))));
  if (job.pids_peak) line("Job peak processes:", std::to_string(*job.pids_peak));
  if (job.oom_kills) line("Job OOM kills:", std::to_string(job.oom_kills));
  if (job.memory_limit_hits) line("Job memory limit reached:", fmt::format("{} time(s)", job.memory_limit_hits));
  if (job.pids_limit_hits) line("Job forks refused:", std::to_string(job.pids_limit_hits));
  if (job.leftovers_killed) line("Left behind, killed:", std::to_string(job.leftovers_killed));
  for (const auto& l : job.enclosing_limits)
    line("Enclosing limit:",
         fmt::format("{}={} set by {}", l.property,
                     l.property == "MemoryMax" ? format_size(l.value) : std::to_string(l.value), l.cgroup));
}

}  // namespace

Json report_json(const RunReport& r, const RunOptions& o, std::string_view command) {
  Json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["report"] = command;
  j["command"] = words_utf8_escaped(r.argv);
  j["status"] = r.status.exited() ? "exited" : "signaled";
  j["verdict"] = verdict_name(r.verdict());
  j["reins_exit_code"] = r.exit_code();
  j["command_exit_code"] = r.status.exited() ? Json(r.status.exit_code()) : Json(nullptr);
  j["command_signal"] = r.status.signaled() ? Json("SIG" + signal_name(r.status.signal())) : Json(nullptr);
  j["killed_by"] = r.killed_by ? Json(kill_reason_name(*r.killed_by)) : Json(nullptr);
  j["kill_detail"] = r.killed_by ? Json(r.kill_detail) : Json(nullptr);
  j["timeout_sigkilled"] = r.timeout_sigkilled;
  j["error"] = nullptr;
  j["wall_s"] = seconds(r.wall);
  j["user_s"] = seconds(r.rusage.user_time);
  j["system_s"] = seconds(r.rusage.system_time);
  j["max_rss_bytes"] = r.rusage.max_rss_bytes;
  j["minor_fault_count"] = r.rusage.minor_faults;
  j["major_fault_count"] = r.rusage.major_faults;
  j["voluntary_context_switch_count"] = r.rusage.voluntary_switches;
  j["involuntary_context_switch_count"] = r.rusage.involuntary_switches;
  j["block_input_count"] = r.rusage.block_inputs;
  j["block_output_count"] = r.rusage.block_outputs;
  Json sigs = Json::array();
  for (int s : r.signals_forwarded) sigs.push_back("SIG" + signal_name(s));
  j["signals_forwarded"] = sigs;
  j["signals_forwarded_count"] = r.signals_forwarded_count;
  j["limits"] = limits_json(o, r.rlimits);
  j["job"] = job_json(r.job);
  j["job_unavailable"] = or_null(r.job.unavailable);
  j["enclosing_limits"] = enclosing_json(r.job.enclosing_limits);
  j["guard"] = r.guard ? run_guard_json(*r.guard) : Json(nullptr);
  j["notes"] = r.notes;
  return j;
}

std::string report_text(const RunReport& r, std::string_view command) {
  std::string cmd;
  for (const auto& a : r.argv) {
    if (!cmd.empty()) cmd += ' ';
    cmd += shell_quote(a);
  }
  std::string out;
  auto line = [&](std::string_view k, const std::string& v) { out += fmt::format("  {:<30} {}\n", k, printable(v)); };
  out += fmt::format("reins {} report\n", command);
  out += fmt::format("  {:<30} {}\n", "Command:", cmd);  // quoted and escaped word by word
  line("Ended:",
       r.status.describe() + (r.killed_by ? fmt::format(" (ended by: {})", kill_reason_name(*r.killed_by)) : ""));
  line("Verdict:", std::string(verdict_name(r.verdict())));
  line("Exit status (reins):", std::to_string(r.exit_code()));
  line("Wall clock time:", format_duration(r.wall));
  line("User time:", format_duration(r.rusage.user_time));
  line("System time:", format_duration(r.rusage.system_time));
  line("Max resident set size:", format_size(r.rusage.max_rss_bytes));
  line("Page faults (major/minor):", fmt::format("{} / {}", r.rusage.major_faults, r.rusage.minor_faults));
  line("Context switches (vol/invol):",
       fmt::format("{} / {}", r.rusage.voluntary_switches, r.rusage.involuntary_switches));
  line("File system in/out (blocks):", fmt::format("{} / {}", r.rusage.block_inputs, r.rusage.block_outputs));
  add_job_text(r.job, line);
  if (r.guard) line("Memory guard:", run_guard_text(*r.guard));
  for (const auto& n : r.notes) line("Note:", n);
  return out;
}

Json failure_json(const std::vector<std::string>& argv, int exit_code, const std::string& error, const RunOptions& o,
                  std::string_view command) {
  Json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["report"] = command;
  j["command"] = words_utf8_escaped(argv);
  j["status"] = "error";
  j["verdict"] = "reins-error";
  j["reins_exit_code"] = exit_code;
  j["command_exit_code"] = nullptr;
  j["command_signal"] = nullptr;
  j["killed_by"] = nullptr;
  j["kill_detail"] = nullptr;
  j["error"] = error;
  try {
    // No report: the rlimits as they would have been applied.
    j["limits"] = limits_json(o, resolve(o.command.rlimits));
  } catch (const std::exception&) {
    j["limits"] = nullptr;  // the limits themselves were what failed (an rlimit beyond the hard limit)
  }
  return j;
}

std::string failure_text(const std::vector<std::string>& argv, int exit_code, const std::string& error,
                         std::string_view command) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
  return fmt::format("reins {} report\n  {:<30} {}\n  {:<30} {}\n  {:<30} {}\n", command, "Command:", cmd,
                     "Ended:", printable("not run: " + error), "Exit status (reins):", exit_code);
}

// A regular file (or a new one) is written to an unnamed temporary file in its directory and put in its place
// when complete: never empty or half-written, an earlier report survives until the new one is whole, and a
// reins SIGKILLed meanwhile leaves nothing behind. Anything else (a FIFO, /dev/stdout, a terminal) is written directly;
// a FIFO is opened without blocking, so one with no reader is an error now rather than a hang before the command
// starts.
OutputFile OutputFile::open(const std::string& path) {
  OutputFile out;
  out.path_ = path;
  if (path == "-") return out;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) throw Error(EISDIR, "open output file", "'" + path + "'");
    int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENXIO)
      throw Error(ENXIO, fmt::format("open output file '{}': a FIFO with no reader (start the reader first)", path));
    if (fd < 0) throw_errno("open output file", "'" + path + "'");
    out.fd_.reset(fd);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return out;
  }
  auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  // An unnamed file in the target's directory (O_TMPFILE): a reins killed before the end leaves nothing.
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  if (fd >= 0) {
    out.fd_.reset(fd);
    out.unnamed_ = true;
    return out;
  }
  // A file system without O_TMPFILE: a named temporary file beside the target.
  std::string temp = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + "." +
                     path.substr(slash == std::string::npos ? 0 : slash + 1) + ".reins-XXXXXX";
  fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) throw_errno("open output file", "'" + path + "'");
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);  // as open(O_CREAT, 0666) would have made it
  out.fd_.reset(fd);
  out.temp_ = temp;
  return out;
}

std::optional<OutputFile> json_output(const ParsedArgs& args) {
  if (const auto* path = args.last("json")) return OutputFile::open(*path);
  return std::nullopt;
}

OutputFile::~OutputFile() {
  if (!temp_.empty()) ::unlink(temp_.c_str());  // never completed: the earlier file stays
}

void OutputFile::write(const std::string& text) {
  int fd = fd_ ? fd_.get() : STDOUT_FILENO;
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write output file", "'" + path_ + "'");
    done += static_cast<size_t>(n);
  }
  if (unnamed_) {
    // Named beside the target (linkat through /proc needs no capability, unlike AT_EMPTY_PATH), then renamed
    // over it: the target is replaced whole or not at all.
    auto slash = path_.rfind('/');
    temp_ = fmt::format("{}.{}.reins-{}", slash == std::string::npos ? std::string() : path_.substr(0, slash + 1),
                        path_.substr(slash == std::string::npos ? 0 : slash + 1), ::getpid());
    ::unlink(temp_.c_str());
    if (::linkat(AT_FDCWD, fmt::format("/proc/self/fd/{}", fd).c_str(), AT_FDCWD, temp_.c_str(), AT_SYMLINK_FOLLOW) !=
        0) {
      temp_.clear();
      throw_errno("write output file", "'" + path_ + "'");
    }
    unnamed_ = false;
  }
  if (temp_.empty()) return;
  if (::rename(temp_.c_str(), path_.c_str()) != 0) throw_errno("write output file", "'" + path_ + "'");
  temp_.clear();
}

}  // namespace reins::cli
