// The command line as a contract for scripts and graders (issue 16): timeout(1)'s conventions to the letter,
// verdicts, the command's stdio, environment, directory and user, prlimit's habits, one meaning per short
// option. Black-box: the built binary, as a user runs it. (The CPU-time limit, which needs a job, is tested in
// tests/cgroup/test_cli_contract.cpp.)
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/support.hpp"
#include "support/temp_dir.hpp"

namespace reins::test {
namespace {

std::vector<std::string> reins(std::vector<std::string> args) {
  args.insert(args.begin(), reins_bin());
  return args;
}

// `reins run --no-job --json - OPTIONS -- COMMAND`: no job, so these run wherever the CLI lane does.
Output run_json(std::vector<std::string> options, const std::vector<std::string>& command) {
  std::vector<std::string> argv{reins_bin(), "run", "--no-job", "--json", "-"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return run_capture(argv);
}

// --- timeout(1) ---

TEST(CliContract, TimeoutSignalIsSentFirstAndTheExitIs124) {
  auto out = run_json({"--timeout", "100ms", "-s", "INT"}, {"sleep", "10"});
  EXPECT_EQ(out.exit_code, 124) << out.err;
  auto j = last_json_line(out.out);
  EXPECT_EQ(j["command_signal"], "SIGINT");
  EXPECT_EQ(j["limits"]["timeout_signal"], "SIGINT");
  EXPECT_FALSE(j["timeout_sigkilled"].get<bool>());
  EXPECT_NE(out.err.find("sent SIGINT"), std::string::npos) << out.err;
}

TEST(CliContract, TimeoutWithSignalKillExits137AsTimeoutDoes) {
  auto out = run_json({"--timeout", "100ms", "--signal", "KILL"}, {"sleep", "10"});
  EXPECT_EQ(out.exit_code, 137) << out.err;
  EXPECT_TRUE(last_json_line(out.out)["timeout_sigkilled"].get<bool>());
}

TEST(CliContract, PreserveStatusGivesTheCommandsOwnStatus) {
  auto out = run_json({"--timeout", "100ms", "--preserve-status"}, {"sleep", "10"});
  EXPECT_EQ(out.exit_code, 128 + SIGTERM) << out.err;
  auto j = last_json_line(out.out);
  EXPECT_EQ(j["reins_exit_code"], 128 + SIGTERM);
  EXPECT_EQ(j["killed_by"], "timeout") << "the cause is still told";
  // The negative control: without it, timeout(1)'s 124.
  EXPECT_EQ(run_json({"--timeout", "100ms"}, {"sleep", "10"}).exit_code, 124);
}

TEST(CliContract, ABadTimeoutSignalSaysWhatIsValidAndNamesTinisSpelling) {
  auto out = run_capture(reins({"init", "-s", "--", "true"}));
  EXPECT_EQ(out.exit_code, 125);
  EXPECT_NE(out.err.find("unknown signal '--'"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("--subreaper"), std::string::npos) << out.err;
}

// --- verdicts and what ended the command ---

TEST(CliContract, VerdictSaysHowTheRunEnded) {
  TempDir t;
  struct Case {
    std::vector<std::string> options, command;
    const char* verdict;
  };
  for (const auto& c : std::vector<Case>{
           {{}, {"true"}, "ok"},
           {{}, {"sh", "-c", "exit 3"}, "exited-nonzero"},
           {{}, {"sh", "-c", "kill -KILL $$"}, "signal"},
           {{"--timeout", "100ms"}, {"sleep", "10"}, "timeout"},
           {{"--rlimit", "cpu=1"}, {testproc(), "spin", "30"}, "cpu-time"},
           {{"--rlimit", "fsize=4K"},
            {"dd", "if=/dev/zero", "of=" + t.path() + "/f", "bs=1k", "count=100"},
            "file-size"},
       }) {
    auto out = run_json(c.options, c.command);
    auto j = last_json_line(out.out);
    EXPECT_EQ(j["verdict"], std::string(c.verdict)) << c.command.back() << ": " << j.dump();
  }
  auto failed = run_json({}, {"/nonexistent/program"});
  EXPECT_EQ(failed.exit_code, 127);
  EXPECT_EQ(last_json_line(failed.out)["verdict"], "reins-error");
}

// RLIMIT_CPU's SIGKILL (at the hard limit) was a bare 137 with killed_by null.
TEST(CliContract, AnRlimitCpuEndIsAttributed) {
  auto out = run_json({"--rlimit", "cpu=1"}, {testproc(), "spin", "30"});
  EXPECT_EQ(out.exit_code, 137) << out.err;
  auto j = last_json_line(out.out);
  EXPECT_EQ(j["killed_by"], "rlimit-cpu") << j.dump();
  EXPECT_NE(out.err.find("CPU-time rlimit of 1s"), std::string::npos) << out.err;
  // The negative control: a SIGKILL from elsewhere, under a CPU rlimit it never reached, is not blamed on it.
  auto other = run_json({"--rlimit", "cpu=100"}, {"sh", "-c", "kill -KILL $$"});
  EXPECT_TRUE(last_json_line(other.out)["killed_by"].is_null()) << other.out;
}

// --- the command's stdio, environment, directory and user ---

TEST(CliContract, StdinStdoutAndStderrGoToFiles) {
  TempDir t;
  t.write("in", "from the file\n");
  auto out = run_capture(reins({"run", "--no-job", "--stdin", t.path() + "/in", "--stdout", t.path() + "/out",
                                "--stderr", t.path() + "/err", "--", "sh", "-c", "cat; echo oops >&2"}));
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, "");
  EXPECT_EQ(t.read("out"), "from the file\n");
  EXPECT_EQ(t.read("err"), "oops\n");
  auto missing = run_capture(reins({"run", "--stdin", t.path() + "/none", "--", "true"}));
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_NE(missing.err.find("--stdin"), std::string::npos) << missing.err;
}

TEST(CliContract, SetenvClearEnvAndChdir) {
  TempDir t;
  auto out = run_capture(reins({"run", "--no-job", "-E", "FOO=bar", "--setenv", "HOME", "--chdir", t.path(), "--", "sh",
                                "-c", "echo \"$FOO ${HOME-unset}\"; pwd"}));
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out, "bar unset\n" + t.path() + "\n");
  auto clear = run_capture(reins({"run", "--no-job", "--clear-env", "-E", "ONLY=1", "--", "env"}));
  EXPECT_EQ(clear.out, "ONLY=1\n");
}

TEST(CliContract, UidAndGidRunTheCommandAsAnotherUserWithNoSupplementaryGroups) {
  REINS_REQUIRE_ROOT();
  const passwd* nobody = ::getpwnam("nobody");
  if (!nobody) GTEST_SKIP() << "no user 'nobody' in /etc/passwd";
  auto out = run_capture(reins({"run", "--no-job", "--uid", "nobody", "--", "id"}));
  EXPECT_EQ(out.exit_code, 0) << out.err;
  const std::string g = std::to_string(nobody->pw_gid);
  EXPECT_EQ(out.out.substr(0, out.out.find(' ')), "uid=" + std::to_string(nobody->pw_uid) + "(nobody)") << out.out;
  EXPECT_EQ(out.out.find("groups=0"), std::string::npos) << "root's groups were kept: " << out.out;
  auto numbers = run_capture(reins({"run", "--no-job", "--uid", "54321", "--gid", "54322", "--", "id", "-u"}));
  EXPECT_EQ(numbers.out, "54321\n") << numbers.err;
  auto groups = run_capture(reins({"run", "--no-job", "--uid", "54321", "--gid", "54322", "--", "id", "-G"}));
  EXPECT_EQ(groups.out, "54322\n");
  auto no_group = run_capture(reins({"run", "--uid", "54321", "--", "id"}));
  EXPECT_EQ(no_group.exit_code, 125);
  EXPECT_NE(no_group.err.find("give --gid too"), std::string::npos) << no_group.err;
  auto unknown = run_capture(reins({"run", "--uid", "no-such-user-here", "--", "id"}));
  EXPECT_NE(unknown.err.find("'no-such-user-here': no such user"), std::string::npos) << unknown.err;
}

// --- JSON on standard output, reins' own words on stderr ---

TEST(CliContract, JsonDashIsStandardOutputAndHoldsOnlyTheReport) {
  auto out = run_capture(reins({"run", "--no-job", "--timeout", "100ms", "--json", "-", "--", "sleep", "10"}));
  EXPECT_NE(out.err.find("timed out"), std::string::npos) << "the kill is told on stderr";
  ASSERT_EQ(std::count(out.out.begin(), out.out.end(), '\n'), 1) << out.out;
  auto j = nlohmann::json::parse(out.out);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["report"], "run");
}

// --- prlimit's habits ---

TEST(CliContract, LimitTakesPrlimitsSpellings) {
  auto upper = run_capture(reins({"limit", "NOFILE"}));
  EXPECT_EQ(upper.exit_code, 0) << upper.err;
  EXPECT_NE(upper.out.find("nofile"), std::string::npos);
  auto option = run_capture(reins({"limit", "--nofile", "--noheadings", "--output", "RESOURCE,UNITS", "--raw"}));
  EXPECT_EQ(option.out, "nofile files\n") << option.err;
  // Units in every row, the count resources too.
  auto all = run_capture(reins({"limit", "--noheadings", "--raw", "--output", "UNITS"}));
  EXPECT_EQ(all.out.find("\n\n"), std::string::npos) << all.out;
  EXPECT_NE(all.out.front(), '\n') << all.out;
  // prlimit's command form: the limits in reins' place, then COMMAND.
  auto command = run_capture(reins({"limit", "--nofile=64", "--", "sh", "-c", "ulimit -n"}));
  EXPECT_EQ(command.out, "64\n") << command.err;
  auto hint = run_capture(reins({"limit", "-p", "1"}));
  EXPECT_EQ(hint.exit_code, 2);
  EXPECT_NE(hint.err.find("--pid PID"), std::string::npos) << hint.err;
}

// --- systemd's property names, and each limit given once ---

TEST(CliContract, SystemdsRunPropertiesSetTheCommandsRlimitsTimeoutAndOomPolicy) {
  auto nofile = run_capture(reins({"run", "--no-job", "-p", "LimitNOFILE=64", "--", "sh", "-c", "ulimit -n"}));
  EXPECT_EQ(nofile.out, "64\n") << nofile.err;
  auto runtime = run_json({"-p", "RuntimeMaxSec=100ms"}, {"sleep", "10"});
  EXPECT_EQ(runtime.exit_code, 124) << runtime.err;
  EXPECT_DOUBLE_EQ(last_json_line(runtime.out)["limits"]["timeout_s"].get<double>(), 0.1);
  auto policy = run_capture(reins({"run", "--no-job", "-p", "OOMPolicy=sometimes", "--", "true"}));
  EXPECT_EQ(policy.exit_code, 125);
  EXPECT_NE(policy.err.find("expected stop, kill or continue"), std::string::npos) << policy.err;
}

// `-m 1G -p MemoryMax=2G`: the last one won, silently.
TEST(CliContract, ALimitGivenTwiceWithDifferentValuesIsRefused) {
  auto twice = run_capture(reins({"run", "-m", "1G", "-p", "MemoryMax=2G", "--", "true"}));
  EXPECT_EQ(twice.exit_code, 125);
  EXPECT_NE(twice.err.find("MemoryMax= is set twice"), std::string::npos) << twice.err;
  auto job = run_capture(reins({"job", "create", "x", "--pids", "5", "-p", "TasksMax=6"}));
  EXPECT_EQ(job.exit_code, 2);
  EXPECT_NE(job.err.find("TasksMax= is set twice"), std::string::npos) << job.err;
  // The same value twice, and a period that keeps the quota's share, are no conflict.
  auto same = run_capture(reins({"run", "--no-job", "-p", "LimitNOFILE=64", "-p", "LimitNOFILE=64", "--", "true"}));
  EXPECT_EQ(same.exit_code, 0) << same.err;
}

// --- one meaning per short option ---

// Every command's --help lists its options as "-X, --long"; across all commands, one letter is one option.
TEST(CliContract, EachShortOptionMeansOneThingInEveryCommand) {
  std::map<char, std::string> meaning;
  const std::regex row(R"(^  -([A-Za-z]), --([a-z-]+))");
  for (const char* cmd : {"run", "init", "job", "limit", "mem", "watch", "plot"}) {
    auto help = run_capture(reins({cmd, "--help"}));
    ASSERT_EQ(help.exit_code, 0) << cmd;
    std::istringstream lines(help.out);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (!std::regex_search(line, m, row)) continue;
      auto [it, fresh] = meaning.emplace(m[1].str()[0], m[2].str());
      EXPECT_EQ(it->second, m[2].str()) << "-" << m[1] << " in reins " << cmd;
    }
  }
  EXPECT_EQ(meaning['p'], "property");
  EXPECT_EQ(meaning['s'], "signal");
  EXPECT_EQ(meaning['t'], "timeout");
}

}  // namespace
}  // namespace reins::test
