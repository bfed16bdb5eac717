// `reins run --cpu-time`: a CPU-time limit for the whole job (every process, all CPUs together), as graders
// need it, where RLIMIT_CPU limits each process alone. Black-box, as root on the real kernel.
#include <nlohmann/json.hpp>

#include "cgroup/fixture.hpp"

namespace reins::test {
namespace {

class CliCpuTime : public CgroupTest {};

Output run_json(const std::string& cpu_time, const std::string& script) {
  return run_capture({reins_bin(), "run", "--cpu-time", cpu_time, "--json", "-", "--", "/bin/sh", "-c", script});
}

// Two spinners of 0.4 s CPU each stay under any per-process limit of 0.6 s; the job's total passes it.
TEST_F(CliCpuTime, TheWholeJobsCpuTimeIsLimitedAndTheEndAttributed) {
  const std::string spin = std::string(testproc()) + " spin 30";
  auto out = run_json("600ms", spin + " & " + spin + "; wait");
  EXPECT_EQ(out.exit_code, 137) << out.err;
  auto j = last_json_line(out.out);
  EXPECT_EQ(j["killed_by"], "cpu-time") << j.dump();
  EXPECT_EQ(j["verdict"], "cpu-time");
  EXPECT_DOUBLE_EQ(j["limits"]["cpu_time_s"].get<double>(), 0.6);
  const double used = j["job"]["cpu_s"].get<double>();
  EXPECT_GE(used, 0.6) << j.dump();
  EXPECT_LT(used, 1.2) << "read too late: " << j.dump();
  EXPECT_NE(out.err.find("of CPU time, its limit is 600.0ms"), std::string::npos) << out.err;
  // The negative control: the same job under a limit it does not reach ends on its own.
  auto fine = run_json("10s", std::string(testproc()) + " spin 0.2");
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
  EXPECT_EQ(last_json_line(fine.out)["verdict"], "ok");
}

TEST_F(CliCpuTime, NeedsAJob) {
  auto out = run_capture({reins_bin(), "run", "--no-job", "--cpu-time", "1s", "--", "true"});
  EXPECT_EQ(out.exit_code, 125);
  EXPECT_NE(out.err.find("--cpu-time need(s) a cgroup job"), std::string::npos) << out.err;
  auto zero = run_capture({reins_bin(), "run", "--cpu-time", "0", "--", "true"});
  EXPECT_EQ(zero.exit_code, 125);
  EXPECT_NE(zero.err.find("give a duration above 0"), std::string::npos) << zero.err;
}

// -m 100 is 100 bytes: the run ended "oom" with no hint that the limit was tiny.
TEST_F(CliCpuTime, AMemoryLimitTooSmallForAnyProcessIsWarnedOfNamingIt) {
  auto tiny = run_capture({reins_bin(), "run", "-m", "100", "--", "true"});
  EXPECT_NE(tiny.err.find("a memory limit of 100 B is below what any process needs"), std::string::npos) << tiny.err;
  auto fine = run_capture({reins_bin(), "run", "-m", "100M", "--", "true"});
  EXPECT_EQ(fine.err, "") << "the negative control";
}

}  // namespace
}  // namespace reins::test
