// reins limit: show or set the resource limits of a process, as prlimit(1) does.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <fmt/format.h>

#include "command.hpp"
#include "json_util.hpp"
#include "reins/process.hpp"
#include "reins/rlimit.hpp"
#include "report.hpp"

namespace reins::cli {
namespace {

int limit_main(int argc, char** argv);

// The fixed options, then prlimit's one per resource: --nofile shows it, --nofile=SOFT:HARD sets it.
std::vector<Option> limit_options() {
  std::vector<Option> options{
      {"pid", 0, "PID", "the process to show or change (to show: default this one; to change: required)",
       Complete::pid},
      {"json", 0, "FILE", "write the limits as JSON to FILE ('-' = standard output)", Complete::file},
      {"output", 0, "COLUMNS", "the columns to show, comma-separated: RESOURCE,DESCRIPTION,SOFT,HARD,UNITS"},
      {"noheadings", 0, nullptr, "do not print the heading line"},
      {"raw", 0, nullptr, "columns separated by one space, not aligned"},
  };
  static std::vector<std::string> names;  // the options' long names live as long as the table
  if (names.empty())
    for (const auto& r : all_resources()) names.emplace_back(r.name);
  for (const auto& name : names)
    options.push_back(
        {name.c_str(), 0, "SOFT[:HARD]", "show this limit, or set it (as NAME=SOFT[:HARD])", Complete::nothing, true});
  return options;
}

}  // namespace

extern const CommandSpec kLimitCommand;
const CommandSpec kLimitCommand{
    "limit",
    "[OPTIONS] [NAME[=SOFT[:HARD]]...] [-- COMMAND [ARGS...]]",
    "show or set resource limits (rlimits) of a process, or run a command under them, like prlimit",
    "With no NAME, shows every limit of the process (default: reins' own, which a shell would pass on).\n"
    "NAME alone (or --NAME) shows that limit; NAME=VALUE (or --NAME=VALUE) sets it in the process --pid names,\n"
    "or, after '--', runs COMMAND with it in reins' place, as prlimit does. NAME is prlimit's, in any case\n"
    "(nofile, NOFILE). VALUE is SOFT:HARD, SOFT: (soft only), :HARD (hard only), or one value for both;\n"
    "'unlimited', 'infinity' and -1 mean no limit. Sizes take K/M/G (as=2G), times take units (cpu=10s).\n"
    "All assignments are checked before the first is applied. Raising a hard limit needs CAP_SYS_RESOURCE.",
    limit_options(),
    "  reins limit\n  reins limit --pid 1234 nofile=4096:8192\n  reins limit --nofile=64 -- ./server\n"
    "  reins limit --json - as cpu\n  reins limit --output RESOURCE,SOFT --noheadings --nofile\n",
    &limit_main,
    /*stop_at_first_operand=*/false,
    /*usage_exit=*/2,
    /*failure_exit=*/1,
    nullptr,
    nullptr,
    {{'p', "prlimit's -p PID is --pid PID in reins; in reins -p always means --property"},
     {'o', "the columns are --output COLUMNS; in reins -o always means --output FILE (reins plot)"},
     {'n', "prlimit's -n is --nofile"}},
    Complete::rlimit,
};

namespace {

// What a limit counts, for every row (prlimit leaves the count resources blank).
std::string unit_name(const ResourceInfo& r) {
  switch (r.unit) {
    case ResourceUnit::bytes:
      return "bytes";
    case ResourceUnit::seconds:
      return "seconds";
    case ResourceUnit::microseconds:
      return "microseconds";
    case ResourceUnit::count:
      break;
  }
  if (r.resource == Resource::nofile) return "files";
  if (r.resource == Resource::nproc) return "processes";
  if (r.resource == Resource::locks) return "locks";
  if (r.resource == Resource::sigpending) return "signals";
  return "priority";  // nice, rtprio
}

Json value_json(RlimitValue v) { return v.is_unlimited() ? Json(nullptr) : Json(v.value()); }

constexpr std::string_view kColumns[] = {"RESOURCE", "DESCRIPTION", "SOFT", "HARD", "UNITS"};

std::vector<std::size_t> parse_columns(const std::string& list) {
  std::vector<std::size_t> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = list.find(',', start);
    std::string name = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto it = std::find(std::begin(kColumns), std::end(kColumns), name);
    if (it == std::end(kColumns))
      throw UsageError{fmt::format(
          "--output '{}': unknown column '{}' (valid: RESOURCE, DESCRIPTION, SOFT, HARD, UNITS)", list, name)};
    out.push_back(static_cast<std::size_t>(it - std::begin(kColumns)));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

struct TableStyle {
  std::vector<std::size_t> columns{0, 1, 2, 3, 4};
  bool headings = true, raw = false;
};

std::string table(const std::vector<Resource>& which, pid_t pid, const TableStyle& style) {
  constexpr int kWidth[] = {-11, -42, 12, 12, 0};  // negative: left-aligned
  std::vector<std::vector<std::string>> rows;
  if (style.headings) rows.emplace_back(std::begin(kColumns), std::end(kColumns));
  for (auto r : which) {
    const auto& i = info(r);
    auto l = get_rlimit(r, pid);
    rows.push_back({std::string(i.name), std::string(i.description), format_rlimit_value(r, l.soft),
                    format_rlimit_value(r, l.hard), unit_name(i)});
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t n = 0; n < style.columns.size(); ++n) {
      const std::size_t c = style.columns[n];
      const bool last = n + 1 == style.columns.size();
      if (style.raw || (last && kWidth[c] < 0) || kWidth[c] == 0)
        line += (n ? " " : "") + row[c];
      else if (kWidth[c] < 0)
        line += fmt::format("{:<{}}", row[c], -kWidth[c]);
      else
        line += fmt::format("{:>{}}{}", row[c], kWidth[c], last ? "" : " ");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

Json limits_json(const std::vector<Resource>& which, pid_t pid) {
  Json limits = Json::object();
  for (auto r : which) {
    const auto& i = info(r);
    auto l = get_rlimit(r, pid);
    limits[std::string(i.name)] = {{"soft", value_json(l.soft)},
                                   {"hard", value_json(l.hard)},
                                   {"unit", unit_name(i)},
                                   {"description", i.description}};
  }
  return {{"schema_version", kJsonSchemaVersion}, {"pid", pid ? pid : ::getpid()}, {"limits", limits}};
}

// Operands and --NAME[=VALUE] options alike: what to set and what to show.
void add_request(const std::string& text, std::vector<RlimitSetting>& settings, std::vector<Resource>& shown) {
  if (text.find('=') != std::string::npos)
    settings.push_back(parse_rlimit_setting(text));
  else
    shown.push_back(parse_resource(text));
}

int limit_main(int argc, char** argv) {
  // prlimit's form: everything after the first "--" is the command to run under the limits.
  int end = 1;
  while (end < argc && std::string_view(argv[end]) != "--") ++end;
  std::vector<std::string> command(argv + std::min(end + 1, argc), argv + argc);
  if (end < argc && command.empty())
    throw UsageError{"'--' with no command after it (usage: reins limit NAME=VALUE -- COMMAND)"};
  ParsedArgs args = parse_args(kLimitCommand, end, argv);
  pid_t pid = 0;
  if (auto* p = args.last("pid")) pid = parse_pid_arg(*p);
  std::vector<RlimitSetting> settings;
  std::vector<Resource> shown;
  for (const auto& [opt, value] : args.options)
    if (opt->arg_optional)
      add_request(value.empty() ? opt->long_name : std::string(opt->long_name) + "=" + value, settings, shown);
  for (const auto& operand : args.operands) add_request(operand, settings, shown);
  TableStyle style;
  if (const auto* columns = args.last("output")) style.columns = parse_columns(*columns);
  style.headings = !args.has("noheadings");
  style.raw = args.has("raw");
  auto json = json_output(args);

  if (!command.empty()) {
    if (args.has("pid")) throw UsageError{"give --pid PID or a COMMAND to run, not both"};
    if (!shown.empty() || json) throw UsageError{"with a COMMAND, give only limits to set (NAME=VALUE)"};
    Command cmd;
    cmd.argv = command;
    cmd.rlimits = settings;
    cmd.inherit_all_fds = true;  // as prlimit's exec does
    Process::exec_in_place(cmd);
  }
  // Without --pid the process changed would be this reins, which exits at once: accepted, it would be a
  // silent no-op.
  if (!settings.empty() && !args.has("pid"))
    throw UsageError{
        "setting limits needs --pid PID (without it, reins' own limits would change and end with it), or a "
        "command to run under them: reins limit nofile=1024 -- COMMAND"};
  apply_rlimits(settings, pid);
  if (settings.empty() && shown.empty())
    for (const auto& r : all_resources()) shown.push_back(r.resource);
  if (shown.empty()) return 0;
  if (json)
    json->write(dump_line(limits_json(shown, pid)));
  else
    std::fputs(table(shown, pid, style).c_str(), stdout);
  return 0;
}

}  // namespace
}  // namespace reins::cli
