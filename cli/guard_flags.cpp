// The memory guard flags of `reins run` and `reins init`: --max-pss/--max-rss/--max-uss SIZE guard the command's whole
// tree (its job's processes), --no-kill turns a breach into a warning printed as it happens.
#include <cstdio>

#include <fmt/format.h>

#include "reins/units.hpp"
#include "run_flags.hpp"

namespace reins::cli {
namespace {

RunGuardOptions& guard_of(RunOptions& opts) {
  if (!opts.guard) opts.guard.emplace();
  return *opts.guard;
}

}  // namespace

const FlagGroup& guard_flags() {
  static const FlagGroup group{
      {
          {"max-pss", 0, "SIZE", "end the command's tree (SIGTERM, SIGKILL after the grace) when its PSS passes SIZE"},
          {"max-rss", 0, "SIZE", "the same on RSS (shared pages counted in full)"},
          {"max-uss", 0, "SIZE", "the same on USS (private pages only)"},
          {"no-kill", 0, nullptr, "with --max-pss/rss/uss: only warn when the limit is passed"},
          {"guard-interval", 0, "DURATION", "how often the memory guard samples (default 100ms)"},
          {"guard-grace", 0, "DURATION", "after the guard's SIGTERM, wait this long, then SIGKILL (default 5s)"},
      },
      [](RunOptions& opts, std::string_view name, const std::string& value) {
        if (name == "max-pss" || name == "max-rss" || name == "max-uss") {
          RunGuardOptions& g = guard_of(opts);
          g.metric = name == "max-pss" ? GuardMetric::pss : name == "max-rss" ? GuardMetric::rss : GuardMetric::uss;
          g.limit = parse_size(value);
        } else if (name == "no-kill") {
          guard_of(opts).action = GuardAction::report;
        } else if (name == "guard-interval") {
          guard_of(opts).interval = parse_duration(value);
        } else if (name == "guard-grace") {
          guard_of(opts).grace = parse_duration(value);
        } else {
          return false;
        }
        return true;
      },
  };
  return group;
}

void finish_guard_flags(RunOptions& opts, std::string_view command) {
  if (!opts.guard) return;
  if (!opts.guard->limit)
    throw UsageError{"--no-kill, --guard-interval and --guard-grace need a limit: --max-pss, --max-rss or --max-uss"};
  // --no-kill's warning, as the breach happens (the report has it too, at the end).
  opts.guard->on_breach = [prefix = fmt::format("reins {}: memory guard warning: ", command)](const GuardBreach& b) {
    if (b.action == GuardAction::report) std::fprintf(stderr, "%s%s\n", prefix.c_str(), b.describe().c_str());
  };
}

}  // namespace reins::cli
