// Black-box tests of `reins run` and `reins limit`: the built binary, as a user runs it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reins/process.hpp"
#include "support/support.hpp"
#include "support/temp_dir.hpp"

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

// timeout(1) exits 128+9 when it had to send KILL; the escalation is said on stderr, not only in the notes.
TEST(CliRun, TimeoutEscalatesToKillAfterTheGraceAndExits137LikeTimeout) {
  auto out = run_capture(
      reins({"run", "--timeout", "100ms", "--kill-after", "200ms", "--json", "-", "--", testproc(), "ignore-term"}));
  EXPECT_EQ(out.exit_code, 137);
  EXPECT_NE(out.err.find("reins run: still running 200.0ms after SIGTERM: sent SIGKILL"), std::string::npos) << out.err;
  auto j = test::last_json_line(out.out);
  EXPECT_EQ(j["command_signal"], "SIGKILL");
  EXPECT_EQ(j["killed_by"], "timeout");
  EXPECT_EQ(j["verdict"], "timeout");
  EXPECT_EQ(j["timeout_sigkilled"], true);
  EXPECT_GE(j["wall_s"].get<double>(), 0.3);
}

// Nothing accepted is ignored: job limits with --no-job were accepted and the command ran unlimited.
TEST(CliRun, JobLimitsWithNoJobAreRefused) {
  for (auto args : std::vector<std::vector<std::string>>{{"run", "--no-job", "-m", "50M"},
                                                         {"run", "--no-job", "--pids", "10", "--json", "-"},
                                                         {"init", "--subreaper", "--no-job", "--cpus", "1"}}) {
    args.insert(args.end(), {"--", testproc(), "exit", "0"});
    auto out = run_capture(reins(args));
    EXPECT_EQ(out.exit_code, 125) << out.err;
    EXPECT_NE(out.err.find("and the job is disabled (--no-job)"), std::string::npos) << out.err;
  }
  EXPECT_EQ(run_capture(reins({"run", "--no-job", "--rlimit", "nofile=64", "--", testproc(), "exit", "0"})).exit_code,
            0)
      << "an rlimit needs no job";
}

// timeout(1): "A duration of 0 disables the associated timeout." (It killed at once, or not, by a race.)
TEST(CliRun, TimeoutZeroMeansNoTimeout) {
  for (const char* zero : {"0", "0s", "0ms"}) {
    auto out = run_capture(reins({"run", "--timeout", zero, "--json", "-", "--", testproc(), "sleep", "0.2"}));
    EXPECT_EQ(out.exit_code, 0) << zero << ": " << out.err;
    auto j = test::last_json_line(out.out);
    EXPECT_TRUE(j["killed_by"].is_null()) << j.dump();
  }
}

// Sizes as docker (--memory 2g) and java (-Xmx2g) users type them.
TEST(CliRun, LowerCaseSizeSuffixesAreBinaryUnits) {
  auto out = run_capture(reins({"run", "--rlimit", "as=2g", "--", "/bin/sh", "-c", "ulimit -v"}));
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, std::to_string(2ull << 20) + "\n") << "ulimit -v counts KiB";
  auto ambiguous = run_capture(reins({"run", "--rlimit", "as=2gb", "--", "true"}));
  EXPECT_EQ(ambiguous.exit_code, 125);
  EXPECT_NE(ambiguous.err.find("unknown unit 'gb'"), std::string::npos) << ambiguous.err;
}

