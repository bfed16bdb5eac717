// Black-box runs of `reins run` with job limits and of `reins job`, as root on the real kernel: what the
// issue's "How it is checked" lists.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cgroup/fixture.hpp"
#include "reins/job.hpp"
#include "reins/process.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace reins::test {
namespace {

class CliJobs : public CgroupTest {};

using test::last_json_line;

// Kills (through a pidfd) and waits out the processes whose command line holds this test's own marker.
void kill_marked(const std::string& marker) {
  DIR* d = opendir("/proc");
  while (dirent* e = d ? readdir(d) : nullptr) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == getpid()) continue;
    std::ifstream f("/proc/" + std::string(e->d_name) + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (cmdline.find(marker) == std::string::npos) continue;
    try {
      Process p = Process::open(pid);
      // Gone before the fixture's checks: it lives in our cgroup (or the supervisor leaf we share).
      if (p.signal(SIGKILL)) p.wait_exit();
    } catch (const Error&) {
    }
  }
  if (d) closedir(d);
}

// A process with its stdout on a pipe we read.
struct Piped {
  Process process;
  UniqueFd out;
};

Piped spawn_piped(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  UniqueFd r(fds[0]), w(fds[1]);
  Command c;
  c.argv = argv;
  c.stdout_fd = w.get();
  return {Process::spawn(c), std::move(r)};
}

// Reads the "ready\n" a reins-testproc prints once it is in place.
bool read_ready(int fd) {
  char ready[6];
  return read(fd, ready, sizeof ready) == 6;
}

std::vector<std::string> reins(std::vector<std::string> args) {
  args.insert(args.begin(), reins_bin());
  return args;
}

TEST_F(CliJobs, MemoryLimitEndsAHogWithOomAnd137) {
  auto o =
      run_capture(reins({"run", "--json", "-", "--memory", "64M", "--swap", "0", "--", testproc(), "memhog", "200"}));
  EXPECT_EQ(o.exit_code, 137) << o.err;
  json r = last_json_line(o.out);
  EXPECT_TRUE(r["killed_by"] == "oom" || r["killed_by"] == "memory-limit") << r.dump();
  EXPECT_GE(r["job"]["oom_kill_count"].get<int>(), 1);
  EXPECT_LE(r["job"]["peak_memory_bytes"].get<std::uint64_t>(), (64ull << 20) + 256 * 1024) << r.dump();
}

// A shell whose child the OOM killer ends may exit (137) before reins has read the OOM event, or be SIGKILLed
// with the job after it: the cause is "oom" either way, never a matter of which came first.
TEST_F(CliJobs, TheOomCauseDoesNotDependOnWhichEventCameFirst) {
  for (int i = 0; i < 10; ++i) {
    auto o = run_capture(reins({"run", "--json", "-", "-m", "48M", "--swap", "0", "--", "/bin/sh", "-c",
                                "head -c 200m /dev/zero | tail > /dev/null"}));
    json r = last_json_line(o.out);
    EXPECT_EQ(r["reins_exit_code"], 137) << r.dump();
    EXPECT_EQ(r["killed_by"], "oom") << "run " << i << ": " << r.dump();
  }
}

TEST_F(CliJobs, ForkBombUnderPids32EndsCleanlyWithNothingLeft) {
  auto o = run_capture(reins({"run", "--json", "-", "--pids", "32", "--", testproc(), "forkbomb", "0.3101"}));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  json r = last_json_line(o.out);
  EXPECT_LE(r["job"]["peak_pids_count"].get<int>(), 32) << r.dump();
  EXPECT_GT(r["job"]["pids_limit_hit_count"].get<int>(), 0) << r.dump();
  EXPECT_GT(r["job"]["leftovers_killed_count"].get<int>(), 0) << r.dump();
  EXPECT_FALSE(process_with_marker_exists("0.3101"));
}

TEST_F(CliJobs, DoubleForkedSetsidDaemonIsGoneWhenRunReturns) {
  std::string marker = unique_name("reins-daemon-marker");
  auto o = run_capture(reins({"run", "--", testproc(), "daemonize", marker}));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(process_with_marker_exists(marker)) << "the daemon outlived `reins run`";
}

