// A child started for a test whose output is read as it comes, line by line with a deadline, so a test can
// wait for "ready" (or any line) instead of sleeping. Also a pseudo-terminal for tests of job control.
#pragma once

#include <signal.h>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "reins/fd.hpp"
#include "reins/process.hpp"

namespace reins::test {

using namespace std::chrono_literals;

// Reads lines from an fd, with a deadline per call.
class LineReader {
 public:
  LineReader() = default;
  explicit LineReader(UniqueFd fd) : fd_(std::move(fd)) {}
  // The next line without its '\n' (a pty's "\r\n" too), or nullopt at EOF or after `timeout`.
  std::optional<std::string> line(std::chrono::milliseconds timeout = 20s);
  // Reads lines until one contains `text`; false at EOF or after `timeout`. `seen` gets every line read.
  bool until(const std::string& text, std::chrono::milliseconds timeout = 20s,
             std::vector<std::string>* seen = nullptr);
  // Everything up to EOF (or `timeout`), lines joined with '\n'.
  std::string rest(std::chrono::milliseconds timeout = 20s);
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  std::string buffer_;
};

struct Spawned {
  Process process;
  LineReader out;  // stdout and stderr, merged

  // Starts argv with stdout and stderr on one pipe; stdin is /dev/null unless `stdin_fd` is given.
  static Spawned start(const std::vector<std::string>& argv, std::optional<sigset_t> mask = std::nullopt,
                       int stdin_fd = -1);
  // Waits for exit; the shell-style code (128+N for signal N).
  int wait() { return process.wait().status.shell_code(); }
};

// Holds a process the test did not start (a grandchild) by pidfd from the moment it is named, and kills it
// when the test ends, so a failing assertion leaves nothing running.
struct KillOnExit {
  Process process;
  explicit KillOnExit(pid_t pid) : process(Process::open(pid)) {}
  KillOnExit(const KillOnExit&) = delete;
  KillOnExit& operator=(const KillOnExit&) = delete;
  ~KillOnExit() {
    try {
      process.signal(SIGKILL);         // false once it is gone: nothing to do
    } catch (const std::exception&) {  // never throw from a destructor
    }
  }
};

// The pids /proc/<pid>/task/<pid>/children lists (a single-threaded process's children).
std::vector<pid_t> children(pid_t pid);

// A pseudo-terminal pair; the test writes keys to `master` and reads what the programs print.
struct Pty {
  UniqueFd master, slave;
  static Pty open();
  void type(const std::string& keys) const;
};

}  // namespace reins::test
