#include "run_flags.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>

#include <cstdio>
#include <stdexcept>

#include <fmt/format.h>

#include "json_util.hpp"
#include "reins/error.hpp"
#include "reins/units.hpp"

extern char** environ;

namespace reins::cli {

const FlagGroup& process_flags() {
  static const FlagGroup group = checked<RunFlags>({
      {{"rlimit", 'r', "NAME=SOFT[:HARD]", "set a resource limit on the command (repeatable): nofile=1024:4096",
        Complete::rlimit},
       [](RunFlags& f, const std::string& v) {
         try {
           f.run.command.rlimits.push_back(parse_rlimit_setting(v));
         } catch (const InvalidArgument& e) {
           // dumb-init's -r FROM:TO (a signal rewrite) typed here.
           if (v.find('=') == std::string::npos && v.find(':') != std::string::npos)
             throw InvalidArgument(
                 fmt::format("{} (dumb-init's -r FROM:TO is --rewrite FROM:TO in reins init)", e.what()));
           throw;
         }
       }},
      {{"timeout", 't', "DURATION",
        "end the command after this wall-clock time (exit status 124, 137 if SIGKILL was needed); 0: none"},
       [](RunFlags& f, const std::string& v) {
         // timeout(1): "A duration of 0 disables the associated timeout."
         auto d = parse_duration(v);
         f.run.timeout = d.count() == 0 ? std::nullopt : std::optional<std::chrono::nanoseconds>(d);
       }},
      {{"signal", 's', "SIGNAL", "the signal the timeout sends first (default TERM; KILL: no grace), as timeout -s",
        Complete::signal},
       [](RunFlags& f, const std::string& v) {
         try {
           f.run.timeout_signal = parse_signal(v);
         } catch (const InvalidArgument& e) {
           // tini's -s (become a subreaper), which takes no value, typed here: its value is what followed.
           throw InvalidArgument(
               fmt::format("{} for -s/--signal, the timeout's signal (tini's -s is --subreaper in "
                           "reins init)",
                           e.what()));
         }
       }},
      {{"kill-after", 'k', "DURATION", "after the timeout's signal, wait this long, then SIGKILL (default 5s)"},
       [](RunFlags& f, const std::string& v) { f.run.kill_after = parse_duration(v); }},
      {{"preserve-status", 0, nullptr, "exit with the command's own status even when the timeout ended it"},
       [](RunFlags& f, const std::string&) { f.run.preserve_status = true; }},
      {{"cpu-time", 0, "DURATION",
        "SIGKILL the job when all its processes together have used this much CPU time (killed_by cpu-time)"},
       [](RunFlags& f, const std::string& v) {
         auto d = parse_duration(v);
         if (d.count() <= 0) throw InvalidArgument(fmt::format("--cpu-time '{}': give a duration above 0, e.g. 2s", v));
         f.run.cpu_time = d;
       }},
  });
  return group;
}

const FlagGroup& command_flags() {
  static const FlagGroup group = checked<RunFlags>({
      {{"stdin", 0, "FILE", "the command reads its standard input from FILE", Complete::file},
       [](RunFlags& f, const std::string& v) { f.stdin_path = v; }},
      {{"stdout", 0, "FILE", "the command's standard output goes to FILE (created or truncated)", Complete::file},
       [](RunFlags& f, const std::string& v) { f.stdout_path = v; }},
      {{"stderr", 0, "FILE", "the command's standard error goes to FILE (created or truncated)", Complete::file},
       [](RunFlags& f, const std::string& v) { f.stderr_path = v; }},
      {{"setenv", 'E', "NAME=VALUE", "set an environment variable for the command (repeatable); NAME alone unsets it"},
       [](RunFlags& f, const std::string& v) {
         if (v.empty() || v.front() == '=')
           throw InvalidArgument(fmt::format("--setenv '{}': give NAME=VALUE, or NAME to unset it", v));
         f.setenv.push_back(v);
       }},
      {{"clear-env", 0, nullptr, "start the command with an empty environment (then add --setenv ones)"},
       [](RunFlags& f, const std::string&) { f.clear_env = true; }},
      {{"chdir", 0, "DIR", "run the command in DIR", Complete::file},
       [](RunFlags& f, const std::string& v) { f.run.command.cwd = v; }},
      {{"uid", 0, "USER", "run the command as USER (a name or a number), with its group and no supplementary ones"},
       [](RunFlags& f, const std::string& v) { f.user = v; }},
      {{"gid", 0, "GROUP", "run the command with GROUP (a name or a number) as its group"},
       [](RunFlags& f, const std::string& v) { f.group = v; }},
  });
  return group;
}

const FlagGroup& report_flags() {
  static const FlagGroup group = checked<RunFlags>({
      {{"report", 0, "FILE", "write a human-readable usage report to FILE ('-' = standard output)", Complete::file},
       [](RunFlags& f, const std::string& v) { f.report_path = v; }},
      {{"json", 0, "FILE", "write the report as one JSON object to FILE ('-' = standard output; keys: docs/json.md)",
        Complete::file},
       [](RunFlags& f, const std::string& v) { f.json_path = v; }},
      {{"trace", 0, "FILE",
        "record memory, CPU and processes over time to FILE (JSON lines; CSV if *.csv); "
        "draw it with 'reins plot FILE'",
        Complete::file},
       [](RunFlags& f, const std::string& v) { f.run.trace_path = v; }},
      {{"trace-interval", 0, "DURATION", "how often --trace samples (default 100ms)"},
       [](RunFlags& f, const std::string& v) { f.run.trace_interval = parse_duration(v); }},
  });
  return group;
}

namespace {

UniqueFd open_for_command(const std::string& path, int flags, const char* what) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
  if (fd < 0) throw_errno(fmt::format("open {}", what), "'" + path + "'");
  return UniqueFd(fd);
}

std::optional<std::uint32_t> number_of(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 9) return std::nullopt;
  return static_cast<std::uint32_t>(std::stoul(text));
}