TEST_F(CliJobs, NegativeControlWithoutAJobTheDaemonSurvives) {
  std::string marker = unique_name("reins-daemon-marker");
  auto o = run_capture(reins({"run", "--no-job", "--", testproc(), "daemonize", marker}));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(process_with_marker_exists(marker));
  kill_marked(marker);
}

TEST_F(CliJobs, CpuQuotaOfPoint2GivesAbout0Point4sOver2sAndReportsThrottling) {
  auto o = run_capture(reins({"run", "--json", "-", "--cpus", "0.2", "--", testproc(), "spin", "2"}));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  json r = last_json_line(o.out);
  EXPECT_NEAR(r["job"]["cpu_s"].get<double>(), 0.4, 0.4 * 0.3) << r.dump();
  EXPECT_GT(r["job"]["throttled_period_count"].get<int>(), 5) << r.dump();
  EXPECT_GT(r["job"]["throttled_s"].get<double>(), 0.5) << r.dump();
}

TEST_F(CliJobs, KeepJobLeavesTheJobAndItsDaemonUntilRm) {
  std::string name = job_name(), marker = unique_name("reins-daemon-marker");
  auto o = run_capture(reins({"run", "--keep-job", name, "--", testproc(), "daemonize", marker}));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(process_with_marker_exists(marker));
  auto ps = run_capture(reins({"job", "ps", name}));
  EXPECT_NE(ps.out.find(marker), std::string::npos) << ps.out;
  EXPECT_EQ(run_capture(reins({"job", "rm", name})).exit_code, 0);
  EXPECT_FALSE(process_with_marker_exists(marker));
}

TEST_F(CliJobs, WithoutAPossibleCgroupRunGoesAheadUnlessALimitNeedsOne) {
  // A root that does not exist stands for "no cgroup can be created here".
  auto o = run_capture(
      reins({"run", "--json", "-", "--cgroup-root", "/reins-no-such-parent", "--", testproc(), "exit", "0"}));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("ran without a cgroup job"), std::string::npos) << o.err;
  json r = last_json_line(o.out);
  EXPECT_TRUE(r["job"].is_null());
  EXPECT_FALSE(r["job_unavailable"].is_null());
  auto refused =
      run_capture(reins({"run", "--cgroup-root", "/reins-no-such-parent", "-m", "1G", "--", testproc(), "exit", "0"}));
  EXPECT_EQ(refused.exit_code, 125);
  EXPECT_NE(refused.err.find("MemoryMax"), std::string::npos) << refused.err;
}

// Inside a container the cgroup file system is read-only (Docker's and Podman's default). Shown here with a
// private mount namespace in which every cgroup mount is remounted read-only.
Output with_read_only_cgroups(const std::vector<std::string>& argv) {
  std::string script =
      "for m in /sys/fs/cgroup $(grep -E ' - cgroup2? ' /proc/self/mountinfo | cut -d' ' -f5); do "
      "mount -o remount,bind,ro \"$m\" || exit 98; done; "
      "awk '$5 ~ \"^/sys/fs/cgroup\" && $6 !~ /^ro/ {exit 1}' /proc/self/mountinfo || exit 99; "
      "exec \"$@\"";
  std::vector<std::string> full = {"unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"};
  full.insert(full.end(), argv.begin(), argv.end());
  return run_capture(full);
}

