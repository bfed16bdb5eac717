// reins limit: show or set the resource limits of a process, as prlimit(1) does.
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "reins/rlimit.hpp"

namespace reins::cli {
namespace {
int limit_main(int argc, char** argv);
}

extern const CommandSpec kLimitCommand;
const CommandSpec kLimitCommand{
    "limit",
    "[--pid PID] [--json] [NAME[=SOFT[:HARD]]...]",
    "show or set resource limits (rlimits) of a process, like prlimit",
    "With no NAME, shows every limit of the process (default: reins' own, which a shell would pass on).\n"
    "NAME alone shows that limit; NAME=VALUE sets it in the process --pid names. VALUE is SOFT:HARD, SOFT:\n"
    "(soft only), :HARD (hard only), or one value for both; 'unlimited' is a value. Sizes take K/M/G (as=2G),\n"
    "times take units (cpu=10s). To run a command under limits: reins run --rlimit NAME=VALUE -- COMMAND.\n"
    "All assignments are checked before the first is applied. Raising a hard limit needs CAP_SYS_RESOURCE.",
    {
        {"pid", 'p', "PID", "the process to show or change (to show: default this one; to change: required)",
         Complete::pid},
        {"json", 0, nullptr, "print the limits as JSON"},
    },
    "  reins limit\n  reins limit --pid 1234 nofile=4096:8192\n  reins limit --json as cpu\n",
    &limit_main,
};

namespace {

std::string unit_name(ResourceUnit u) {
  switch (u) {
    case ResourceUnit::bytes:
      return "bytes";
    case ResourceUnit::seconds:
      return "seconds";
    case ResourceUnit::microseconds:
      return "microseconds";
    case ResourceUnit::count:
      return "";
  }
  return "";
}

nlohmann::ordered_json value_json(RlimitValue v) {
  return v.is_unlimited() ? nlohmann::ordered_json("unlimited") : nlohmann::ordered_json(v.value());
}

void show(const std::vector<Resource>& which, pid_t pid, bool json) {
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (auto r : which) {
      auto l = get_rlimit(r, pid);
      out[std::string(info(r).name)] = {{"soft", value_json(l.soft)},
                                        {"hard", value_json(l.hard)},
                                        {"unit", unit_name(info(r).unit)},
                                        {"description", info(r).description}};
    }
    std::puts(out.dump(2).c_str());
    return;
  }
  std::string text = fmt::format("{:<11}{:<42}{:>12} {:>12} {}\n", "RESOURCE", "DESCRIPTION", "SOFT", "HARD", "UNITS");
  for (auto r : which) {
    auto l = get_rlimit(r, pid);
    text += fmt::format("{:<11}{:<42}{:>12} {:>12} {}\n", info(r).name, info(r).description,
                        format_rlimit_value(r, l.soft), format_rlimit_value(r, l.hard), unit_name(info(r).unit));
  }
  std::fputs(text.c_str(), stdout);
}

int limit_main(int argc, char** argv) {
  ParsedArgs args = parse_args(kLimitCommand, argc, argv);
  pid_t pid = 0;
  if (auto* p = args.last("pid")) pid = parse_pid_arg(*p);
  std::vector<RlimitSetting> settings;
  std::vector<Resource> shown;
  for (const auto& operand : args.operands) {
    if (operand.find('=') != std::string::npos)
      settings.push_back(parse_rlimit_setting(operand));
    else
      shown.push_back(parse_resource(operand));
  }
  // Without --pid the process changed would be this reins, which exits at once: accepted, it would be a
  // silent no-op.
  if (!settings.empty() && !args.has("pid"))
    throw UsageError{
        "setting limits needs --pid PID (without it, reins' own limits would change and end with it); "
        "to run a command under limits: reins run --rlimit nofile=1024 -- COMMAND"};
  apply_rlimits(settings, pid);
  if (settings.empty() && shown.empty())
    for (const auto& r : all_resources()) shown.push_back(r.resource);
  if (!shown.empty()) show(shown, pid, args.has("json"));
  return 0;
}

}  // namespace
}  // namespace reins::cli
