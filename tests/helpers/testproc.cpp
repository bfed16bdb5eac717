// reins-testproc: the one program the tests start, with one subcommand per behaviour under test.
// Each prints "ready" on stdout (flushed) once it is in the state the test wants, so tests wait on that line
// rather than sleep.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono;

void ready() {
  std::puts("ready");
  std::fflush(stdout);
}

void sleep_for_s(double s) { std::this_thread::sleep_for(duration<double>(s)); }

// Allocates and touches `mib` MiB of private anonymous memory; returns it (never freed: the process holds it).
char* touch_mib(size_t mib) {
  size_t bytes = mib << 20;
  auto* p = static_cast<char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (p == MAP_FAILED) {
    std::perror("mmap");
    std::exit(3);
  }
  for (size_t i = 0; i < bytes; i += 4096) p[i] = static_cast<char>(i / 4096 + 1);
  return p;
}

int cmd_memhog(int argc, char** argv) {  // memhog MIB [HOLD_SECONDS]
  touch_mib(std::strtoul(argv[0], nullptr, 10));
  ready();
  sleep_for_s(argc > 1 ? std::atof(argv[1]) : 3600);
  return 0;
}

int cmd_grow(int argc, char** argv) {  // grow STEP_MIB INTERVAL_MS MAX_MIB [HOLD_S]: then exit 0 after HOLD_S
  size_t step = std::strtoul(argv[0], nullptr, 10), max = std::strtoul(argv[2], nullptr, 10);
  auto interval = milliseconds(std::atol(argv[1]));
  ready();
  for (size_t total = 0; total < max; total += step) {
    touch_mib(step);
    std::printf("allocated %zu\n", total + step);
    std::fflush(stdout);
    std::this_thread::sleep_for(interval);
  }
  sleep_for_s(argc > 3 ? std::atof(argv[3]) : 3600);
  return 0;
}

// parent ARGS...: forks a child that runs `reins-testproc ARGS...` (which says "ready" itself); prints
// "child PID" before the child can say anything, then stays small and waits for it, then for ever.
int cmd_parent(int argc, char** argv) {
  int go[2];
  if (pipe(go) != 0) return 3;
  pid_t child = fork();
  if (child < 0) return 3;
  if (child == 0) {
    close(go[1]);
    char c;
    [[maybe_unused]] auto r = read(go[0], &c, 1);  // EOF once the parent has printed our pid
    std::vector<char*> args{const_cast<char*>("reins-testproc")};
    for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
    args.push_back(nullptr);
    execv("/proc/self/exe", args.data());
    _exit(127);
  }
  std::printf("child %d\n", child);
  std::fflush(stdout);
  close(go[1]);
  waitpid(child, nullptr, 0);
  pause();
  return 0;
}

// share MIB: parent and child both touch one shared mapping; "ready" once both have. The child dies with
// the parent.
int cmd_share(int, char** argv) {
  size_t bytes = std::strtoul(argv[0], nullptr, 10) << 20;
  auto* p = static_cast<char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (p == MAP_FAILED) return 3;
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  int touched[2];
  if (pipe(touched) != 0) return 3;
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);  // the parent died before prctl
    volatile char sum = 0;
    for (size_t i = 0; i < bytes; i += 4096) sum = static_cast<char>(sum + p[i]);
    close(touched[1]);  // EOF tells the parent
    pause();
    _exit(0);
  }
  close(touched[1]);
  char c;
  [[maybe_unused]] auto r = read(touched[0], &c, 1);
  std::printf("child %d\n", child);
  ready();
  pause();
  return 0;
}

// children N: N children that sleep until the parent dies; "ready" once all are forked.
int cmd_children(int, char** argv) {
  int n = std::atoi(argv[0]);
  pid_t parent = getpid();
  for (int i = 0; i < n; ++i) {
    pid_t child = fork();
    if (child < 0) return 3;
    if (child == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(0);
      pause();
      _exit(0);
    }
  }
  ready();
  pause();
  return 0;
}

int cmd_forkbomb(int, char** argv) {  // forkbomb SECONDS: fork until refused; the first process exits after SECONDS
  pid_t root = getpid();
  int refused = 0;
  for (int i = 0; i < 100000 && refused < 50; ++i) {
    pid_t p = fork();
    if (p < 0) {
      ++refused;
      std::this_thread::sleep_for(milliseconds(1));
    } else if (p == 0) {
      refused = 0;
    }
  }
  if (getpid() != root) pause();
  std::printf("refused %d\n", refused);
  ready();
  sleep_for_s(std::atof(argv[0]));
  // _exit: under a pids limit a sanitizer's exit-time checks cannot start their thread.
  _exit(0);
}

int cmd_daemonize(int, char** argv) {  // daemonize MARKER: leave a setsid'ed grandchild "sleep" behind
  const char* self = "/proc/self/exe";
  int exec_done[2];  // close-on-exec: EOF once the grandchild has exec'd (its argv then holds the marker)
  if (pipe2(exec_done, O_CLOEXEC) != 0) return 3;
  if (fork() == 0) {
    setsid();
    if (fork() == 0) {
      int null = open("/dev/null", O_RDWR);  // as a daemon does: let go of the caller's terminal and pipes
      for (int fd = 0; fd < 3; ++fd) dup2(null, fd);
      execl(self, "reins-testproc", "sleep", "1000", argv[0], nullptr);
      _exit(127);
    }
    _exit(0);
  }
  close(exec_done[1]);
  char c;
  while (read(exec_done[0], &c, 1) > 0) {
  }
  wait(nullptr);
  ready();
  return 0;
}

