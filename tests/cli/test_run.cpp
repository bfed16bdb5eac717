// Black-box tests of `reins run` and `reins limit`: the built binary, as a user runs it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reins/process.hpp"
#include "support/support.hpp"

namespace reins::test {
namespace {

std::vector<std::string> reins(std::vector<std::string> args) {
  args.insert(args.begin(), reins_bin());
  return args;
}

TEST(CliRun, ExitCodePropagates) {
  EXPECT_EQ(run_capture(reins({"run", "--", "sh", "-c", "exit 3"})).exit_code, 3);
  EXPECT_EQ(run_capture(reins({"run", "sh", "-c", "exit 0"})).exit_code, 0) << "'--' is optional";
}

TEST(CliRun, DeathBySignalIs128PlusN) {
  EXPECT_EQ(run_capture(reins({"run", "--", "sh", "-c", "kill -TERM $$"})).exit_code, 143);
  EXPECT_EQ(run_capture(reins({"run", "--", "sh", "-c", "kill -KILL $$"})).exit_code, 137);
}

TEST(CliRun, NotFoundAndNotExecutable) {
  auto nf = run_capture(reins({"run", "--", "reins-no-such-cmd"}));
  EXPECT_EQ(nf.exit_code, 127);
  EXPECT_NE(nf.err.find("reins-no-such-cmd"), std::string::npos) << nf.err;
  auto ne = run_capture(reins({"run", "--", "/etc/hostname"}));
  EXPECT_EQ(ne.exit_code, 126);
}

TEST(CliRun, OwnErrorsExit125AndQuoteTheInput) {
  auto bad = run_capture(reins({"run", "--timeout", "5x", "--", "true"}));
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_NE(bad.err.find("'5x'"), std::string::npos) << bad.err;
  auto unknown = run_capture(reins({"run", "--bogus", "--", "true"}));
  EXPECT_EQ(unknown.exit_code, 125);
  EXPECT_NE(unknown.err.find("--bogus"), std::string::npos) << unknown.err;
  auto none = run_capture(reins({"run"}));
  EXPECT_EQ(none.exit_code, 125);
  auto report =
      run_capture(reins({"run", "--json", "/nonexistent-dir/r.json", "--", "touch", "/tmp/reins-should-not-run"}));
  EXPECT_EQ(report.exit_code, 125);
  EXPECT_NE(access("/tmp/reins-should-not-run", F_OK), 0) << "a bad report path fails before the command runs";
}

TEST(CliRun, SilentWithoutReportFlags) {
  auto out = run_capture(reins({"run", "--", "sh", "-c", "echo hi"}));
  EXPECT_EQ(out.out, "hi\n");
  EXPECT_EQ(out.err, "");
}

TEST(CliRun, RlimitsAreVisibleInTheChild) {
  auto out =
      run_capture(reins({"run", "--rlimit", "nofile=1024:2048", "-r", "core=0", "--", "cat", "/proc/self/limits"}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  std::istringstream lines(out.out);
  bool saw_nofile = false, saw_core = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Max open files", 0) == 0) {
      saw_nofile = true;
      EXPECT_NE(line.find("1024                 2048"), std::string::npos) << line;
    }
    if (line.rfind("Max core file size", 0) == 0) {
      saw_core = true;
      EXPECT_NE(line.find(" 0                    0"), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(saw_nofile && saw_core) << out.out;
}

// The pid the command says it has, when started by `reins ARGS... -- sh -c 'echo $$'`, and reins's own pid.
std::pair<pid_t, pid_t> command_and_reins_pids(std::vector<std::string> args) {
  for (const char* word : {"--", "sh", "-c", "echo $$; ulimit -n"}) args.push_back(word);
  auto [r, w] = make_pipe();
  Command c;
  c.argv = reins(args);
  c.stdout_fd = w.get();
  Process p = Process::spawn(c);
  w.reset();
  char buf[64] = {};
  std::string out;
  for (ssize_t n; (n = ::read(r.get(), buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(p.wait().status.exit_code(), 0) << out;
  EXPECT_NE(out.find("\n77\n"), std::string::npos) << "the rlimit holds either way: " << out;
  return {static_cast<pid_t>(std::atoi(out.c_str())), p.pid()};
}

TEST(CliRun, WithNothingToWatchTheCommandTakesReinssPlaceAsWithPrlimit) {
  auto [command, reins_pid] = command_and_reins_pids({"run", "--no-job", "--rlimit", "nofile=77"});
  EXPECT_EQ(command, reins_pid) << "exec'd in place: no supervisor between the caller and the command";
  // Negative control: a timeout is something to watch, so reins stays as the command's parent.
  auto [child, supervisor] = command_and_reins_pids({"run", "--no-job", "--timeout", "1m", "--rlimit", "nofile=77"});
  EXPECT_NE(child, supervisor);
  EXPECT_GT(child, 0);
}

TEST(CliRun, InPlaceExecKeepsTheExitConventions) {
  EXPECT_EQ(run_capture(reins({"run", "--no-job", "--", "sh", "-c", "exit 3"})).exit_code, 3);
  EXPECT_EQ(run_capture(reins({"run", "--no-job", "--", "sh", "-c", "kill -TERM $$"})).exit_code, 128 + SIGTERM);
  auto nf = run_capture(reins({"run", "--no-job", "--", "reins-no-such-cmd"}));
  EXPECT_EQ(nf.exit_code, 127);
  EXPECT_NE(nf.err.find("'reins-no-such-cmd'"), std::string::npos) << nf.err;
  EXPECT_EQ(run_capture(reins({"run", "--no-job", "--", "/etc/hostname"})).exit_code, 126);
}

TEST(CliRun, TimeoutExits124AndTheChildIsGone) {
  std::string marker = unique_name("reins-timeout");
  auto out = run_capture(reins({"run", "--timeout", "200ms", "--", testproc(), "sleep", "60", marker}));
  EXPECT_EQ(out.exit_code, 124);
  EXPECT_NE(out.err.find("timed out"), std::string::npos) << out.err;
  EXPECT_FALSE(process_with_marker_exists(marker));
}

TEST(CliRun, TimeoutEscalatesToKillAfterTheGrace) {
  auto out = run_capture(
      reins({"run", "--timeout", "100ms", "--kill-after", "200ms", "--json", "-", "--", testproc(), "ignore-term"}));
  EXPECT_EQ(out.exit_code, 124);
  auto j = nlohmann::json::parse(out.err.substr(out.err.find('{')));
  EXPECT_EQ(j["signal"], "SIGKILL");
  EXPECT_EQ(j["killed_by"], "timeout");
  EXPECT_GE(j["wall_s"].get<double>(), 0.3);
}

TEST(CliRun, ForwardsTermToTheChild) {
  // reins runs `sh` that sends TERM to its parent (reins); reins forwards it and the child dies of it.
  auto out = run_capture(reins({"run", "--json", "-", "--", "sh", "-c", "kill -TERM $PPID; sleep 10"}));
  EXPECT_EQ(out.exit_code, 143) << out.err;
  auto j = nlohmann::json::parse(out.err.substr(out.err.find('{')));
  EXPECT_EQ(j["signals_forwarded"][0], "SIGTERM");
}

// Max RSS as /usr/bin/time -v reports it for the same command.
long time_v_max_rss_kib(const std::vector<std::string>& cmd) {
  std::vector<std::string> argv{"/usr/bin/time", "-v"};
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  auto out = run_capture(argv);
  auto pos = out.err.find("Maximum resident set size (kbytes): ");
  if (pos == std::string::npos) return -1;
  return std::stol(out.err.substr(pos + 36));
}

TEST(CliRun, JsonReportParsesAndMaxRssMatchesTimeV) {
  if (access("/usr/bin/time", X_OK) != 0) GTEST_SKIP() << "/usr/bin/time is not installed (Debian package 'time')";
  // A child's max RSS includes its life before exec as a copy of reins, which a sanitizer's shadow memory
  // inflates by megabytes.
  if (test::kSanitizedBuild) GTEST_SKIP() << "sanitizer build: reins' own pre-exec RSS is not a release build's";
  std::vector<std::string> cmd{testproc(), "memhog", "64", "0"};
  auto out = run_capture(reins({"run", "--json", "-", "--", testproc(), "memhog", "64", "0"}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto j = nlohmann::json::parse(out.err.substr(out.err.find('{')));
  for (const char* key : {"exit_code", "signal", "wall_s", "user_s", "sys_s", "max_rss_bytes", "killed_by"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_TRUE(j["signal"].is_null());
  EXPECT_TRUE(j["killed_by"].is_null());
  double ours = j["max_rss_bytes"].get<double>();
  double theirs = static_cast<double>(time_v_max_rss_kib(cmd)) * 1024;
  ASSERT_GT(theirs, 0);
  EXPECT_NEAR(ours, theirs, theirs * 0.10) << "reins " << ours << " vs time -v " << theirs;
  EXPECT_GT(ours, 64.0 * 1024 * 1024);
}

TEST(CliRun, HumanReportGoesToAFile) {
  std::string path = "/tmp/" + unique_name() + ".txt";
  auto out = run_capture(reins({"run", "--report", path, "--", "true"}));
  EXPECT_EQ(out.exit_code, 0);
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find("Max resident set size"), std::string::npos) << ss.str();
  EXPECT_NE(ss.str().find("exited with code 0"), std::string::npos) << ss.str();
  unlink(path.c_str());
}

TEST(CliLimit, ShowsAndSetsLimitsOfAnotherProcess) {
  auto all = run_capture(reins({"limit"}));
  EXPECT_EQ(all.exit_code, 0);
  EXPECT_NE(all.out.find("nofile"), std::string::npos);
  EXPECT_NE(all.out.find("rttime"), std::string::npos);

  Command c;
  c.argv = {testproc(), "sleep", "60"};
  auto p = Process::spawn(c);
  std::string pid = std::to_string(p.pid());
  auto set = run_capture(reins({"limit", "--pid", pid, "nofile=64:128"}));
  EXPECT_EQ(set.exit_code, 0) << set.err;
  auto shown = run_capture(reins({"limit", "--pid", pid, "--json", "nofile"}));
  auto j = nlohmann::json::parse(shown.out);
  EXPECT_EQ(j["nofile"]["soft"], 64);
  EXPECT_EQ(j["nofile"]["hard"], 128);
}

TEST(CliLimit, UsageErrorsExit2) {
  EXPECT_EQ(run_capture(reins({"limit", "bogus=1"})).exit_code, 2);
  EXPECT_EQ(run_capture(reins({"limit", "nofile=10:5"})).exit_code, 2);
  EXPECT_EQ(run_capture(reins({"limit", "--pid", "abc"})).exit_code, 2);
  auto gone = run_capture(reins({"limit", "--pid", "999999999"}));
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("999999999"), std::string::npos);
}

// --systemd takes one of three words; anything else is refused, quoted, with the valid ones.
TEST(CliRun, SystemdScopeChoiceIsChecked) {
  auto bad = run_capture(reins({"run", "--systemd", "sometimes", "--", "true"}));
  EXPECT_EQ(bad.exit_code, 125) << "run's usage errors are 125, as timeout(1)'s";
  EXPECT_NE(bad.err.find("'sometimes'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("auto, always or never"), std::string::npos) << bad.err;
  EXPECT_EQ(run_capture(reins({"run", "--systemd", "never", "--", "true"})).exit_code, 0);
}

// Where no systemd runs (this machine, a container), --systemd always cannot be honoured: reins says so and
// runs nothing rather than ignoring the option.
TEST(CliRun, SystemdAlwaysWithoutSystemdIsAnError) {
  struct stat st {};
  if (::stat("/run/systemd/system", &st) == 0) GTEST_SKIP() << "systemd runs here (/run/systemd/system exists)";
  for (bool with_limit : {true, false}) {
    auto r = run_capture(with_limit ? reins({"run", "--systemd", "always", "-m", "100M", "--", "true"})
                                    : reins({"run", "--systemd", "always", "--", "true"}));
    EXPECT_EQ(r.exit_code, 125) << (with_limit ? "with -m" : "without a limit: not a job-less run either");
    EXPECT_NE(r.err.find("no systemd manager"), std::string::npos) << r.err;
  }
}

TEST(CliTop, HelpAndVersion) {
  auto help = run_capture(reins({"--help"}));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("run"), std::string::npos);
  auto v = run_capture(reins({"--version"}));
  EXPECT_EQ(v.out.rfind("reins ", 0), 0u);
  // The features line says what this build can do; the dev build has sd-bus (REINS_SYSTEMD).
  EXPECT_NE(v.out.find("\nfeatures: +systemd-scopes\n"), std::string::npos) << v.out;
  auto run_help = run_capture(reins({"run", "--help"}));
  EXPECT_EQ(run_help.exit_code, 0);
  EXPECT_NE(run_help.out.find("--timeout"), std::string::npos);
  EXPECT_EQ(run_capture(reins({"frobnicate"})).exit_code, 2);
}

}  // namespace
}  // namespace reins::test
