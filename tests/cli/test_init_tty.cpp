// reins init on a terminal: the command gets the foreground (so Ctrl-C reaches it from the terminal, not
// through reins), and under an interactive shell Ctrl-Z and fg work on the whole `reins init` job.
#include <signal.h>
#include <unistd.h>

#include "init_support.hpp"

namespace reins::test {
namespace {

// Starts argv as a session leader whose controlling terminal is the pty (setsid --ctty), all stdio on it.
Process start_on_terminal(const Pty& pty, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"setsid", "--ctty"});
  Command c;
  c.argv = std::move(argv);
  c.env = std::vector<std::string>{"PATH=/usr/bin:/bin", "PS1=$ ", "TERM=dumb"};
  c.stdin_fd = c.stdout_fd = c.stderr_fd = pty.slave.get();
  return Process::spawn(c);
}

LineReader reader_of(const Pty& pty) { return LineReader(UniqueFd(::dup(pty.master.get()))); }

// The terminal tests need util-linux's setsid (--ctty) and, for job control, bash; a minimal system (the VM
// lanes' busybox guest) has neither.
#define REINS_REQUIRE_TERMINAL_TOOLS(need_bash)                                                              \
  do {                                                                                                       \
    if (::access("/usr/bin/setsid", X_OK) != 0) GTEST_SKIP() << "needs util-linux's /usr/bin/setsid --ctty"; \
    if ((need_bash) && ::access("/bin/bash", X_OK) != 0) GTEST_SKIP() << "needs /bin/bash for job control";  \
  } while (0)

TEST(InitTerminal, CommandGetsTheForegroundAndReadsTheTerminal) {
  REINS_REQUIRE_TERMINAL_TOOLS(false);
  Pty pty = Pty::open();
  Process p =
      start_on_terminal(pty, {reins_bin(), "init", "--subreaper", "--pdeathsig", "KILL", "--", testproc(), "tty"});
  LineReader out = reader_of(pty);
  std::vector<std::string> seen;
  ASSERT_TRUE(out.until("ready", std::chrono::seconds(20), &seen));
  ASSERT_EQ(seen.front(), "foreground yes");
  pty.type("hello\n");
  EXPECT_TRUE(out.until("got hello"));
  EXPECT_EQ(p.wait().status.shell_code(), 0);
}

TEST(InitTerminal, CtrlCReachesTheCommandFromTheTerminalNotThroughReins) {
  REINS_REQUIRE_TERMINAL_TOOLS(false);
  Pty pty = Pty::open();
  Process p = start_on_terminal(
      pty, {reins_bin(), "init", "--subreaper", "--pdeathsig", "KILL", "--json", "-", "--", testproc(), "pause"});
  LineReader out = reader_of(pty);
  ASSERT_TRUE(out.until("ready"));
  pty.type("\x03");  // the terminal's INTR: SIGINT to the foreground process group only
  std::vector<std::string> seen;
  EXPECT_TRUE(out.until("signals_forwarded", std::chrono::seconds(20), &seen));
  EXPECT_EQ(p.wait().status.shell_code(), 128 + SIGINT);
  // Had reins been in the foreground group it would have got SIGINT too and forwarded it.
  EXPECT_NE(seen.back().find("\"signals_forwarded\":[]"), std::string::npos) << seen.back();
}

TEST(InitTerminal, CtrlZAndFgWorkUnderAnInteractiveShell) {
  REINS_REQUIRE_TERMINAL_TOOLS(true);
  Pty pty = Pty::open();
  Process bash = start_on_terminal(pty, {"bash", "--norc", "--noprofile", "-i"});
  LineReader out = reader_of(pty);
  pty.type(std::string(reins_bin()) + " init --subreaper --pdeathsig KILL -- " + testproc() + " tty\n");
  ASSERT_TRUE(out.until("ready"));
  // If the test fails half-way, reins (bash's child) is killed and takes the command with it (-p KILL).
  struct KillReins {
    std::vector<Process> reins;
    ~KillReins() {
      for (auto& r : reins) r.signal(SIGKILL);
    }
  } cleanup;
  for (pid_t pid : children(bash.pid())) cleanup.reins.push_back(Process::open(pid));
  pty.type("\x1a");  // Ctrl-Z: the terminal stops the command; reins must stop too for bash to see a stopped job
  ASSERT_TRUE(out.until("Stopped"));
  pty.type("fg\n");  // bash continues reins, which gives the terminal back to the command and continues it
  pty.type("hello\n");
  EXPECT_TRUE(out.until("got hello"));
  pty.type("echo status=$?\n");
  EXPECT_TRUE(out.until("status=0"));
  pty.type("exit\n");
  EXPECT_EQ(bash.wait().status.shell_code(), 0);
}

}  // namespace
}  // namespace reins::test
