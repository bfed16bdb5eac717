// reins plot: draw a trace recorded by `reins run --trace` as a standalone SVG.
#include <cstdio>

#include "command.hpp"
#include "reins/timeline.hpp"
#include "report.hpp"

namespace reins::cli {
namespace {
int plot_main(int argc, char** argv);
}

extern const CommandSpec kPlotCommand;
const CommandSpec kPlotCommand{
    "plot",
    "TRACE [-o FILE.svg]",
    "draw a run's memory and CPU timeline (from reins run --trace) as an SVG picture",
    "Reads TRACE (JSON lines, or CSV if the name ends in .csv) and draws memory over time with the memory limit\n"
    "as a dashed line and events (limit hit, OOM kill, guard breach, exit) marked, and CPU use beneath. The SVG\n"
    "is self-contained: open it in any browser.",
    {
        {"output", 'o', "FILE", "write the SVG to FILE (default: TRACE with .svg in place of its extension)",
         Complete::file},
    },
    "  reins run --trace build.trace -m 2G -- make -j2\n  reins plot build.trace -o build.svg\n",
    &plot_main,
    /*stop_at_first_operand=*/false,
    /*usage_exit=*/2,
    /*failure_exit=*/1,
    nullptr,
    nullptr,
    {},
    Complete::file,
};

namespace {

std::string default_output(const std::string& trace) {
  auto slash = trace.rfind('/'), dot = trace.rfind('.');
  bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (has_ext ? trace.substr(0, dot) : trace) + ".svg";
}

int plot_main(int argc, char** argv) {
  ParsedArgs args = parse_args(kPlotCommand, argc, argv);
  if (args.operands.size() != 1) throw UsageError{"expected exactly one TRACE file"};
  const std::string& trace = args.operands[0];
  std::string output = args.has("output") ? *args.last("output") : default_output(trace);
  Timeline timeline = read_timeline(trace);
  if (timeline.last_line_cut)
    std::fprintf(stderr,
                 "reins plot: warning: the last line of %s is cut short (a run that was killed, a full disk): "
                 "plotted the complete records before it\n",
                 trace.c_str());
  if (timeline.samples_per_point > 1)
    std::fprintf(stderr, "reins plot: %zu samples per point (the largest memory of each), to stay within %zu points\n",
                 timeline.samples_per_point, 2 * kMaxPlottedSamples);
  if (timeline.events_left_out > 0)
    std::fprintf(stderr, "reins plot: warning: %zu events beyond the first %zu left out\n", timeline.events_left_out,
                 kMaxPlottedEvents);
  std::string svg = render_svg(timeline);
  if (output == "-") {
    std::fputs(svg.c_str(), stdout);
  } else {
    auto file = OutputFile::open(output);
    file.write(svg);
    std::fprintf(stderr, "reins plot: wrote %s\n", output.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace reins::cli
