// `reins init` shares run's supervision core: the trace, the memory guard, the timeout and the OOM policy
// behave as under `reins run`, and an option init cannot honour is refused rather than ignored.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/support.hpp"
#include "support/temp_dir.hpp"

namespace reins {
namespace {

using Json = nlohmann::json;
using test::last_json_line;
using test::run_capture;

std::vector<std::string> init_argv(std::vector<std::string> options, std::vector<std::string> command) {
  std::vector<std::string> argv{test::reins_bin(), "init", "--subreaper"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.push_back(test::testproc());
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

TEST(InitSupervision, TraceIsWrittenAsUnderRun) {
  test::TempDir dir;
  const std::string trace = dir.path() + "/init.trace";
  auto out = run_capture(init_argv({"--trace", trace, "--trace-interval", "20ms"}, {"exit", "3"}));
  EXPECT_EQ(out.exit_code, 3) << out.err;
  std::string text = dir.read("init.trace");
  ASSERT_FALSE(text.empty()) << "no trace written; stderr: " << out.err;
  auto first = Json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(first.at("type"), "header");
  EXPECT_EQ(first.at("command").back(), "3");
  EXPECT_NE(text.find(R"("event":"exit")"), std::string::npos) << text;
  EXPECT_NE(text.find("exited with code 3"), std::string::npos) << text;
}

TEST(InitSupervision, MemoryGuardEndsTheCommandAsUnderRun) {
  auto out = run_capture(
      init_argv({"--json", "-", "--max-rss", "100M", "--guard-grace", "1s"}, {"grow", "50", "100", "1000"}));
  EXPECT_EQ(out.exit_code, 128 + 15) << "SIGTERM: " << out.err;
  EXPECT_NE(out.err.find("reins init: memory guard: "), std::string::npos) << out.err;
  auto j = last_json_line(out.out);
  EXPECT_EQ(j.at("killed_by"), "guard");
  EXPECT_EQ(j.at("guard").at("metric"), "rss");
  EXPECT_EQ(j.at("guard").at("breach").at("action"), "kill");
}

TEST(InitSupervision, NoKillWarnsWithInitsName) {
  auto out =
      run_capture(init_argv({"--json", "-", "--max-rss", "100M", "--no-kill"}, {"grow", "50", "20", "150", "0.1"}));
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_NE(out.err.find("reins init: memory guard warning: "), std::string::npos) << out.err;
  EXPECT_TRUE(last_json_line(out.out).at("killed_by").is_null());
}

TEST(InitSupervision, TimeoutSaysWhyOnStderrAndInTheReport) {
  auto out = run_capture(init_argv({"--json", "-", "--timeout", "200ms"}, {"pause"}));
  EXPECT_EQ(out.exit_code, 124) << out.err;
  EXPECT_NE(out.err.find("reins init: timed out after 200.0ms: sent SIGTERM"), std::string::npos) << out.err;
  EXPECT_EQ(last_json_line(out.out).at("killed_by"), "timeout");
}

}  // namespace
}  // namespace reins
