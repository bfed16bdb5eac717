#include "support/spawned.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace reins::test {

std::optional<std::string> LineReader::line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string l = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!l.empty() && l.back() == '\r') l.pop_back();
      return l;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_.get(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char buf[4096];
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n <= 0) {  // EOF (or EIO: a pty whose other side is closed)
      if (buffer_.empty()) return std::nullopt;
      return std::exchange(buffer_, {});
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

bool LineReader::until(const std::string& text, std::chrono::milliseconds timeout, std::vector<std::string>* seen) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto l = line(std::max(left, std::chrono::milliseconds(0)));
    if (!l) return false;
    if (seen) seen->push_back(*l);
    if (l->find(text) != std::string::npos) return true;
  }
}

std::string LineReader::rest(std::chrono::milliseconds timeout) {
  std::string all;
  while (auto l = line(timeout)) all += *l + "\n";
  return all;
}

Spawned Spawned::start(const std::vector<std::string>& argv, std::optional<sigset_t> mask, int stdin_fd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  UniqueFd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  Command c;
  c.argv = argv;
  c.signal_mask = mask;
  c.stdin_fd = stdin_fd >= 0 ? stdin_fd : null_in.get();
  c.stdout_fd = write_end.get();
  c.stderr_fd = write_end.get();
  Spawned s{Process::spawn(c), LineReader(std::move(read_end))};
  return s;
}

std::vector<pid_t> children(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<pid_t> out;
  for (pid_t p; f >> p;) out.push_back(p);
  return out;
}

Pty Pty::open() {
  int m = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0 || ::grantpt(m) != 0 || ::unlockpt(m) != 0) throw std::runtime_error("cannot open a pty");
  Pty p;
  p.master.reset(m);
  p.slave.reset(::open(::ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.slave) throw std::runtime_error("cannot open the pty's slave");
  return p;
}

void Pty::type(const std::string& keys) const {
  if (::write(master.get(), keys.data(), keys.size()) != static_cast<ssize_t>(keys.size()))
    throw std::runtime_error("cannot write to the pty");
}

}  // namespace reins::test
