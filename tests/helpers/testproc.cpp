// reins-testproc: the one program the tests start, with one subcommand per behaviour under test.
// Each prints "ready" on stdout (flushed) once it is in the state the test wants, so tests wait on that line
// rather than sleep.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
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

int cmd_grow(int, char** argv) {  // grow STEP_MIB INTERVAL_MS MAX_MIB
  size_t step = std::strtoul(argv[0], nullptr, 10), max = std::strtoul(argv[2], nullptr, 10);
  auto interval = milliseconds(std::atol(argv[1]));
  ready();
  for (size_t total = 0; total < max; total += step) {
    touch_mib(step);
    std::printf("allocated %zu\n", total + step);
    std::fflush(stdout);
    std::this_thread::sleep_for(interval);
  }
  sleep_for_s(3600);
  return 0;
}

int cmd_share(int, char** argv) {  // share MIB: parent and child both touch one shared mapping
  size_t bytes = std::strtoul(argv[0], nullptr, 10) << 20;
  auto* p = static_cast<char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  pid_t child = fork();
  if (child == 0) {
    volatile char sum = 0;
    for (size_t i = 0; i < bytes; i += 4096) sum = static_cast<char>(sum + p[i]);
    pause();
    _exit(0);
  }
  std::printf("child %d\n", child);
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

int cmd_orphans(int, char** argv) {  // orphans N: N grandchildren that outlive their parent, then exit together
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
  ready();
  close(go[1]);  // releases all orphans at once
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
    {"memhog", 1, cmd_memhog},   {"grow", 3, cmd_grow},         {"share", 1, cmd_share},
    {"forkbomb", 1, cmd_forkbomb}, {"daemonize", 1, cmd_daemonize}, {"ignore-term", 0, cmd_ignore_term},
    {"spin", 1, cmd_spin},       {"orphans", 1, cmd_orphans},   {"signals", 0, cmd_signals},
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
  std::fprintf(stderr, "usage: reins-testproc exit N | sleep S [MARKER] | memhog MIB [S] | grow STEP MS MAX | "
                       "share MIB | forkbomb S | daemonize MARKER | ignore-term [S] | spin S | orphans N | signals\n");
  return 2;
}
