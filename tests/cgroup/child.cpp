#include "cgroup/child.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace reins::test {

JobChild spawn_ready(Job& job, const std::vector<std::string>& args) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  UniqueFd r(fds[0]), w(fds[1]);
  Command c;
  c.argv = {testproc()};
  c.argv.insert(c.argv.end(), args.begin(), args.end());
  c.stdout_fd = w.get();
  JobChild child{job.spawn(c), UniqueFd(), {}};
  w.reset();
  std::string got;
  char ch;
  while (read(r.get(), &ch, 1) == 1) {
    got += ch;
    if (got.size() >= 6 && got.compare(got.size() - 6, 6, "ready\n") == 0) break;
  }
  child.before = got;
  child.out = std::move(r);
  return child;
}

std::string proc_cgroup_line(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/cgroup");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace reins::test
