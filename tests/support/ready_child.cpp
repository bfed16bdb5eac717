#include "support/ready_child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <stdexcept>

#include "support/support.hpp"

namespace reins::test {
ReadyChild::ReadyChild(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  auto [in_r, in_w] = make_pipe();
  auto [out_r, out_w] = make_pipe();
  Command c;
  c.argv = argv;
  c.stdin_fd = in_r.get();
  c.stdout_fd = out_w.get();
  c.parent_death_signal = SIGKILL;
  process_ = Process::spawn(c);
  stdin_ = std::move(in_w);
  stdout_ = std::move(out_r);
  // The child's ends close here, so a child that dies before "ready" is an EOF now, not a timeout later.
  in_r.reset();
  out_w.reset();
  wait_for_line("ready", timeout);
}

Process spawn_testproc(const std::vector<std::string>& args) {
  Command c;
  c.argv = {test::testproc()};
  c.argv.insert(c.argv.end(), args.begin(), args.end());
  return Process::spawn(c);
}

ReadyChild ReadyChild::testproc(const std::vector<std::string>& args) {
  std::vector<std::string> argv{test::testproc()};
  argv.insert(argv.end(), args.begin(), args.end());
  return ReadyChild(argv);
}

void ReadyChild::wait_for_line(const std::string& line, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n')) {
      lines_.push_back(pending_.substr(0, nl));
      pending_.erase(0, nl + 1);
      if (lines_.back() == line) return;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd pfd{stdout_.get(), POLLIN, 0};
    int ready = left.count() > 0 ? ::poll(&pfd, 1, static_cast<int>(left.count())) : 0;
    if (ready == 0) throw std::runtime_error("timed out waiting for '" + line + "' from the child");
    if (ready < 0) continue;  // EINTR
    char buf[4096];
    ssize_t n = ::read(stdout_.get(), buf, sizeof buf);
    if (n == 0) throw std::runtime_error("the child closed its stdout before '" + line + "'");
    if (n > 0) pending_.append(buf, static_cast<size_t>(n));
  }
}

void ReadyChild::send_line(const std::string& line) {
  std::string text = line + "\n";
  if (::write(stdin_.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw std::runtime_error("write to the child's stdin failed");
}

}  // namespace reins::test
