// `reins run --max-pss` (and --max-rss, --max-uss, --no-kill): the command's whole tree is guarded, the
// report says killed_by "guard" with the peak and the limit, and --no-kill only warns.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/support.hpp"

namespace reins {
namespace {

using Json = nlohmann::json;
using test::last_json_line;
using test::run_capture;

test::Output run(std::vector<std::string> options, std::vector<std::string> command) {
  std::vector<std::string> argv{test::reins_bin(), "run", "--json", "-"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.push_back(test::testproc());
  argv.insert(argv.end(), command.begin(), command.end());
  return run_capture(argv);
}

TEST(RunGuardCli, MaxPssKillsTheCommandAndTheReportSaysGuard) {
  auto out = run({"--max-pss", "200M"}, {"grow", "50", "100", "1000"});
  EXPECT_EQ(out.exit_code, 128 + 15) << "SIGTERM: " << out.err;
  EXPECT_NE(out.err.find("reins run: memory guard: "), std::string::npos) << out.err;
  auto j = last_json_line(out.out);
  EXPECT_EQ(j.at("killed_by"), "guard");
  const auto& g = j.at("guard");
  EXPECT_EQ(g.at("metric"), "pss");
  EXPECT_EQ(g.at("limit_bytes"), 200u << 20);
  EXPECT_GT(g.at("peak_bytes").get<std::uint64_t>(), 200u << 20);
  EXPECT_EQ(g.at("breach").at("action"), "kill");
}

TEST(RunGuardCli, NoKillWarnsAndTheCommandEndsNormally) {
  auto out = run({"--max-rss", "100M", "--no-kill"}, {"grow", "50", "20", "150", "0.1"});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_NE(out.err.find("reins run: memory guard warning: "), std::string::npos) << out.err;
  auto j = last_json_line(out.out);
  EXPECT_TRUE(j.at("killed_by").is_null());
  EXPECT_EQ(j.at("guard").at("breach").at("action"), "report");
  EXPECT_EQ(j.at("guard").at("metric"), "rss");
}

TEST(RunGuardCli, TheWholeTreeIsKilledWithOrWithoutAJob) {
  std::vector<std::string> flags{"--no-job"};
  // The default: a job, which root can make (it needs no controller, so any cgroup layout will do).
  if (::geteuid() == 0) flags.push_back("");
  for (const std::string& job_flag : flags) {
    std::string marker = "3600." + std::to_string(::getpid()) + (job_flag == "--no-job" ? "1" : "2");
    std::vector<std::string> options{"--max-uss", "150M", "--guard-grace", "1s"};
    if (!job_flag.empty()) options.push_back(job_flag);
    auto out = run(options, {"parent", "grow", "50", "100", "1000", marker});
    EXPECT_EQ(out.exit_code, 128 + 15) << job_flag << ": " << out.err;
    auto j = last_json_line(out.out);
    EXPECT_EQ(j.at("job").is_object(), job_flag.empty()) << job_flag << ": " << j.at("job_unavailable");
    EXPECT_EQ(j.at("killed_by"), "guard") << job_flag;
    EXPECT_EQ(j.at("guard").at("breach").at("signalled_count"), 2) << job_flag << ": the parent and its child";
    EXPECT_FALSE(test::process_with_marker_exists(marker)) << job_flag << ": the growing child is left";
  }
}

TEST(RunGuardCli, GuardFlagsNeedALimit) {
  auto out = run_capture({test::reins_bin(), "run", "--no-kill", "--", "true"});
  EXPECT_EQ(out.exit_code, 125);
  EXPECT_NE(out.err.find("need a limit"), std::string::npos) << out.err;
}

}  // namespace
}  // namespace reins