TEST_F(CliJobs, InAContainersReadOnlyCgroupsLimitsSayWhatTheyNeedAndInitRunsQuietly) {
  if (run_capture({"unshare", "-m", "true"}).exit_code != 0)
    GTEST_SKIP() << "no private mount namespace here (unshare -m needs CAP_SYS_ADMIN)";
  // The negative control: the script itself fails (98, 99) unless the mounts really became read-only.
  auto refused = with_read_only_cgroups(reins({"run", "-m", "64M", "--", testproc(), "exit", "0"}));
  ASSERT_NE(refused.exit_code, 98) << refused.err;
  ASSERT_NE(refused.exit_code, 99) << "a cgroup mount is still writable";
  EXPECT_EQ(refused.exit_code, 125) << refused.err;
  EXPECT_NE(refused.err.find("mounted read-only here"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("-v /sys/fs/cgroup:/sys/fs/cgroup:rw"), std::string::npos) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << "one line: " << refused.err;

  auto quiet = with_read_only_cgroups(reins({"init", "--subreaper", "--", testproc(), "exit", "3"}));
  EXPECT_EQ(quiet.exit_code, 3) << quiet.err;
  EXPECT_EQ(quiet.err, "") << "no job is said only with -v or in the report";
  auto told =
      with_read_only_cgroups(reins({"init", "--subreaper", "-v", "--json", "-", "--", testproc(), "exit", "3"}));
  EXPECT_EQ(told.exit_code, 3) << told.err;
  EXPECT_NE(told.err.find("reins init: running without a cgroup job: create cgroup"), std::string::npos) << told.err;
  EXPECT_NE(last_json_line(told.out)["job_unavailable"].get<std::string>().find("read-only"), std::string::npos);
}

TEST_F(CliJobs, SystemdPropertiesSetTheLimits) {
  auto disk = test_disk();
  if (!disk) GTEST_SKIP() << "no whole disk in /sys/block for IOReadBandwidthMax";
  std::string name = job_name();
  auto c = run_capture(reins({"job", "create", name, "-p", "MemoryMax=64M", "-p", "TasksMax=16", "-p", "CPUQuota=20%",
                              "-p", "CPUWeight=50", "-p", "IOReadBandwidthMax=" + disk->path + " 10M"}));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto s = run_capture(reins({"job", "stat", name, "--json", "-"}));
  run_capture(reins({"job", "rm", name}));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  json l = json::parse(s.out)["limits"];
  EXPECT_EQ(l["memory_max_bytes"], 64 << 20);
  EXPECT_EQ(l["pids_max_count"], 16);
  EXPECT_DOUBLE_EQ(l["cpus"].get<double>(), 0.2);
  EXPECT_EQ(l["cpu_weight"], 50);
  ASSERT_EQ(l["io"].size(), 1u) << l.dump();
  EXPECT_EQ(l["io"][0]["value"], 10'000'000);
}

TEST_F(CliJobs, JobLifecycleWithEventsWithin50msOfTheLastExit) {
  std::string name = job_name();
  ASSERT_EQ(run_capture(reins({"job", "create", name, "--pids", "50"})).exit_code, 0);
  // events in the background (it says on stderr once it watches, which this test need not read): it only
  // has to open the job before the command below ends, which it does when told (SIGUSR2), after ps.
  auto [events, r] = spawn_piped(reins({"job", "events", name, "--json", "-", "--until-empty"}));
  auto [exec, exec_out] = spawn_piped(reins({"job", "exec", name, "--", testproc(), "signals"}));
  ASSERT_TRUE(read_ready(exec_out.get())) << "the command inside never said ready";
  auto ps = run_capture(reins({"job", "ps", name}));
  EXPECT_NE(ps.out.find("signals"), std::string::npos) << ps.out;
  EXPECT_EQ(run_capture(reins({"job", "kill", name, "--signal", "USR2"})).exit_code, 0);
  EXPECT_EQ(exec.wait().status.exit_code(), 0);
  auto exited = Clock::now();
  pollfd p{r.get(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1) << "no event line";
  auto reported = Clock::now();
  char buf[512];
  ssize_t n = read(r.get(), buf, sizeof buf);
  ASSERT_GT(n, 0);
  json e = json::parse(
      std::string(buf, static_cast<size_t>(n)).substr(0, std::string(buf, static_cast<size_t>(n)).find('\n')));
  EXPECT_EQ(e["event"], "all-exited");
  EXPECT_EQ(e["job"], name);
  // cgroup2 notifies "populated 0" (cgroup.events); pure v1 cannot, and reins samples cgroup.procs every
  // 50 ms there (kV1SampleInterval), so the bound on v1 is one sample period later.
  bool notified = CgroupLayout::discover().mode() != CgroupMode::v1;
  EXPECT_LT(reported - exited, notified ? 50ms : 100ms) << cgroup_mode_name(CgroupLayout::discover().mode());
  EXPECT_EQ(events.wait().status.exit_code(), 0);
  auto st = run_capture(reins({"job", "stat", name, "--json", "-"}));
  EXPECT_EQ(json::parse(st.out)["pids"].size(), 0u);
  EXPECT_EQ(run_capture(reins({"job", "kill", name})).exit_code, 0);
  EXPECT_EQ(run_capture(reins({"job", "rm", name})).exit_code, 0);
  EXPECT_NE(run_capture(reins({"job", "stat", name})).exit_code, 0);
}

TEST_F(CliJobs, KillEndsEveryMemberAndFreezeStopsThem) {
  std::string name = job_name(), marker = unique_name("reins-marker");
  ASSERT_EQ(run_capture(reins({"job", "create", name})).exit_code, 0);
  auto o = run_capture(reins({"job", "exec", name, "--", "sh", "-c",
                              std::string(testproc()) + " sleep 100 " + marker + " >/dev/null 2>&1 & " + testproc() +
                                  " sleep 100 " + marker + " >/dev/null 2>&1 &"}));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(process_with_marker_exists(marker));
  EXPECT_EQ(run_capture(reins({"job", "freeze", name})).exit_code, 0);
  auto st = json::parse(run_capture(reins({"job", "stat", name, "--json", "-"})).out);
  EXPECT_TRUE(st["frozen"].get<bool>());
  EXPECT_EQ(st["pids"].size(), 2u);
  EXPECT_EQ(run_capture(reins({"job", "thaw", name})).exit_code, 0);
  EXPECT_EQ(run_capture(reins({"job", "kill", name})).exit_code, 0);
  EXPECT_FALSE(process_with_marker_exists(marker));
  EXPECT_EQ(run_capture(reins({"job", "rm", name})).exit_code, 0);
}

TEST_F(CliJobs, AddListSetAndRm) {
  std::string name = job_name();
  ASSERT_EQ(run_capture(reins({"job", "create", name})).exit_code, 0);
  auto list = run_capture(reins({"job", "list", "--json", "-"}));
  EXPECT_NE(json::parse(list.out).dump().find(name), std::string::npos) << list.out;
  Command c;
  c.argv = {testproc(), "sleep", "100"};
  Process outside = Process::spawn(c);
  auto add = run_capture(reins({"job", "add", name, std::to_string(outside.pid())}));
  EXPECT_EQ(add.exit_code, 0) << add.err;
  auto st = json::parse(run_capture(reins({"job", "stat", name, "--json", "-"})).out);
  EXPECT_EQ(st["pids"], json::array({outside.pid()}));
  auto set = run_capture(reins({"job", "set", name, "--pids", "7", "-m", "300M"}));
  EXPECT_EQ(set.exit_code, 0) << set.err;
  st = json::parse(run_capture(reins({"job", "stat", name, "--json", "-"})).out);
  EXPECT_EQ(st["limits"]["pids_max_count"], 7);
  EXPECT_EQ(st["limits"]["memory_max_bytes"], 300 << 20);
  EXPECT_EQ(st["stats"]["pids"]["current_count"], 1) << "the member joined the new pids cgroup";
  if (CgroupLayout::discover().mode() != CgroupMode::v2) {  // memory on v1: no MemoryHigh=, said by name
    auto bad = run_capture(reins({"job", "set", name, "--memory-high", "1G"}));
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_NE(bad.err.find("MemoryHigh"), std::string::npos) << bad.err;
  }
  EXPECT_EQ(run_capture(reins({"job", "rm", name})).exit_code, 0);
  EXPECT_EQ(outside.wait().status.signal(), SIGKILL);
  list = run_capture(reins({"job", "list"}));
  EXPECT_EQ(list.out.find(name), std::string::npos) << list.out;
}

// Runs `reins run RUN_ARGS...` once per entry of `runs` inside a job E made with `-m LIMIT` (as under a Slurm
// step or a container with --memory), then removes E. The outputs, in order.
std::vector<Output> runs_inside_a_limited_job(const std::string& outer, const std::string& limit,
                                              const std::vector<std::vector<std::string>>& runs) {
  std::vector<Output> outs;
  if (run_capture(reins({"job", "create", outer, "-m", limit, "--swap", "0"})).exit_code != 0) return outs;
  for (const auto& args : runs) {
    std::vector<std::string> argv = {"job", "exec", outer, "--", reins_bin(), "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    outs.push_back(run_capture(reins(argv)));
  }
  if (run_capture(reins({"job", "rm", outer})).exit_code != 0) outs.clear();
  return outs;
}

// A job made inside another job E (as under a Slurm step or a container with --memory): E's limit is the
// enclosing one. Below the asked -m, it is named before the command starts and as the OOM's cause. (The
// sizes keep the hog the OOM killer's choice over reins itself, which shares E.)
TEST_F(CliJobs, AnEnclosingLimitBelowTheAskedOneIsNamedBeforehandAndAsTheCause) {
  if (kSanitizedBuild)
    GTEST_SKIP() << "under a sanitizer reins itself holds ~150 MiB (shadow memory) in the enclosing cgroup and is "
                    "the OOM killer's choice there; the plain lane and the VM lanes run this";
  std::string outer = job_name();
  auto outs =
      runs_inside_a_limited_job(outer, "160M", {{"--json", "-", "-m", "320M", "--", testproc(), "memhog", "400"}});
  ASSERT_EQ(outs.size(), 1u) << "the enclosing job could not be made or removed";
  const Output& o = outs[0];
  EXPECT_EQ(o.exit_code, 137) << o.err;
  json r = last_json_line(o.out);
  ASSERT_EQ(r["enclosing_limits"].size(), 1u) << r.dump();
  EXPECT_EQ(r["enclosing_limits"][0]["property"], "MemoryMax");
  EXPECT_EQ(r["enclosing_limits"][0]["value"], 160 << 20);
  std::string cgroup = r["enclosing_limits"][0]["cgroup"];
  EXPECT_EQ(cgroup.substr(cgroup.rfind('/') + 1), outer);
  EXPECT_EQ(r["killed_by"], "oom") << r.dump();
  EXPECT_EQ(r["job"]["memory_limit_hit_count"], 0) << "the job's own limit was never reached: " << r.dump();
  auto warning =
      o.err.find("reins run: warning: the enclosing cgroup " + cgroup + " allows 160 MiB (MemoryMax), below");
  EXPECT_LT(warning, o.err.find("\n{")) << "said before the command ran, not only in the report: " << o.err;
  EXPECT_NE(o.err.find("at the enclosing cgroup " + cgroup + "'s limit of 160 MiB, not the job's own"),
            std::string::npos)
      << o.err;
}

// Without a job of its own (--no-job here; a container's read-only cgroups in real life), the OOM kill still
// shows in the cgroup reins is in, and the report says so instead of only "SIGKILL".
TEST_F(CliJobs, WithoutAJobAnOomInTheEnclosingCgroupIsStillReported) {
  if (kSanitizedBuild)
    GTEST_SKIP() << "under a sanitizer reins itself holds ~150 MiB (shadow memory) in the enclosing cgroup and is "
                    "the OOM killer's choice there; the plain lane and the VM lanes run this";
  auto outs = runs_inside_a_limited_job(job_name(), "160M",
                                        {{"--no-job", "--json", "-", "--", testproc(), "memhog", "400"},
                                         {"--no-job", "--json", "-", "--", testproc(), "memhog", "8", "0"}});
  ASSERT_EQ(outs.size(), 2u) << "the enclosing job could not be made or removed";
  const Output &o = outs[0], &fine = outs[1];
  EXPECT_EQ(o.exit_code, 137) << o.err;
  json r = last_json_line(o.out);
  EXPECT_EQ(r["killed_by"], "oom") << r.dump();
  EXPECT_TRUE(r["job"].is_null());
  EXPECT_NE(o.err.find("the OOM killer acted in reins' own cgroup (1 kill, at the limit of 160 MiB that"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(fine.exit_code, 0) << "the negative control: under the limit, nothing is blamed: " << fine.err;
  EXPECT_TRUE(last_json_line(fine.out)["killed_by"].is_null()) << fine.err;
}

// The negative control: an enclosing limit above the asked one is reported but neither warned of nor blamed.
TEST_F(CliJobs, AnEnclosingLimitAboveTheAskedOneIsNeitherWarnedOfNorBlamed) {
  auto outs = runs_inside_a_limited_job(
      job_name(), "400M", {{"--json", "-", "-m", "48M", "--swap", "0", "--", testproc(), "memhog", "80"}});
  ASSERT_EQ(outs.size(), 1u) << "the enclosing job could not be made or removed";
  const Output& o = outs[0];
  EXPECT_EQ(o.exit_code, 137) << o.err;
  json r = last_json_line(o.out);
  ASSERT_EQ(r["enclosing_limits"].size(), 1u) << r.dump();
  EXPECT_EQ(r["enclosing_limits"][0]["value"], 400 << 20);
  EXPECT_GT(r["job"]["memory_limit_hit_count"].get<int>(), 0) << r.dump();
  EXPECT_EQ(o.err.find("warning"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("enclosing cgroup"), std::string::npos) << o.err;
}

// --cgroup-root must stay inside the hierarchies: "/.." reached the mount's parent and listed PID 1.
TEST_F(CliJobs, ACgroupRootWithDotDotIsRefusedBeforeAnythingIsRead) {
  for (const char* root : {"/..", "/a/../..", "relative", "/./x"}) {
    auto o = run_capture(reins({"job", "ps", "unified", "--cgroup-root", root}));
    EXPECT_EQ(o.exit_code, 2) << root << ": " << o.out << o.err;
    EXPECT_NE(o.err.find("invalid cgroup root '" + std::string(root) + "'"), std::string::npos) << o.err;
    EXPECT_EQ(o.out, "") << "nothing listed";
    auto r = run_capture(reins({"run", "--cgroup-root", root, "--", testproc(), "exit", "0"}));
    EXPECT_EQ(r.exit_code, 125) << root << ": " << r.err;
  }
}

// The kernel's control-file names pass the character check but are not jobs (they broke stat and rm later).
TEST_F(CliJobs, ControlFileNamesAreRefusedUpFrontAndNothingIsMade) {
  for (const char* name : {"tasks", "notify_on_release", "memory.max", "cgroup.procs", ".hidden"}) {
    auto o = run_capture(reins({"job", "create", name}));
    EXPECT_EQ(o.exit_code, 2) << name << ": " << o.err;
    EXPECT_NE(o.err.find("control files"), std::string::npos) << o.err;
  }
  EXPECT_EQ(run_capture(reins({"job", "list"})).out.find("tasks"), std::string::npos);
}

TEST_F(CliJobs, ASecondCreateSaysTheJobExists) {
  std::string name = job_name();
  ASSERT_EQ(run_capture(reins({"job", "create", name})).exit_code, 0);
  auto again = run_capture(reins({"job", "create", name}));
  EXPECT_EQ(run_capture(reins({"job", "rm", name})).exit_code, 0);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("job '" + name + "' exists"), std::string::npos) << again.err;
}

// A cgroup without reins' marker (made by hand, by another tool) is not acted on unless adopted.
TEST_F(CliJobs, ACgroupReinsDidNotMakeIsLeftAloneUnlessAdopted) {
  std::string name = job_name();
  ASSERT_EQ(run_capture(reins({"job", "create", name})).exit_code, 0);
  std::string core = Job::open(name).paths().front();
  if (removexattr(core.c_str(), "user.reins.job") != 0) {
    run_capture(reins({"job", "rm", name}));
    GTEST_SKIP() << "the core cgroup file system keeps no user xattrs (cgroup v1): reins cannot mark its jobs";
  }
  auto ps = run_capture(reins({"job", "ps", name}));
  EXPECT_EQ(ps.exit_code, 1);
  EXPECT_NE(ps.err.find("is not a reins job"), std::string::npos) << ps.err;
  EXPECT_NE(ps.err.find("--adopt"), std::string::npos) << ps.err;
  EXPECT_EQ(run_capture(reins({"job", "rm", name})).exit_code, 1);
  EXPECT_EQ(access(core.c_str(), F_OK), 0) << "refused: the cgroup is still there";
  EXPECT_EQ(run_capture(reins({"job", "list"})).out.find(name), std::string::npos) << "not listed as a job";
  // The negative control: adopted, the same actions work.
  EXPECT_EQ(run_capture(reins({"job", "ps", name, "--adopt"})).exit_code, 0);
  EXPECT_EQ(run_capture(reins({"job", "rm", name, "--adopt"})).exit_code, 0);
  EXPECT_NE(access(core.c_str(), F_OK), 0);
}

TEST_F(CliJobs, ArgumentsAreCheckedBeforeLookupsAndExecFailuresExit125) {
  auto bad_signal = run_capture(reins({"job", "kill", "reins-no-such-job", "--signal", "FOO"}));
  EXPECT_EQ(bad_signal.exit_code, 2) << bad_signal.err;
  auto missing = run_capture(reins({"job", "exec", "reins-no-such-job", "--", testproc(), "exit", "1"}));
  EXPECT_EQ(missing.exit_code, 125) << "not 1, which the command could have returned: " << missing.err;
}

TEST_F(CliJobs, TheCommandDiesWithTheSupervisor) {
  std::string name = job_name();
  auto [supervisor, out] = spawn_piped(reins({"run", "--keep-job", name, "--", testproc(), "ignore-term", "100"}));
  ASSERT_TRUE(read_ready(out.get()));
  Job job = Job::open(name);
  auto pids = job.pids();
  ASSERT_EQ(pids.size(), 1u);
  Process command = Process::open(pids[0]);
  supervisor.signal(SIGKILL);
  supervisor.wait();
  // PR_SET_PDEATHSIG: the command goes with the supervisor even though nobody could clean up.
  pollfd p{command.pidfd(), POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 2000), 1) << "the command outlived its killed supervisor";
  job.remove();
}

TEST_F(CliJobs, AJobLeftByAKilledRunIsRemovedByTheNextRun) {
  auto [supervisor, out] = spawn_piped(reins({"run", "--memory", "64M", "--", testproc(), "memhog", "1"}));
  ASSERT_TRUE(read_ready(out.get()));
  std::string left = "reins-" + std::to_string(supervisor.pid()) + "-0";
  Job job = Job::open(left);
  auto jobs = Job::list();
  if (std::find(jobs.begin(), jobs.end(), left) == jobs.end()) {
    supervisor.signal(SIGKILL);
    supervisor.wait();
    job.remove();
    GTEST_SKIP() << "the core cgroup file system keeps no user xattrs (cgroup v1): reins cannot mark its jobs";
  }
  supervisor.signal(SIGKILL);
  supervisor.wait();
  ASSERT_TRUE(job.wait_empty(5s)) << "the command died with its supervisor (PR_SET_PDEATHSIG)";

  auto o = run_capture(reins({"run", "--json", "-", "--", testproc(), "exit", "0"}));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  auto notes = last_json_line(o.out)["notes"].dump();
  EXPECT_NE(notes.find(left), std::string::npos) << notes;
  EXPECT_THROW(Job::open(left), Error) << left << " is still there";
}

TEST_F(CliJobs, JobCleanRemovesWhatAKilledRunLeftAndNothingElse) {
  std::string kept = job_name();
  ASSERT_EQ(run_capture(reins({"job", "create", kept})).exit_code, 0);
  auto [supervisor, out] = spawn_piped(reins({"run", "--", testproc(), "memhog", "1"}));
  ASSERT_TRUE(read_ready(out.get()));
  std::string left = "reins-" + std::to_string(supervisor.pid()) + "-0";
  Job job = Job::open(left);
  auto jobs = Job::list();
  bool marked = std::find(jobs.begin(), jobs.end(), left) != jobs.end();
  supervisor.signal(SIGKILL);
  supervisor.wait();
  ASSERT_TRUE(job.wait_empty(5s));
  auto clean = run_capture(reins({"job", "clean", "--json", "-"}));
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  Job::open(kept).remove();
  if (!marked) {
    job.remove();
    GTEST_SKIP() << "the core cgroup file system keeps no user xattrs (cgroup v1): reins cannot mark its jobs";
  }
  auto removed = json::parse(clean.out)["jobs"];
  EXPECT_NE(std::find(removed.begin(), removed.end(), left), removed.end()) << clean.out;
  EXPECT_EQ(std::find(removed.begin(), removed.end(), kept), removed.end()) << "a released job is not abandoned";
  EXPECT_THROW(Job::open(left), Error);
}

// A SIGKILLed supervisor cannot end its job; its command dies with it (PR_SET_PDEATHSIG), but daemons it
// started do not. The next sweep (job clean, or any run) ends them with the job.
TEST_F(CliJobs, WhatAKilledRunLeftRunningIsEndedByTheNextClean) {
  const std::string m1 = "survivor-a-" + job_name(), m2 = "survivor-b-" + job_name();
  const std::string t = testproc();
  auto [supervisor, out] =
      spawn_piped(reins({"run", "--", "/bin/sh", "-c",
                         t + " daemonize " + m1 + "; " + t + " daemonize " + m2 + "; exec " + t + " sleep 3600"}));
  ASSERT_TRUE(read_ready(out.get()));
  ASSERT_TRUE(read_ready(out.get()));
  std::string left = "reins-" + std::to_string(supervisor.pid()) + "-0";
  auto jobs = Job::list();
  const bool marked = std::find(jobs.begin(), jobs.end(), left) != jobs.end();
  supervisor.signal(SIGKILL);
  supervisor.wait();
  if (!marked) {
    Job::open(left).remove();
    GTEST_SKIP() << "the core cgroup file system keeps no user xattrs (cgroup v1): reins cannot mark its jobs";
  }
  // The negative control: nothing else ends them.
  EXPECT_TRUE(process_with_marker_exists(m1));
  EXPECT_TRUE(process_with_marker_exists(m2));
  auto clean = run_capture(reins({"job", "clean", "--json", "-"}));
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_NE(clean.out.find(left), std::string::npos) << clean.out;
  EXPECT_FALSE(process_with_marker_exists(m1));
  EXPECT_FALSE(process_with_marker_exists(m2));
  EXPECT_THROW(Job::open(left), Error) << left << " is still there";
}

// On hybrid, a member that writes itself out of the cgroup2 job stays in the job's v1 cgroups: the end of the
// run kills it there too, removes every directory, and the report and exit code are kept.
TEST_F(CliJobs, AMemberThatLeftTheCoreIsStillEndedAndTheJobRemovedWhole) {
  if (CgroupLayout::discover().mode() != CgroupMode::hybrid)
    GTEST_SKIP() << "only hybrid layouts split a job between cgroup2 and v1 hierarchies";
  const std::string marker = "stray-" + job_name();
  const std::string script =
      std::string(
          "m=$(awk '{for (i = 7; $i != \"-\"; i++) {}; if ($(i + 1) == \"cgroup2\") print $5}' /proc/self/mountinfo); "
          "p=$(sed -n 's/^0:://p' /proc/self/cgroup); echo $$ > \"$m${p%/*}/cgroup.procs\" || exit 99; ") +
      "setsid " + testproc() + " sleep 392 " + marker + " & exit 7";
  auto o = run_capture(reins({"run", "--json", "-", "--", "/bin/sh", "-c", script}));
  EXPECT_EQ(o.exit_code, 7) << "the command's own exit code: " << o.err;
  json r = last_json_line(o.out);
  EXPECT_EQ(r["reins_exit_code"], 7);
  EXPECT_FALSE(process_with_marker_exists(marker)) << "the stray in the v1 cgroups outlived its job";
}

TEST_F(CliJobs, ReleasedJobsAndJobsInUseAreNotAbandoned) {
  std::string kept = job_name();
  ASSERT_EQ(run_capture(reins({"job", "create", kept})).exit_code, 0);  // released by reins as it exits
  Job kept_job = Job::open(kept);
  Job ours = Job::create(job_name());  // empty, its owner (this process) alive
  auto removed = Job::remove_abandoned();
  EXPECT_EQ(std::find(removed.begin(), removed.end(), kept), removed.end());
  EXPECT_EQ(std::find(removed.begin(), removed.end(), ours.name()), removed.end());
  EXPECT_NO_THROW(Job::open(kept));
  EXPECT_NO_THROW(Job::open(ours.name()));
  kept_job.remove();
}

// Out of descriptors at any step (prlimit --nofile from 4 up), reins fails cleanly: no job is left behind,
// and none is left marked "released", which nobody would ever remove. (The fixture also fails this test for
// any cgroup it leaves.)
TEST_F(CliJobs, OutOfDescriptorsAtAnyStepLeavesNoJobBehind) {
  if (kSanitizedBuild)
    GTEST_SKIP() << "a sanitizer's runtime needs descriptors of its own (UBSan's vptr check reads /proc): out of "
                    "them it reports errors that are not reins'; the plain lane runs this";
  const auto before = Job::list();
  for (int n = 4; n <= 12; ++n) {
    auto out = run_capture({"prlimit", "--nofile=" + std::to_string(n), reins_bin(), "run", "--", "true"});
    if (out.err.find("error while loading shared libraries") != std::string::npos) continue;  // not reins yet
    EXPECT_TRUE(out.exit_code == 0 || out.exit_code == 125) << "nofile=" << n << ": " << out.err;
    EXPECT_EQ(Job::list(), before) << "nofile=" << n << " left a job: " << out.err;
  }
}

}  // namespace
}  // namespace reins::test