int cmd_ignore_term(int argc, char** argv) {  // ignore-term [SECONDS]
  signal(SIGTERM, SIG_IGN);
  ready();
  sleep_for_s(argc > 0 ? std::atof(argv[0]) : 3600);
  return 0;
}

int cmd_spin(int, char** argv) {  // spin SECONDS (wall clock)
  auto end = steady_clock::now() + duration<double>(std::atof(argv[0]));
  ready();
  volatile unsigned long x = 0;
  while (steady_clock::now() < end) x = x + 1;
  return 0;
}

int cmd_burn(int, char** argv) {  // burn SECONDS: use this much CPU time (not wall time), then exit
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  double end = cpu_now() + std::atof(argv[0]);
  volatile unsigned long x = 0;
  while (cpu_now() < end) x = x + 1;
  return 0;
}

// How many children our parent has besides us (its first thread's list: init and reins are single-threaded).
int siblings() {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task/%d/children", getppid(), getppid());
  FILE* f = std::fopen(path, "r");
  if (!f) return -1;
  int count = 0, pid;
  while (std::fscanf(f, "%d", &pid) == 1) count += pid != getpid();
  std::fclose(f);
  return count;
}

// orphans N [TIMEOUT_S]: N grandchildren that outlive their parent, then exit together. With TIMEOUT_S, also
// report how many were adopted by our parent (a reaper: PID 1 or a subreaper), then poll until it has no
// child but us and print how long that took. There is no event for "another process has reaped", so this polls.
int cmd_orphans(int argc, char** argv) {
  int n = std::atoi(argv[0]);
  int go[2];
  if (pipe(go) != 0) return 3;
  if (fork() == 0) {
    for (int i = 0; i < n; ++i)
      if (fork() == 0) {
        char c;
        close(go[1]);
        [[maybe_unused]] auto r = read(go[0], &c, 1);  // EOF when the last writer exits
        _exit(0);
      }
    _exit(0);
  }
  wait(nullptr);
  close(go[0]);
  if (argc > 1) std::printf("adopted %d\n", siblings());
  ready();
  auto released = steady_clock::now();
  close(go[1]);  // releases all orphans at once
  if (argc < 2) return 0;
  auto deadline = released + duration<double>(std::atof(argv[1]));
  int left;
  while ((left = siblings()) > 0 && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(1));
  auto ms = duration<double, std::milli>(steady_clock::now() - released).count();
  std::printf("left %d after %.1f ms\n", left, ms);
  return 0;
}

int cmd_pause(int, char**) {  // pause: print ready, then wait for a signal with every disposition at default
  ready();
  for (;;) pause();
}

// leave-behind MARKER: start a grandchild that ignores SIGTERM (ignore-term 3600 MARKER), wait until it is
// ready, print ready and exit 0, leaving it behind.
int cmd_leave_behind(int, char** argv) {
  int out[2];
  if (pipe(out) != 0) return 3;
  if (fork() == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl("/proc/self/exe", "reins-testproc", "ignore-term", "3600", argv[0], nullptr);
    _exit(127);
  }
  close(out[1]);
  char buf[6];
  if (read(out[0], buf, sizeof buf) != static_cast<ssize_t>(sizeof buf)) return 3;
  ready();
  return 0;
}

// tty: print whether our process group is the foreground of the terminal on stdin, then wait for a line.
int cmd_tty(int, char**) {
  std::printf("foreground %s\n", tcgetpgrp(0) == getpgrp() ? "yes" : "no");
  ready();
  char line[256];
  if (!std::fgets(line, sizeof line, stdin)) return 1;
  std::printf("got %s", line);
  return 0;
}

int cmd_signals(int, char**) {  // signals: print the name of each signal received; exit 0 on SIGUSR2 after 'ready'
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  ready();
  for (;;) {
    int sig = 0;
    sigwait(&all, &sig);
    std::printf("%s\n", strsignal(sig));
    std::fflush(stdout);
    if (sig == SIGUSR2) return 0;
  }
}

struct Sub {
  const char* name;
  int min_args;
  int (*fn)(int, char**);
};

constexpr Sub kSubs[] = {
    {"memhog", 1, cmd_memhog},
    {"grow", 3, cmd_grow},
    {"share", 1, cmd_share},
    {"forkbomb", 1, cmd_forkbomb},
    {"daemonize", 1, cmd_daemonize},
    {"ignore-term", 0, cmd_ignore_term},
    {"spin", 1, cmd_spin},
    {"burn", 1, cmd_burn},
    {"orphans", 1, cmd_orphans},
    {"signals", 0, cmd_signals},
    {"children", 1, cmd_children},
    {"pause", 0, cmd_pause},
    {"leave-behind", 1, cmd_leave_behind},
    {"tty", 0, cmd_tty},
    {"parent", 1, cmd_parent},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "exit") == 0) return argc > 2 ? std::atoi(argv[2]) : 0;
  if (argc >= 3 && std::strcmp(argv[1], "sleep") == 0) {
    sleep_for_s(std::atof(argv[2]));
    return 0;
  }
  for (const auto& s : kSubs)
    if (argc >= 2 && std::strcmp(argv[1], s.name) == 0 && argc - 2 >= s.min_args) return s.fn(argc - 2, argv + 2);
  std::fprintf(stderr,
               "usage: reins-testproc exit N | sleep S [MARKER] | memhog MIB [S] | grow STEP MS MAX [S] | "
               "share MIB | children N | forkbomb S | daemonize MARKER | ignore-term [S] | spin S | "
               "burn CPU_S | orphans N [TIMEOUT_S] | signals | pause | leave-behind MARKER | tty | "
               "parent ARGS...\n");
  return 2;
}
