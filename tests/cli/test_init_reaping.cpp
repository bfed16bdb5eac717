// reins init, black box: reaping orphans, ending what remains after the main command (SIGTERM, grace,
// SIGKILL), --wait-all, --group and --pdeathsig. Each feature has a control run without it that must differ.
#include <signal.h>
#include <unistd.h>
#include <algorithm>

#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "init_support.hpp"

namespace reins::test {
namespace {

class InitEnding : public InitAs {};

using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_P(InitEnding, ReapsTwoThousandOrphansThatExitAtOnce) {
  REINS_REQUIRE_AS(GetParam());
  // `orphans 2000 60` counts the orphans reparented to reins, releases them all at once, then polls until reins
  // has no child left but the command itself (zombies included) and prints how long that took.
  auto out = run_capture(init_argv(GetParam(), {}, {testproc(), "orphans", "2000", "60"}));
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_TRUE(contains(out.out, "adopted 2000\n")) << out.out;
  EXPECT_TRUE(contains(out.out, "left 0 after")) << out.out;
  auto at = out.out.find("left 0 after");
  if (at != std::string::npos)
    std::printf("[ figure ] reins init (%s): 2000 orphans reaped %s", GetParam() == As::pid1 ? "PID 1" : "subreaper",
                out.out.substr(at + 7).c_str());
}

TEST(Init, NegativeControlOrphansAreNotOursWithoutSubreaperOrPid1) {
  auto out = run_capture({reins_bin(), "init", "--", testproc(), "orphans", "50", "10"});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_TRUE(contains(out.out, "adopted 0\n")) << out.out;  // they went to some other reaper
}

// Runs init with `options` over `cmd`, returns the JSON report and how long reins took.
std::pair<nlohmann::json, Clock::duration> run_with_report(As as, std::vector<std::string> options,
                                                           std::vector<std::string> cmd, int expected_exit = 0) {
  options.insert(options.end(), {"--json", "-"});
  auto start = Clock::now();
  auto out = run_capture(init_argv(as, std::move(options), std::move(cmd)));
  auto took = Clock::now() - start;
  EXPECT_EQ(out.exit_code, expected_exit) << out.err;
  auto json = test::last_json_line(out.out);
  return {json, took};
}

TEST_P(InitEnding, LeftoverThatIgnoresTermIsKilledAfterTheGrace) {
  REINS_REQUIRE_AS(GetParam());
  std::string marker = unique_name("reins-init-leftover");
  auto [report, took] = run_with_report(GetParam(), {"--grace", "500ms"}, {testproc(), "leave-behind", marker});
  EXPECT_FALSE(process_with_marker_exists(marker));
  EXPECT_GE(took, std::chrono::milliseconds(500));  // the grace was given
  EXPECT_LT(took, std::chrono::seconds(5));         // and reins ended promptly after it
  std::string notes = report["notes"].dump();
  EXPECT_TRUE(contains(notes, "1 processes remained after the command exited: sent SIGTERM")) << notes;
  EXPECT_TRUE(contains(notes, "1 still running 500.0ms after SIGTERM: sent SIGKILL")) << notes;
  EXPECT_EQ(report["job"]["leftovers_killed_count"], 1) << "the figure agrees with the notes";
}

TEST_P(InitEnding, LeftoverThatHonoursTermEndsWithoutWaitingForTheGrace) {
  REINS_REQUIRE_AS(GetParam());
  std::string marker = unique_name("reins-init-daemon");
  // `daemonize` leaves a setsid'ed grandchild: outside the command's process group, so tini -g would miss it.
  auto [report, took] = run_with_report(GetParam(), {"--grace", "60s"}, {testproc(), "daemonize", marker});
  EXPECT_FALSE(process_with_marker_exists(marker));
  EXPECT_LT(took, std::chrono::seconds(30));
  std::string notes = report["notes"].dump();
  EXPECT_TRUE(contains(notes, "sent SIGTERM")) << notes;
  EXPECT_FALSE(contains(notes, "SIGKILL")) << notes;
}

TEST_P(InitEnding, WaitAllWaitsForEveryDescendantAndControlDoesNot) {
  REINS_REQUIRE_AS(GetParam());
  // 2 s: long enough that the control's SIGTERM comes first even on a loaded machine.
  std::string script = std::string("(") + testproc() + " sleep 2; echo late) & echo early";
  auto waited = run_capture(init_argv(GetParam(), {"--wait-all"}, {"sh", "-c", script}));
  EXPECT_EQ(waited.exit_code, 0) << waited.err;
  EXPECT_EQ(waited.out, "early\nlate\n");
  auto ended = run_capture(init_argv(GetParam(), {}, {"sh", "-c", script}));
  EXPECT_EQ(ended.exit_code, 0) << ended.err;
  EXPECT_EQ(ended.out, "early\n");  // the background job got SIGTERM before it could print
}

// sh ignores USR1 and starts two `signals` in its process group; USR1 goes to reins. Returns what was printed.
std::string signal_group(std::vector<std::string> options) {
  std::string t = testproc();
  options.insert(options.end(), {"--grace", "200ms"});
  auto s = Spawned::start(
      init_argv(As::subreaper, options, {"sh", "-c", "trap '' USR1; " + t + " signals & " + t + " signals & wait"}));
  EXPECT_TRUE(s.out.until("ready"));
  EXPECT_TRUE(s.out.until("ready"));
  s.process.signal(SIGUSR1);
  s.process.signal(SIGUSR2);  // ends sh (and, with --group, both `signals`)
  std::string rest = s.out.rest();
  EXPECT_EQ(s.wait(), 128 + SIGUSR2);
  return rest;
}

TEST(Init, GroupSendsSignalsToEveryProcessOfTheCommandsGroup) {
  std::string out = signal_group({"--group"});
  std::string usr1 = strsignal(SIGUSR1);
  auto first = out.find(usr1);
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_NE(out.find(usr1, first + 1), std::string::npos) << out;  // both got it
}

TEST(Init, NegativeControlWithoutGroupOnlyTheCommandGetsSignals) {
  std::string out = signal_group({});
  EXPECT_FALSE(contains(out, strsignal(SIGUSR1))) << out;
  EXPECT_TRUE(contains(out, strsignal(SIGTERM))) << out;  // they were ended as leftovers instead
}

// SIGKILLs reins under `signals`, then sends USR2 to the orphaned command; returns the lines it printed.
std::vector<std::string> after_reins_is_killed(std::vector<std::string> options) {
  auto s = Spawned::start(init_argv(As::subreaper, options, {testproc(), "signals"}));
  EXPECT_TRUE(s.out.until("ready"));
  auto kids = children(s.process.pid());
  EXPECT_EQ(kids.size(), 1u);
  Process command = Process::open(kids.at(0));
  s.process.signal(SIGKILL);
  EXPECT_EQ(s.wait(), 128 + SIGKILL);  // reins has died: a parent-death signal has been sent by now
  command.signal(SIGUSR2);
  std::vector<std::string> lines;
  s.out.until(strsignal(SIGUSR2), std::chrono::seconds(20), &lines);
  // A SIGKILLed reins cannot remove its job: remove it (and the command in it) as a user would.
  if (std::find(options.begin(), options.end(), "--no-job") == options.end())
    run_capture({reins_bin(), "job", "rm", "reins-" + std::to_string(s.process.pid()) + "-0"});
  return lines;
}

TEST(Init, PdeathsigSignalsTheCommandWhenReinsIsKilled) {
  EXPECT_EQ(after_reins_is_killed({"--pdeathsig", "USR1"}),
            (std::vector<std::string>{strsignal(SIGUSR1), strsignal(SIGUSR2)}));
}

TEST(Init, NegativeControlWithoutPdeathsigTheCommandGetsNothing) {
  // Without a job: with one (the default), a command started in it dies with reins (SIGKILL) unless
  // --pdeathsig names another signal.
  EXPECT_EQ(after_reins_is_killed({"--no-job"}), (std::vector<std::string>{strsignal(SIGUSR2)}));
}

REINS_INSTANTIATE_AS(InitEnding);

}  // namespace
}  // namespace reins::test