TEST(CliRun, ForwardsTermToTheChild) {
  // reins runs `sh` that sends TERM to its parent (reins); reins forwards it and the child dies of it.
  auto out = run_capture(reins({"run", "--json", "-", "--", "sh", "-c", "kill -TERM $PPID; sleep 10"}));
  EXPECT_EQ(out.exit_code, 143) << out.err;
  auto j = test::last_json_line(out.out);
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
  auto j = test::last_json_line(out.out);
  for (const char* key :
       {"reins_exit_code", "command_signal", "wall_s", "user_s", "system_s", "max_rss_bytes", "killed_by"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["reins_exit_code"], 0);
  EXPECT_TRUE(j["command_signal"].is_null());
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
  auto shown = run_capture(reins({"limit", "--pid", pid, "--json", "-", "nofile"}));
  auto j = nlohmann::json::parse(shown.out);
  EXPECT_EQ(j["limits"]["nofile"]["soft"], 64);
  EXPECT_EQ(j["limits"]["nofile"]["hard"], 128);
}

TEST(CliLimit, UsageErrorsExit2) {
  EXPECT_EQ(run_capture(reins({"limit", "bogus=1"})).exit_code, 2);
  auto own = run_capture(reins({"limit", "nofile=64"}));
  EXPECT_EQ(own.exit_code, 2) << "no silent change of reins' own limits";
  EXPECT_NE(own.err.find("needs --pid PID"), std::string::npos) << own.err;
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

// `reins help CMD` is `reins CMD --help` (it printed the overview).
TEST(CliTop, HelpCommandShowsThatCommandsHelp) {
  for (const char* cmd : {"run", "init", "job", "limit"}) {
    auto via_help = run_capture(reins({"help", cmd}));
    EXPECT_EQ(via_help.exit_code, 0) << cmd;
    EXPECT_EQ(via_help.out, run_capture(reins({cmd, "--help"})).out) << cmd;
  }
  auto unknown = run_capture(reins({"help", "frobnicate"}));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command 'frobnicate'"), std::string::npos) << unknown.err;
}

// Reports survive every failure (each output on its own, written whole or not at all).

TEST(CliReports, AFailingReportLosesNeitherTheJsonNorTheExitCode) {
  TempDir t;
  auto o = run_capture(
      reins({"run", "--json", t.path() + "/r.json", "--report", "/dev/full", "--", "/bin/sh", "-c", "exit 3"}));
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_NE(o.err.find("the report was not written: write output file '/dev/full'"), std::string::npos) << o.err;
  EXPECT_EQ(nlohmann::json::parse(t.read("r.json"))["reins_exit_code"], 3);
  auto lost = run_capture(reins({"run", "--json", "/dev/full", "--", "/bin/sh", "-c", "exit 3"}));
  EXPECT_EQ(lost.exit_code, 3) << "the command's status, whatever became of the report";
}

TEST(CliReports, TheJsonIsWrittenWhenTheCommandCannotStart) {
  TempDir t;
  for (auto [argv0, code] : {std::pair<std::string, int>{"/no/such/command", 127}, {"/etc/passwd", 126}}) {
    auto o = run_capture(reins({"run", "--json", t.path() + "/r.json", "--report", t.path() + "/r.txt", "--", argv0}));
    EXPECT_EQ(o.exit_code, code) << o.err;
    auto r = nlohmann::json::parse(t.read("r.json"));
    EXPECT_EQ(r["reins_exit_code"], code);
    EXPECT_EQ(r["status"], "error");
    EXPECT_NE(r["error"].get<std::string>().find(argv0), std::string::npos) << r.dump();
    EXPECT_NE(t.read("r.txt").find("Exit status (reins):           " + std::to_string(code)), std::string::npos)
        << t.read("r.txt");
  }
  auto own = run_capture(
      reins({"run", "--json", t.path() + "/r.json", "--cgroup-root", "/reins-no-such", "-m", "1G", "--", "true"}));
  EXPECT_EQ(own.exit_code, 125);
  EXPECT_EQ(nlohmann::json::parse(t.read("r.json"))["reins_exit_code"], 125);
}

// Written aside and put in place when whole: until then an earlier report stays, and a reins killed
// meanwhile destroys nothing and leaves nothing.
TEST(CliReports, AnEarlierReportStaysUntilTheNewOneIsWhole) {
  TempDir t;
  t.write("r.json", "earlier\n");
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd ready_r(fds[0]), ready_w(fds[1]);
  Command c;
  c.argv = reins({"run", "--json", t.path() + "/r.json", "--", testproc(), "memhog", "1"});
  c.stdout_fd = ready_w.get();
  Process supervisor = Process::spawn(c);
  const std::string left_job = "reins-" + std::to_string(supervisor.pid()) + "-0";
  ready_w.reset();
  char ready[6];
  ASSERT_EQ(read(ready_r.get(), ready, sizeof ready), 6) << "the command runs: the report file was opened before";
  EXPECT_EQ(t.read("r.json"), "earlier\n") << "not truncated at start";
  supervisor.signal(SIGKILL);
  supervisor.wait();
  EXPECT_EQ(t.read("r.json"), "earlier\n");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(t.path())) ++entries;
  EXPECT_EQ(entries, 1) << "no temporary file left";
  // The job the killed supervisor left (its command died with it); by name, as pure v1 cannot mark jobs.
  run_capture(reins({"job", "rm", left_job}));
}

TEST(CliReports, InvalidUtf8AndControlCharactersAreEscapedNotFatal) {
  TempDir t;
  const std::string odd = "\xff\x1b[31m\nred";
  auto o = run_capture(
      reins({"run", "--json", t.path() + "/r.json", "--report", t.path() + "/r.txt", "--", testproc(), "exit", odd}));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  auto r = nlohmann::json::parse(t.read("r.json"));
  EXPECT_EQ(r["command"][2], "\\xff\x1b[31m\nred") << "invalid bytes as \\xNN, valid text kept";
  std::string text = t.read("r.txt");
  EXPECT_NE(text.find("\\xff\\x1b[31m\\x0ared"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "no escape sequence reaches the terminal";
}

TEST(CliReports, AFifoWithoutAReaderIsAnErrorNotAHang) {
  TempDir t;
  const std::string fifo = t.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto o = run_capture(reins({"run", "--json", fifo, "--", testproc(), "exit", "0"}));
  EXPECT_EQ(o.exit_code, 125);
  EXPECT_NE(o.err.find("a FIFO with no reader"), std::string::npos) << o.err;
}

// A full disk stops the trace, not the command: 4 KiB of tmpfs hold about 40 lines.
TEST(CliReports, AFullDiskStopsTheTraceAndTheCommandGoesOn) {
  if (run_capture({"unshare", "-m", "true"}).exit_code != 0)
    GTEST_SKIP() << "no private mount namespace here (unshare -m needs CAP_SYS_ADMIN)";
  TempDir t;
  auto o = run_capture({"unshare",
                        "-m",
                        "--propagation",
                        "private",
                        "/bin/sh",
                        "-c",
                        "mount -t tmpfs -o size=4k reins-test " + t.path() + " || exit 98; exec \"$@\"",
                        "sh",
                        reins_bin(),
                        "run",
                        "--trace",
                        t.path() + "/t.jsonl",
                        "--trace-interval",
                        "2ms",
                        "--json",
                        "-",
                        "--",
                        "/bin/sh",
                        "-c",
                        std::string(testproc()) + " sleep 0.6; exit 7"});
  ASSERT_NE(o.exit_code, 98) << o.err;
  EXPECT_EQ(o.exit_code, 7) << o.err;
  EXPECT_NE(o.err.find("reins run: warning: the trace stopped at"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("No space left on device"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace reins::test
