// Flag groups shared by the commands that run something (`reins run`, `reins init`): each group is a slice of
// the option table plus the code that applies one of its flags to RunOptions. A command lists the groups it
// accepts, so `reins init` takes every `reins run` limit without a second copy of either.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "reins/run.hpp"
#include "report.hpp"

namespace reins::cli {

struct FlagGroup {
  std::vector<Option> options;
  // Applies `value` of the option named `name` if it belongs to this group; returns whether it did.
  bool (*apply)(RunOptions& opts, std::string_view name, const std::string& value);
};

const FlagGroup& process_flags();  // --rlimit, --timeout, --kill-after
const FlagGroup& report_flags();   // --report, --json (written by ReportOutputs), --trace, --trace-interval
const FlagGroup& job_flags();      // --memory, --cpus, --pids, -p PROPERTY, --keep-job, --no-job ...
const FlagGroup& guard_flags();    // --max-pss, --max-rss, --max-uss, --no-kill, --guard-interval, --guard-grace
// Throws UsageError for guard flags given without a limit.
// Checks the guard flags given and sets up --no-kill's warning, "reins COMMAND: memory guard warning: ...".
void finish_guard_flags(RunOptions& opts, std::string_view command);

// The limit options alone (shared with `reins job create/set`), and applying one of them.
const std::vector<Option>& limit_options();
bool apply_limit_flag(JobLimits& limits, std::string_view name, const std::string& value);

// Concatenates the option tables of `groups`, then `extra`.
std::vector<Option> options_of(std::initializer_list<const FlagGroup*> groups, std::vector<Option> extra = {});
// Applies every parsed option that belongs to one of `groups`.
void apply_groups(RunOptions& opts, const ParsedArgs& args, std::initializer_list<const FlagGroup*> groups);

// Where the report goes: opened before the command starts, so a bad path fails before anything runs.
struct ReportOutputs {
  std::optional<OutputFile> text, json;
  static ReportOutputs open(const ParsedArgs& args);
  // `command` names the subcommand in the text report's heading ("reins init report").
  void write(const RunReport& report, std::string_view command = "run") const;
};

}  // namespace reins::cli
