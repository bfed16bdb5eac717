#include "report.hpp"

#include <fcntl.h>
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

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

template <typename T>
nlohmann::ordered_json or_null(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
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
  j["command"] = r.argv;
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
  auto line = [&](std::string_view k, const std::string& v) { out += fmt::format("  {:<30} {}\n", k, v); };
  out += fmt::format("reins {} report\n", command);
  line("Command:", cmd);
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

OutputFile OutputFile::open(const std::string& path) {
  OutputFile out;
  out.path_ = path;
  if (path == "-") return out;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("open output file", "'" + path + "'");
  out.fd_.reset(fd);
  return out;
}

void OutputFile::write(const std::string& text) const {
  int fd = fd_ ? fd_.get() : STDERR_FILENO;
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write output file", "'" + path_ + "'");
    done += static_cast<size_t>(n);
  }
}

}  // namespace reins::cli
