// The memory guard flags of `reins run`: --max-pss/--max-rss/--max-uss SIZE guard the command's whole tree
// (its job's processes), --no-kill turns a breach into a warning printed as it happens.
#include <cstdio>

#include "reins/units.hpp"
#include "run_flags.hpp"

namespace reins::cli {
namespace {

RunGuardOptions& guard_of(RunOptions& opts) {
  if (!opts.guard) {
    opts.guard.emplace();
    opts.guard->on_breach = [](const GuardBreach& b) {
      if (b.action == GuardAction::report) std::fprintf(stderr, "reins run: memory guard warning: %s\n", b.describe().c_str());
    };
  }
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

void check_guard_flags(const RunOptions& opts) {
  if (opts.guard && !opts.guard->limit)
    throw UsageError{"--no-kill, --guard-interval and --guard-grace need a limit: --max-pss, --max-rss or --max-uss"};
}

}  // namespace reins::cli
