#include "support/support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "reins/fd.hpp"
#include "reins/process.hpp"

namespace reins::test {
namespace {

// Reads both pipes to EOF without deadlocking on either.
void drain(UniqueFd out, UniqueFd err, Output& o) {
  pollfd fds[2] = {{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}};
  int open_count = 2;
  char buf[65536];
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !fds[i].revents) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? o.out : o.err).append(buf, static_cast<size_t>(n));
      } else {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
}

}  // namespace

std::pair<UniqueFd, UniqueFd> make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Output run_capture(const std::vector<std::string>& argv, const std::string& input) {
  auto [in_r, in_w] = make_pipe();
  auto [out_r, out_w] = make_pipe();
  auto [err_r, err_w] = make_pipe();
  Command c;
  c.argv = argv;
  c.stdin_fd = in_r.get();
  c.stdout_fd = out_w.get();
  c.stderr_fd = err_w.get();
  Process p = Process::spawn(c);
  in_r.reset();
  out_w.reset();
  err_w.reset();
  if (!input.empty()) [[maybe_unused]]
    auto n = write(in_w.get(), input.data(), input.size());
  in_w.reset();
  Output o;
  drain(std::move(out_r), std::move(err_r), o);
  o.exit_code = p.wait().status.shell_code();
  return o;
}

nlohmann::json last_json_line(const std::string& text) {
  for (auto end = text.size(); end > 0;) {
    auto start = text.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    if (start < end && text[start] == '{') return nlohmann::json::parse(text.substr(start, end - start));
    end = start == 0 ? 0 : start - 1;
  }
  throw std::runtime_error("no JSON object line in: " + text);
}

bool process_with_marker_exists(const std::string& marker) {
  DIR* d = opendir("/proc");
  if (!d) return false;
  bool found = false;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || std::to_string(getpid()) == e->d_name) continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/cmdline");
    std::stringstream ss;
    ss << f.rdbuf();
    // A zombie's cmdline is empty, so a match is a live process.
    if (ss.str().find(marker) != std::string::npos) {
      found = true;
      break;
    }
  }
  closedir(d);
  return found;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

}  // namespace reins::test