// The user's id and primary group: by name, or by number (its group then comes from the password database).
std::pair<std::uint32_t, std::optional<std::uint32_t>> resolve_user(const std::string& user) {
  auto number = number_of(user);
  const passwd* pw = number ? ::getpwuid(*number) : ::getpwnam(user.c_str());
  if (!pw && !number)
    throw UsageError{fmt::format("--uid '{}': no such user (give a user name from /etc/passwd or a number)", user)};
  return {number ? *number : pw->pw_uid, pw ? std::optional<std::uint32_t>(pw->pw_gid) : std::nullopt};
}

std::uint32_t resolve_group(const std::string& group) {
  if (auto number = number_of(group)) return *number;
  const ::group* gr = ::getgrnam(group.c_str());
  if (!gr)
    throw UsageError{fmt::format("--gid '{}': no such group (give a group name from /etc/group or a number)", group)};
  return gr->gr_gid;
}

std::vector<std::string> environment_of(const RunFlags& flags) {
  std::vector<std::string> env;
  if (!flags.clear_env)
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (const auto& s : flags.setenv) {
    const std::string name = s.substr(0, s.find('='));
    std::erase_if(env, [&](const std::string& e) { return e.compare(0, name.size() + 1, name + "=") == 0; });
    if (s.find('=') != std::string::npos) env.push_back(s);
  }
  return env;
}

}  // namespace

CommandFiles set_up_command(const RunFlags& flags, Command& cmd) {
  CommandFiles files;
  if (flags.stdin_path) cmd.stdin_fd = (files.in = open_for_command(*flags.stdin_path, O_RDONLY, "--stdin")).get();
  if (flags.stdout_path)
    cmd.stdout_fd = (files.out = open_for_command(*flags.stdout_path, O_WRONLY | O_CREAT | O_TRUNC, "--stdout")).get();
  if (flags.stderr_path)
    cmd.stderr_fd = (files.err = open_for_command(*flags.stderr_path, O_WRONLY | O_CREAT | O_TRUNC, "--stderr")).get();
  if (flags.clear_env || !flags.setenv.empty()) cmd.env = environment_of(flags);
  if (flags.user) {
    auto [uid, primary] = resolve_user(*flags.user);
    cmd.user_id = uid;
    cmd.group_id = primary;
    if (!primary && !flags.group)
      throw UsageError{
          fmt::format("--uid {}: no such user in /etc/passwd to take a group from: give --gid too", *flags.user)};
  }
  if (flags.group) cmd.group_id = resolve_group(*flags.group);
  return files;
}

