// `reins watch` as a user runs it: kill past a limit, report only, trees, a target that ends on its own,
// usage errors, and an interrupt that stops guarding without touching the target.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reins/process.hpp"
#include "support/guard_support.hpp"
#include "support/ready_child.hpp"
#include "support/support.hpp"

namespace reins {
namespace {

using test::ReadyChild;
using test::run_capture;
using Json = nlohmann::json;

test::Output watch(std::vector<std::string> args) {
  args.insert(args.begin(), {test::reins_bin(), "watch"});
  return run_capture(args);
}

// The JSON lines of a file, removed afterwards.
std::vector<Json> json_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<Json> out;
  for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
  ::unlink(path.c_str());
  return out;
}

TEST(WatchCli, KillsAProcessPastItsPssLimit) {
  auto child = ReadyChild::testproc({"grow", "50", "100", "1000"});
  std::string json = "/tmp/" + test::unique_name() + ".json";
  auto out = watch({"--pid", std::to_string(child.pid()), "--max-pss", "200M", "--json", json});
  EXPECT_EQ(out.exit_code, 3) << out.err;
  EXPECT_NE(out.err.find("PSS"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("over the limit of 200 MiB"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("sent SIGTERM to 1 process"), std::string::npos) << out.err;
  auto status = child.process().wait().status;
  EXPECT_TRUE(status.signaled() && status.signal() == SIGTERM) << status.describe();
  auto lines = json_lines(json);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].at("event"), "breach");
  EXPECT_EQ(lines[0].at("pid"), child.pid());
  EXPECT_EQ(lines[0].at("metric"), "pss");
  EXPECT_EQ(lines[0].at("limit_bytes"), 200u << 20);
  EXPECT_GT(lines[0].at("value_bytes").get<std::uint64_t>(), 200u << 20);
  EXPECT_EQ(lines[0].at("action"), "kill");
  EXPECT_EQ(lines[1].at("event"), "end");
  EXPECT_EQ(lines[1].at("end"), "killed");
  EXPECT_GE(lines[1].at("stats").at("peak_bytes").get<std::uint64_t>(), 200u << 20);
}

TEST(WatchCli, NoKillReportsAndTheProcessEndsNormally) {
  auto child = ReadyChild::testproc({"grow", "50", "50", "300", "0.3"});
  auto out = watch({"--pid", std::to_string(child.pid()), "--max-rss", "200M", "--no-kill"});
  EXPECT_EQ(out.exit_code, 3) << out.err;
  EXPECT_NE(out.err.find("RSS"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("reported only"), std::string::npos) << out.err;
  auto status = child.process().wait().status;
  EXPECT_TRUE(status.exited() && status.exit_code() == 0) << status.describe();
}

TEST(WatchCli, TreeIsKilledWhole) {
  auto parent = ReadyChild::testproc({"parent", "grow", "50", "100", "1000"});
  pid_t grandchild = test::child_pid_from(parent.lines());
  ASSERT_GT(grandchild, 0);
  Process held = Process::open(grandchild);
  auto out = watch({"--tree", std::to_string(parent.pid()), "--max-uss", "150M", "--name", "build"});
  EXPECT_EQ(out.exit_code, 3) << out.err;
  EXPECT_EQ(out.err.rfind("reins watch: build: USS", 0), 0u) << "named as asked: " << out.err;
  EXPECT_NE(out.err.find("to 2 processes"), std::string::npos) << out.err;
  EXPECT_TRUE(held.has_exited());
  EXPECT_TRUE(parent.process().wait().status.signaled());
}

TEST(WatchCli, ATargetThatEndsOnItsOwnExitsZero) {
  auto child = ReadyChild::testproc({"memhog", "8", "0.2"});
  auto out = watch({"--pid", std::to_string(child.pid()), "--max-rss", "1G", "--json", "-"});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  auto end = test::last_json_line(out.out);
  EXPECT_EQ(end.at("end"), "gone");
  EXPECT_TRUE(end.at("breach").is_null());
}

TEST(WatchCli, BadUsageIsRefused) {
  EXPECT_EQ(watch({"--max-pss", "1G"}).exit_code, 2) << "no target";
  EXPECT_EQ(watch({"--pid", "1", "--tree", "1", "--max-pss", "1G"}).exit_code, 2) << "two targets";
  EXPECT_EQ(watch({"--pid", "1", "--max-pss", "1G", "--max-rss", "1G"}).exit_code, 2) << "two limits";
  EXPECT_EQ(watch({"--pid", "1", "--max-pss", "lots"}).exit_code, 2) << "bad size";
  EXPECT_EQ(watch({"--pid", "1", "--max-pss", "1G", "--per-process"}).exit_code, 2) << "--per-process needs a tree";
  auto gone = watch({"--pid", "4000000", "--max-pss", "1G"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("No such process"), std::string::npos) << gone.err;
}

TEST(WatchCli, SigintStopsGuardingAndLeavesTheTargetAlone) {
  auto child = ReadyChild::testproc({"memhog", "8"});
  auto [err_r, err_w] = test::make_pipe();
  Command c;
  c.argv = {test::reins_bin(), "watch", "--pid", std::to_string(child.pid()), "--max-rss", "1G", "--stats", "1ms"};
  c.stderr_fd = err_w.get();
  Process watcher = Process::spawn(c);
  err_w.reset();
  pollfd pfd{err_r.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 30000), 1) << "a statistics line once it guards";
  ASSERT_TRUE(watcher.signal(SIGINT));
  auto result = watcher.wait_for(std::chrono::seconds(30));
  ASSERT_TRUE(result) << "still running after SIGINT";
  EXPECT_EQ(result->status.shell_code(), 128 + SIGINT);
  EXPECT_FALSE(child.process().has_exited());
}

}  // namespace
}  // namespace reins
