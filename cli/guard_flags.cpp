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
  auto limit = [](GuardMetric metric) {
    return [metric](RunFlags& f, const std::string& v) {
      RunGuardOptions& g = guard_of(f.run);
      g.metric = metric;
      g.limit = parse_size(v);
    };
  };
  static const FlagGroup group = checked<RunFlags>({
      {{"max-pss", 0, "SIZE", "end the command's tree (SIGTERM, SIGKILL after the grace) when its PSS passes SIZE"},
       limit(GuardMetric::pss)},
      {{"max-rss", 0, "SIZE", "the same on RSS (shared pages counted in full)"}, limit(GuardMetric::rss)},
      {{"max-uss", 0, "SIZE", "the same on USS (private pages only)"}, limit(GuardMetric::uss)},
      {{"no-kill", 0, nullptr, "with --max-pss/rss/uss: only warn when the limit is passed"},
       [](RunFlags& f, const std::string&) { guard_of(f.run).action = GuardAction::report; }},
      {{"guard-interval", 0, "DURATION", "how often the memory guard samples (default 100ms)"},
       [](RunFlags& f, const std::string& v) { guard_of(f.run).interval = parse_duration(v); }},
      {{"guard-grace", 0, "DURATION", "after the guard's SIGTERM, wait this long, then SIGKILL (default 5s)"},
       [](RunFlags& f, const std::string& v) { guard_of(f.run).grace = parse_duration(v); }},
  });
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
