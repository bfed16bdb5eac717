#include <gtest/gtest.h>

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

#include "reins/error.hpp"
#include "reins/timeline.hpp"
#include "support/support.hpp"

namespace reins {
namespace {

Timeline sample_timeline() {
  Timeline tl;
  tl.command = {"make", "-j2", "<all>"};
  tl.interval_s = 0.1;
  tl.memory_limit_bytes = 256ull << 20;
  for (int i = 0; i <= 20; ++i)
    tl.samples.push_back(
        {i * 0.1, static_cast<std::uint64_t>(i) * (std::uint64_t{12} << 20),
         i % 2 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(i) * (std::uint64_t{10} << 20)) : std::nullopt,
         i * 0.08, 3});
  tl.events.push_back({1.9, "memory-limit", "failcnt 4"});
  tl.events.push_back({2.0, "oom", "oom_kill 1"});
  return tl;
}

void round_trip(const std::string& path) {
  Timeline in = sample_timeline();
  {
    TimelineWriter w(path, in);
    for (const auto& s : in.samples) w.sample(s);
    for (const auto& e : in.events) w.event(e);
  }
  Timeline out = read_timeline(path);
  unlink(path.c_str());
  EXPECT_EQ(out.command.size(), path.ends_with(".csv") ? 3u : in.command.size());
  EXPECT_EQ(out.memory_limit_bytes, in.memory_limit_bytes);
  ASSERT_EQ(out.samples.size(), in.samples.size());
  for (size_t i = 0; i < in.samples.size(); ++i) {
    EXPECT_NEAR(out.samples[i].t, in.samples[i].t, 1e-3);
    EXPECT_EQ(out.samples[i].memory_bytes, in.samples[i].memory_bytes);
    EXPECT_EQ(out.samples[i].pss_bytes, in.samples[i].pss_bytes) << "absent stays absent";
    EXPECT_EQ(out.samples[i].pids, in.samples[i].pids);
  }
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[1].event, "oom");
  EXPECT_EQ(out.events[1].detail, "oom_kill 1");
}

TEST(Timeline, JsonLinesRoundTrip) { round_trip("/tmp/" + test::unique_name() + ".trace"); }
TEST(Timeline, CsvRoundTrip) { round_trip("/tmp/" + test::unique_name() + ".csv"); }

TEST(Timeline, SvgHasTheSeriesTheLimitAndTheEvents) {
  std::string svg = render_svg(sample_timeline());
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find(R"(class="memory")"), std::string::npos);
  EXPECT_NE(svg.find(R"(class="pss")"), std::string::npos);
  EXPECT_NE(svg.find(R"(class="cpu")"), std::string::npos);
  EXPECT_NE(svg.find("limit 256 MiB"), std::string::npos);
  EXPECT_NE(svg.find("oom: oom_kill 1"), std::string::npos);
  EXPECT_NE(svg.find("&lt;all&gt;"), std::string::npos) << "text is escaped";
  EXPECT_NE(svg.find("MiB</text>"), std::string::npos) << "axes in human units";
  // Well-formed XML, checked by a real parser.
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3 to parse the SVG as XML (VM lanes)";
  std::string path = "/tmp/" + test::unique_name() + ".svg";
  std::ofstream(path) << svg;
  auto check = test::run_capture(
      {"/usr/bin/python3", "-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])", path});
  unlink(path.c_str());
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST(Timeline, NoSamplesIsAClearError) {
  Timeline tl;
  tl.command = {"true"};
  try {
    render_svg(tl);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("no samples"), std::string::npos);
  }
}

TEST(Timeline, BadLineIsNamed) {
  std::string path = "/tmp/" + test::unique_name() + ".trace";
  std::ofstream(path) << R"({"type":"header","command":["x"]})"
                         "\n"
                         "not json\n";
  try {
    read_timeline(path);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
  }
  unlink(path.c_str());
  EXPECT_THROW(read_timeline("/nonexistent/trace"), Error);
}

// What a killed run or a full disk leaves: a last line without its newline. Its records are plotted, the cut
// line is left out and said; a bad line elsewhere is still an error, quoted with its bytes escaped.
TEST(Timeline, ACutLastLineIsLeftOutAndSaid) {
  const std::string head = R"({"type":"header","command":["x"]})"
                           "\n"
                           R"({"type":"sample","t":0.1,"memory_bytes":5})"
                           "\n";
  Timeline tl = parse_timeline(head + R"({"type":"sample","t":0.2,"mem)", false);
  EXPECT_TRUE(tl.last_line_cut);
  ASSERT_EQ(tl.samples.size(), 1u);
  EXPECT_FALSE(parse_timeline(head, false).last_line_cut);
  try {
    parse_timeline(head + "bad \x1b[31m line\n" +
                       R"({"type":"sample","t":0.3})"
                       "\n",
                   false);
    FAIL() << "a bad line in the middle is an error";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("bad \\x1b[31m line"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\x1b'), std::string::npos);
  }
}

// A trace of any length reads into a bounded timeline, and thinning keeps the peak.
TEST(Timeline, AHugeTraceIsThinnedAndKeepsItsPeak) {
  std::string text = R"({"type":"header","command":["x"]})"
                     "\n";
  const std::size_t n = 5 * kMaxPlottedSamples + 17;
  for (std::size_t i = 0; i < n; ++i)
    text +=
        fmt::format(R"({{"type":"sample","t":{},"memory_bytes":{},"cpu_s":{}}})"
                    "\n",
                    static_cast<double>(i) * 0.1, i == 33333 ? 999999999 : 1000 + i % 7, static_cast<double>(i) * 0.01);
  for (std::size_t i = 0; i < kMaxPlottedEvents + 5; ++i)
    text += R"({"type":"event","t":1,"event":"exit"})"
            "\n";
  Timeline tl = parse_timeline(text, false);
  EXPECT_LE(tl.samples.size(), 2 * kMaxPlottedSamples);
  EXPECT_GT(tl.samples_per_point, 1u);
  std::uint64_t peak = 0;
  for (const auto& s : tl.samples) peak = std::max(peak, s.memory_bytes.value_or(0));
  EXPECT_EQ(peak, 999999999u) << "the spike survives thinning";
  EXPECT_NEAR(*tl.samples.back().cpu_s, static_cast<double>(n - 1) * 0.01, 1e-6)
      << "the last CPU time of the last point";
  EXPECT_EQ(tl.events.size(), kMaxPlottedEvents);
  EXPECT_EQ(tl.events_left_out, 5u);
}

}  // namespace
}  // namespace reins
