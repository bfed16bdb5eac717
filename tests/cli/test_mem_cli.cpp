// `reins mem` as a user runs it.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "reins/process.hpp"
#include "support/ready_child.hpp"
#include "support/support.hpp"

namespace reins {
namespace {

using test::ReadyChild;
using test::run_capture;
using Json = nlohmann::json;

test::Output mem(std::vector<std::string> args) {
  args.insert(args.begin(), {test::reins_bin(), "mem"});
  return run_capture(args);
}

TEST(MemCli, ShowsATableOfAProcess) {
  auto hog = ReadyChild::testproc({"memhog", "64"});
  auto out = mem({std::to_string(hog.pid())});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_NE(out.out.find("PSS"), std::string::npos) << out.out;
  EXPECT_NE(out.out.find(std::to_string(hog.pid())), std::string::npos) << out.out;
  EXPECT_NE(out.out.find(" MiB"), std::string::npos) << "human sizes: " << out.out;
  EXPECT_EQ(out.err, "");
}

TEST(MemCli, JsonHasTheBytes) {
  auto hog = ReadyChild::testproc({"memhog", "64"});
  auto out = mem({"--json", "-", std::to_string(hog.pid())});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto j = Json::parse(out.out);
  const auto& p = j.at("processes").at(0);
  EXPECT_EQ(p.at("pid"), hog.pid());
  EXPECT_GE(p.at("pss_bytes").get<std::uint64_t>(), 64u << 20);
  EXPECT_GE(p.at("rss_bytes").get<std::uint64_t>(), p.at("pss_bytes").get<std::uint64_t>());
  EXPECT_TRUE(p.at("errors").empty());
}

TEST(MemCli, TreeShowsEveryProcessAndTheTotal) {
  auto parent = ReadyChild::testproc({"share", "32"});
  auto out = mem({"--tree", "--json", "-", std::to_string(parent.pid())});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto j = Json::parse(out.out);
  const auto& tree = j.at("trees").at(0);
  EXPECT_EQ(tree.at("processes").size(), 2u);
  EXPECT_EQ(tree.at("unreadable_count"), 0);
  EXPECT_GE(tree.at("total").at("pss_bytes").get<std::uint64_t>(), 32u << 20);
  auto text = mem({"--tree", std::to_string(parent.pid())});
  EXPECT_NE(text.out.find("total"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(2 processes)"), std::string::npos) << text.out;
}

TEST(MemCli, AMissingPidExitsOneAndSaysWhy) {
  auto gone = test::spawn_testproc({"exit", "0"});
  gone.wait();
  auto out = mem({std::to_string(gone.pid())});
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.err.find("no such process"), std::string::npos) << out.err;
}

TEST(MemCli, WatchPrintsOneJsonObjectPerLineAndStopsAfterCount) {
  auto hog = ReadyChild::testproc({"memhog", "8"});
  auto out = mem({"--watch", "20ms", "--count", "3", "--json", "-", std::to_string(hog.pid())});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  std::istringstream lines(out.out);
  std::string line;
  int index = 0;
  while (std::getline(lines, line)) EXPECT_EQ(Json::parse(line).at("index"), index++);
  EXPECT_EQ(index, 3);
}

TEST(MemCli, WatchEndsPromptlyAndCleanlyOnInterrupt) {
  auto [out_r, out_w] = test::make_pipe();
  Command c;
  c.argv = {test::reins_bin(), "mem", "--system", "--json", "-", "--watch", "1h"};
  c.stdout_fd = out_w.get();
  Process watcher = Process::spawn(c);
  out_w.reset();
  pollfd pfd{out_r.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 30000), 1) << "the first sample comes at once";
  ASSERT_TRUE(watcher.signal(SIGINT));
  auto result = watcher.wait_for(std::chrono::seconds(30));  // far less than the hour to the next tick
  ASSERT_TRUE(result) << "still running after SIGINT";
  EXPECT_EQ(result->status.shell_code(), 0);
}

TEST(MemCli, SystemShowsMemoryPressureAndOurCgroup) {
  auto out = mem({"--system", "--json", "-"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto j = Json::parse(out.out);
  EXPECT_GT(j.at("system").at("total_bytes").get<std::uint64_t>(), 0u);
  EXPECT_GE(j.at("system").at("total_bytes").get<std::uint64_t>(),
            j.at("system").at("available_bytes").get<std::uint64_t>());
  if (j.contains("cgroup")) {
    EXPECT_FALSE(j.at("cgroup").at("path").get<std::string>().empty());
    EXPECT_TRUE(j.at("cgroup").contains("max_bytes"));
  }
  auto text = mem({"--system"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("MemAvailable"), std::string::npos) << text.out;
}

TEST(MemCli, PssNeedsPtraceAccessButRssStaysKnown) {
  REINS_REQUIRE_ROOT();
  if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "no setpriv (util-linux)";
  auto hog = ReadyChild::testproc({"memhog", "8"});
  auto out = run_capture({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", test::reins_bin(),
                          "mem", "--json", "-", std::to_string(hog.pid())});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto j = Json::parse(out.out);
  const auto& p = j.at("processes").at(0);
  EXPECT_TRUE(p.at("pss_bytes").is_null());
  EXPECT_EQ(p.at("errors").at("smaps_rollup"), "EACCES");
  EXPECT_GE(p.at("rss_bytes").get<std::uint64_t>(), 8u << 20);
}

TEST(MemCli, BadUsageExitsTwo) {
  EXPECT_EQ(mem({}).exit_code, 2);
  EXPECT_EQ(mem({"abc"}).exit_code, 2);
  EXPECT_EQ(mem({"--system", "1"}).exit_code, 2);
  EXPECT_EQ(mem({"--count", "3", "1"}).exit_code, 2);
  EXPECT_EQ(mem({"--watch", "0", "1"}).exit_code, 2);
}

}  // namespace
}  // namespace reins
