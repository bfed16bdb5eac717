#include "run_flags.hpp"

#include <cstdio>
#include <stdexcept>

#include "json_util.hpp"
#include "reins/error.hpp"
#include "reins/units.hpp"

namespace reins::cli {

const FlagGroup& process_flags() {
  static const FlagGroup group = checked<RunFlags>({
      {{"rlimit", 'r', "NAME=SOFT[:HARD]", "set a resource limit on the command (repeatable): nofile=1024:4096",
        Complete::rlimit},
       [](RunFlags& f, const std::string& v) { f.run.command.rlimits.push_back(parse_rlimit_setting(v)); }},
      {{"timeout", 't', "DURATION", "end the command after this wall-clock time (exit status 124); 0: no timeout"},
       [](RunFlags& f, const std::string& v) {
         // timeout(1): "A duration of 0 disables the associated timeout."
         auto d = parse_duration(v);
         f.run.timeout = d.count() == 0 ? std::nullopt : std::optional<std::chrono::nanoseconds>(d);
       }},
      {{"kill-after", 'k', "DURATION", "after the timeout's SIGTERM, wait this long, then SIGKILL (default 5s)"},
       [](RunFlags& f, const std::string& v) { f.run.kill_after = parse_duration(v); }},
  });
  return group;
}

const FlagGroup& report_flags() {
  static const FlagGroup group = checked<RunFlags>({
      {{"report", 0, "FILE", "write a human-readable usage report to FILE ('-' = stderr)", Complete::file},
       [](RunFlags& f, const std::string& v) { f.report_path = v; }},
      {{"json", 0, "FILE", "write the report as one JSON object to FILE ('-' = stderr)", Complete::file},
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

void no_handler(const Option& option) {
  throw std::logic_error(std::string("reins: internal error: option --") + option.long_name + " has no handler");
}

std::vector<Option> options_of(std::initializer_list<const FlagGroup*> groups, std::vector<Option> extra) {
  std::vector<Option> all;
  for (const auto* g : groups)
    for (const auto& f : *g) all.push_back(f.option);
  // A command's own option keeps its short name over a shared one (`reins init -p` is tini's --pdeathsig;
  // the shared -p/--property stays reachable as --property there).
  for (auto& o : all)
    for (const auto& e : extra)
      if (o.short_name && o.short_name == e.short_name) o.short_name = 0;
  all.insert(all.end(), extra.begin(), extra.end());
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

ReportOutputs ReportOutputs::open(const RunFlags& flags) {
  ReportOutputs out;
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
  write_each(json, command, dump_line(report_json(report)));
}

void ReportOutputs::write_failure(const std::vector<std::string>& argv, int exit_code, const std::string& error,
                                  std::string_view command) {
  write_each(text, command, failure_text(argv, exit_code, error, command));
  write_each(json, command, dump_line(failure_json(argv, exit_code, error)));
}

}  // namespace reins::cli
