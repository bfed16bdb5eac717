#include "report.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include <fmt/format.h>

#include "guard_report.hpp"
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

nlohmann::ordered_json seconds_or_null(const std::optional<std::chrono::nanoseconds>& v) {
  return v ? nlohmann::ordered_json(seconds(*v)) : nlohmann::ordered_json(nullptr);
}

// The job's figures, flat in the report as the issue and scripts name them.
void add_job_json(const RunJobReport& job, nlohmann::ordered_json& j) {
  const bool in_job = !job.name.empty();
  j["job"] = in_job ? nlohmann::ordered_json(job.name) : nullptr;
  j["job_cgroup"] = in_job ? nlohmann::ordered_json(job.cgroup) : nullptr;
  j["job_unit"] = job.unit.empty() ? nullptr : nlohmann::ordered_json(job.unit);
  j["job_unavailable"] = or_null(job.unavailable);
  j["job_kept"] = job.kept;
  j["peak_memory_bytes"] = or_null(job.peak_memory_bytes);
  j["cpu_s"] = in_job ? nlohmann::ordered_json(seconds(job.cpu)) : nullptr;
  j["cpu_user_s"] = seconds_or_null(job.cpu_user);
  j["cpu_system_s"] = seconds_or_null(job.cpu_system);
  j["oom_kills"] = in_job ? nlohmann::ordered_json(job.oom_kills) : nullptr;
  j["memory_limit_hits"] = in_job ? nlohmann::ordered_json(job.memory_limit_hits) : nullptr;
  j["pids_peak"] = or_null(job.pids_peak);
  j["pids_limit_hits"] = in_job ? nlohmann::ordered_json(job.pids_limit_hits) : nullptr;
  j["throttled_periods"] = or_null(job.throttled_periods);
  j["throttled_s"] = seconds_or_null(job.throttled);
  j["leftovers_killed"] = job.leftovers_killed;
  auto enclosing = nlohmann::ordered_json::array();
  for (const auto& l : job.enclosing_limits)
    enclosing.push_back({{"property", l.property}, {"cgroup", l.cgroup}, {"value", l.value}});
  j["enclosing_limits"] = enclosing;
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

nlohmann::ordered_json report_json(const RunReport& r) {
  nlohmann::ordered_json j;
  j["command"] = words_utf8_escaped(r.argv);
  j["exit_code"] = r.exit_code();
  j["status"] = r.status.exited() ? "exited" : "signaled";
  j["signal"] = r.status.signaled() ? nlohmann::ordered_json("SIG" + signal_name(r.status.signal()))
                                    : nlohmann::ordered_json(nullptr);
  j["command_exit_code"] = r.status.exited() ? nlohmann::ordered_json(r.status.exit_code()) : nullptr;
  j["killed_by"] = r.killed_by ? nlohmann::ordered_json(kill_reason_name(*r.killed_by)) : nullptr;
  j["wall_s"] = seconds(r.wall);
  j["user_s"] = seconds(r.rusage.user_time);
  j["sys_s"] = seconds(r.rusage.system_time);
  j["max_rss_bytes"] = r.rusage.max_rss_bytes;
  j["minor_faults"] = r.rusage.minor_faults;
  j["major_faults"] = r.rusage.major_faults;
  j["voluntary_context_switches"] = r.rusage.voluntary_switches;
  j["involuntary_context_switches"] = r.rusage.involuntary_switches;
  j["block_inputs"] = r.rusage.block_inputs;
  j["block_outputs"] = r.rusage.block_outputs;
  nlohmann::ordered_json sigs = nlohmann::ordered_json::array();
  for (int s : r.signals_forwarded) sigs.push_back("SIG" + signal_name(s));
  j["signals_forwarded"] = sigs;
  j["signals_forwarded_count"] = r.signals_forwarded_count;
  add_job_json(r.job, j);
  j["guard"] = r.guard ? run_guard_json(*r.guard) : nullptr;
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
  line("Ended:", r.status.describe() +
                     (r.killed_by ? fmt::format(" (killed by reins: {})", kill_reason_name(*r.killed_by)) : ""));
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

nlohmann::ordered_json failure_json(const std::vector<std::string>& argv, int exit_code, const std::string& error) {
  nlohmann::ordered_json j;
  j["command"] = words_utf8_escaped(argv);
  j["exit_code"] = exit_code;
  j["status"] = "error";
  j["error"] = error;
  j["killed_by"] = nullptr;
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

OutputFile::~OutputFile() {
  if (!temp_.empty()) ::unlink(temp_.c_str());  // never completed: the earlier file stays
}

void OutputFile::write(const std::string& text) {
  int fd = fd_ ? fd_.get() : STDERR_FILENO;
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
