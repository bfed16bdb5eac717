#include "run_flags.hpp"

#include "reins/units.hpp"

namespace reins::cli {

const FlagGroup& process_flags() {
  static const FlagGroup group{
      {
          {"rlimit", 'r', "NAME=SOFT[:HARD]", "set a resource limit on the command (repeatable): nofile=1024:4096",
           "rlimit"},
          {"timeout", 't', "DURATION", "end the command after this wall-clock time (exit status 124)"},
          {"kill-after", 'k', "DURATION", "after the timeout's SIGTERM, wait this long, then SIGKILL (default 5s)"},
      },
      [](RunOptions& opts, std::string_view name, const std::string& value) {
        if (name == "rlimit")
          opts.command.rlimits.push_back(parse_rlimit_setting(value));
        else if (name == "timeout")
          opts.timeout = parse_duration(value);
        else if (name == "kill-after")
          opts.kill_after = parse_duration(value);
        else
          return false;
        return true;
      },
  };
  return group;
}

const FlagGroup& report_flags() {
  static const FlagGroup group{
      {
          {"report", 0, "FILE", "write a human-readable usage report to FILE ('-' = stderr)", "file"},
          {"json", 0, "FILE", "write the report as one JSON object to FILE ('-' = stderr)", "file"},
          {"trace", 0, "FILE",
           "record memory, CPU and processes over time to FILE (JSON lines; CSV if *.csv); "
           "draw it with 'reins plot FILE'",
           "file"},
          {"trace-interval", 0, "DURATION", "how often --trace samples (default 100ms)"},
      },
      [](RunOptions& opts, std::string_view name, const std::string& value) {
        if (name == "trace")
          opts.trace_path = value;
        else if (name == "trace-interval")
          opts.trace_interval = parse_duration(value);
        return name == "report" || name == "json" || name == "trace" || name == "trace-interval";
      },
  };
  return group;
}

std::vector<Option> options_of(std::initializer_list<const FlagGroup*> groups, std::vector<Option> extra) {
  std::vector<Option> all;
  for (const auto* g : groups) all.insert(all.end(), g->options.begin(), g->options.end());
  // A command's own option keeps its short name over a shared one (`reins init -p` is tini's --pdeathsig;
  // the shared -p/--property stays reachable as --property there).
  for (auto& o : all)
    for (const auto& e : extra)
      if (o.short_name && o.short_name == e.short_name) o.short_name = 0;
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

void apply_groups(RunOptions& opts, const ParsedArgs& args, std::initializer_list<const FlagGroup*> groups) {
  for (const auto& [opt, value] : args.options)
    for (const auto* g : groups)
      if (g->apply(opts, opt->long_name, value)) break;
}

ReportOutputs ReportOutputs::open(const ParsedArgs& args) {
  ReportOutputs out;
  if (auto* p = args.last("report")) out.text = OutputFile::open(*p);
  if (auto* p = args.last("json")) out.json = OutputFile::open(*p);
  return out;
}

void ReportOutputs::write(const RunReport& report, std::string_view command) const {
  if (text) text->write(report_text(report, command));
  if (json) json->write(report_json(report).dump() + "\n");
}

}  // namespace reins::cli