void warn_of_tiny_limits(const JobLimits& limits, std::string_view command) {
  // A shell or a small static program needs about a megabyte before its first instruction.
  constexpr std::uint64_t kSmallestProcess = 1 << 20;
  const auto& memory = limits.memory_max;
  if (memory && *memory && **memory < kSmallestProcess)
    std::fprintf(stderr,
                 "reins %.*s: warning: a memory limit of %s is below what any process needs to start (about 1 MiB); "
                 "sizes are in bytes unless given a unit (512M)\n",
                 static_cast<int>(command.size()), command.data(), format_size(**memory).c_str());
  const auto& pids = limits.pids_max;
  if (pids && *pids && **pids == 0)
    std::fprintf(stderr,
                 "reins %.*s: warning: a pids limit of 0 lets no process in the job fork (where the command is created "
                 "in its cgroup, cgroup v2, not even the command starts)\n",
                 static_cast<int>(command.size()), command.data());
}

void print_ending(const RunReport& report, std::string_view command) {
  if (!report.killed_by) return;
  std::fprintf(stderr, "reins %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               report.kill_detail.c_str());
  if (!report.escalation_detail.empty())
    std::fprintf(stderr, "reins %.*s: %s\n", static_cast<int>(command.size()), command.data(),
                 report.escalation_detail.c_str());
}

void no_handler(const Option& option) {
  throw std::logic_error(std::string("reins: internal error: option --") + option.long_name + " has no handler");
}

std::vector<Option> options_of(std::initializer_list<const FlagGroup*> groups, std::vector<Option> extra) {
  std::vector<Option> all;
  for (const auto* g : groups)
    for (const auto& f : *g) all.push_back(f.option);
  all.insert(all.end(), extra.begin(), extra.end());
  // One meaning per short option in every command (docs/cli.md lists them): two in one table is a bug.
  for (auto a = all.begin(); a != all.end(); ++a)
    for (auto b = a + 1; b != all.end(); ++b)
      if (a->short_name && a->short_name == b->short_name)
        throw std::logic_error(
            fmt::format("reins: internal error: -{} is both --{} and --{}", a->short_name, a->long_name, b->long_name));
  return all;
}

std::vector<std::pair<const Option*, std::string>> apply_groups(RunFlags& flags, const ParsedArgs& args,
                                                                std::initializer_list<const FlagGroup*> groups) {
  std::vector<std::pair<const Option*, std::string>> rest;
  for (const auto& [opt, value] : args.options) {
    bool applied = false;
    for (const auto* g : groups)
      if ((applied = apply_flag(*g, flags, *opt, value))) break;
    if (!applied) rest.emplace_back(opt, value);
  }
  return rest;
}

ReportOutputs ReportOutputs::open(const RunFlags& flags, const RunOptions& options) {
  ReportOutputs out;
  out.options = &options;
  if (flags.report_path) out.text.emplace(OutputFile::open(*flags.report_path));
  if (flags.json_path) out.json.emplace(OutputFile::open(*flags.json_path));
  return out;
}

namespace {

// Each output on its own: one that cannot be written (a full disk, /dev/full) is said on stderr and loses
// neither the other nor the exit status.
void write_each(std::optional<OutputFile>& out, std::string_view command, const std::string& text) {
  if (!out) return;
  try {
    out->write(text);
  } catch (const Error& e) {
    std::fprintf(stderr, "reins %.*s: the report was not written: %s\n", static_cast<int>(command.size()),
                 command.data(), e.what());
  }
}

}  // namespace

void ReportOutputs::write(const RunReport& report, std::string_view command) {
  write_each(text, command, report_text(report, command));
  write_each(json, command, dump_line(report_json(report, *options, command)));
}

void ReportOutputs::write_failure(const std::vector<std::string>& argv, int exit_code, const std::string& error,
                                  std::string_view command) {
  write_each(text, command, failure_text(argv, exit_code, error, command));
  write_each(json, command, dump_line(failure_json(argv, exit_code, error, *options, command)));
}

}  // namespace reins::cli
