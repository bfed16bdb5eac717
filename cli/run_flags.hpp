// Flag groups shared by the commands that run something (`reins run`, `reins init`): each group is a slice of
// the option table plus the code that applies one of its flags to RunOptions. A command lists the groups it
// accepts, so `reins init` takes every `reins run` limit without a second copy of either.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "reins/run.hpp"
#include "report.hpp"

namespace reins::cli {

// What the flags of `reins run` and `reins init` fill in: the library's options and the CLI's report files.
struct RunFlags {
  RunOptions run;
  std::optional<std::string> report_path, json_path;
  // --stdin/--stdout/--stderr, opened by open_command_files() before the command starts.
  std::optional<std::string> stdin_path, stdout_path, stderr_path;
  std::vector<std::string> setenv;  // -E NAME=VALUE, in order
  bool clear_env = false;
  std::optional<std::string> user, group;  // --uid, --gid: names or numbers
};

// The files --stdin, --stdout and --stderr name, open while the command starts (it gets copies).
struct CommandFiles {
  UniqueFd in, out, err;
};
// Opens the files, builds the environment and resolves --uid/--gid into `cmd`. Throws reins::Error naming a
// file that cannot be opened, UsageError for an unknown user or group.
CommandFiles set_up_command(const RunFlags& flags, Command& cmd);
// Warns on stderr of a memory or pids limit too small for any process to start (-m 100 is 100 bytes; the
// run would end "oom" at once with no other hint).
void warn_of_tiny_limits(const JobLimits& limits, std::string_view command);
// What reins tells on stderr when it ended the command: the kill and, when SIGKILL had to follow, that too.
void print_ending(const RunReport& report, std::string_view command);

// One option and what it does, side by side: an option is written once, in the row that handles it. A row
// without a handler stops the program at start-up (every CLI test would fail), so none can be dropped.
template <typename Target>
struct Flag {
  Option option;
  std::function<void(Target& target, const std::string& value)> apply;
};
using FlagGroup = std::vector<Flag<RunFlags>>;

const FlagGroup& process_flags();  // --rlimit, --timeout, --signal, --kill-after, --preserve-status, --cpu-time
const FlagGroup& command_flags();  // --stdin, --stdout, --stderr, --setenv, --clear-env, --chdir, --uid, --gid
const FlagGroup& report_flags();   // --report, --json (written by ReportOutputs), --trace, --trace-interval
const FlagGroup& job_flags();      // --memory, --cpus, --pids, -p PROPERTY, --keep-job, --no-job ...
const FlagGroup& guard_flags();    // --max-pss, --max-rss, --max-uss, --no-kill, --guard-interval, --guard-grace
// Checks the guard flags given and sets up --no-kill's warning, "reins COMMAND: memory guard warning: ...".
void finish_guard_flags(RunOptions& opts, std::string_view command);

// The limit options alone (shared with `reins job create/set`).
const std::vector<Flag<JobLimits>>& limit_flags();
// The limits the parsed options set (the other options are not looked at).
JobLimits limits_of(const ParsedArgs& args);

// The options of `flags`, for a command's table.
template <typename Target>
std::vector<Option> options_in(const std::vector<Flag<Target>>& flags) {
  std::vector<Option> out;
  out.reserve(flags.size());
  for (const auto& f : flags) out.push_back(f.option);
  return out;
}
// Applies `value` with the row of `flags` for option `opt`; returns whether `flags` has one.
template <typename Target>
bool apply_flag(const std::vector<Flag<Target>>& flags, Target& target, const Option& opt, const std::string& value) {
  for (const auto& f : flags) {
    if (std::string_view(f.option.long_name) != opt.long_name) continue;
    f.apply(target, value);
    return true;
  }
  return false;
}
// A row without a handler: a bug in reins, reported at start-up (std::logic_error).
[[noreturn]] void no_handler(const Option& option);
// Checks at start-up that every row has a handler; returns `flags`.
template <typename Target>
std::vector<Flag<Target>> checked(std::vector<Flag<Target>> flags) {
  for (const auto& f : flags)
    if (!f.apply) no_handler(f.option);
  return flags;
}

// Concatenates the option tables of `groups`, then `extra`.
std::vector<Option> options_of(std::initializer_list<const FlagGroup*> groups, std::vector<Option> extra = {});
// Applies every parsed option that one of `groups` has a row for; returns the options none of them has,
// for the command's own rows.
std::vector<std::pair<const Option*, std::string>> apply_groups(RunFlags& flags, const ParsedArgs& args,
                                                                std::initializer_list<const FlagGroup*> groups);

// Where the report goes: opened before the command starts, so a bad path fails before anything runs.
struct ReportOutputs {
  std::optional<OutputFile> text, json;
  // `options` (which must outlive this) are the run's, for the limits the report lists.
  static ReportOutputs open(const RunFlags& flags, const RunOptions& options);
  const RunOptions* options = nullptr;
  // `command` names the subcommand in the text report's heading ("reins init report").
  void write(const RunReport& report, std::string_view command = "run");
  // When reins could not carry the run out (exit 125, 126, 127): the command, the status and why.
  void write_failure(const std::vector<std::string>& argv, int exit_code, const std::string& error,
                     std::string_view command = "run");

  // Runs `f` (which returns the report) and writes the report; if `f` throws, writes the failure report with
  // the exit status the exception will give (SpawnError's, else 125) and rethrows.
  template <typename F>
  auto run_reporting(const std::vector<std::string>& argv, std::string_view command, F&& f) {
    try {
      return f();
    } catch (const SpawnError& e) {
      write_failure(argv, e.shell_code(), e.what(), command);
      throw;
    } catch (const std::exception& e) {
      write_failure(argv, 125, e.what(), command);
      throw;
    }
  }
};

}  // namespace reins::cli
