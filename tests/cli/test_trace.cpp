// `reins run --trace` records a timeline as the run goes; `reins plot` draws it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/support.hpp"

namespace reins::test {
namespace {

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(CliTrace, RecordsSamplesAndTheExitAndPlotsThem) {
  std::string trace = "/tmp/" + unique_name() + ".trace", svg = trace + ".svg";
  auto run = run_capture(
      {reins_bin(), "run", "--trace", trace, "--trace-interval", "20ms", "--", testproc(), "memhog", "32", "0.3"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto lines = read_lines(trace);
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines.front()["type"], "header");
  size_t samples = 0;
  std::uint64_t peak = 0;
  for (const auto& l : lines)
    if (l["type"] == "sample") {
      ++samples;
      if (l["memory_bytes"].is_number()) peak = std::max(peak, l["memory_bytes"].get<std::uint64_t>());
    }
  EXPECT_GE(samples, 5u) << "0.3 s at 20 ms";
  EXPECT_GE(peak, 32u << 20) << "the 32 MiB the command touched shows in the samples";
  EXPECT_EQ(lines.back()["type"], "event");
  EXPECT_EQ(lines.back()["event"], "exit");

  auto plot = run_capture({reins_bin(), "plot", trace, "-o", svg});
  EXPECT_EQ(plot.exit_code, 0) << plot.err;
  std::ifstream f(svg);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find(R"(class="memory")"), std::string::npos);
  unlink(trace.c_str());
  unlink(svg.c_str());
}

TEST(CliTrace, PlotOfATraceWithoutSamplesIsAClearError) {
  std::string trace = "/tmp/" + unique_name() + ".trace";
  std::ofstream(trace) << R"({"type":"header","version":1,"command":["true"],"interval_s":0.1})"
                          "\n";
  auto plot = run_capture({reins_bin(), "plot", trace, "-o", "/dev/null"});
  EXPECT_NE(plot.exit_code, 0);
  EXPECT_NE(plot.err.find("no samples"), std::string::npos) << plot.err;
  unlink(trace.c_str());
}

TEST(CliTrace, BadTracePathFailsBeforeTheCommandRuns) {
  auto run = run_capture(
      {reins_bin(), "run", "--trace", "/nonexistent-dir/t.trace", "--", "touch", "/tmp/reins-trace-should-not-run"});
  EXPECT_EQ(run.exit_code, 125);
  EXPECT_NE(access("/tmp/reins-trace-should-not-run", F_OK), 0);
}

}  // namespace
}  // namespace reins::test
