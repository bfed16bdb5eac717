// The VM harness's own check (tests/vm/selftest.sh), independent of reins so that it proves the harness:
// a fresh cgroup limited to 32 MiB must get a 100 MiB memory hog OOM-killed. Pure v2 (memory.max, obeying
// the "no internal processes" rule) and v1/hybrid (memory.limit_in_bytes). Booted with cgroup_disable=memory
// it must FAIL: that is the self-test's negative control. Outside the VM it skips: it is not a host test.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace {

constexpr size_t kMiB = 1024 * 1024;

// Empty on success, else "write 'TEXT' to PATH: strerror".
std::string write_file(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  if (fd >= 0) close(fd);
  return ok ? "" : "write '" + text + "' to " + path + ": " + std::strerror(err);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The value after "key " in a flat-keyed cgroup file, or -1.
long keyed_value(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  for (std::string k; lines >> k;) {
    long v = -1;
    if (!(lines >> v)) return -1;
    if (k == key) return v;
  }
  return -1;
}

// Our cgroup path in the hierarchy whose /proc/self/cgroup line has `controllers` ("" for v2's "0::").
std::string own_cgroup(const std::string& controllers) {
  std::istringstream lines(read_file("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (line.substr(first + 1, second - first - 1) == controllers) return line.substr(second + 1);
  }
  return "";
}

// The cgroups the check creates, removed (and the v2 move undone) when it ends, passed or not.
struct Cgroups {
  std::string base, self, hog;
  ~Cgroups() {
    if (!hog.empty()) rmdir(hog.c_str());
    if (!self.empty()) {
      write_file(base + "/cgroup.subtree_control", "-memory");
      write_file(base + "/cgroup.procs", "0");
      rmdir(self.c_str());
    }
  }
};

// A child that joins `procs` and touches 100 MiB; returns its wait status.
int run_hog(const std::string& procs) {
  pid_t pid = fork();
  if (pid == 0) {
    if (!write_file(procs, "0").empty()) _exit(2);
    void* mem = mmap(nullptr, 100 * kMiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) _exit(3);
    std::memset(mem, 1, 100 * kMiB);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(VmHarness, MemoryLimitKillsAHog) {
  if (std::getenv("REINS_VM_LAYOUT") == nullptr) GTEST_SKIP() << "runs only inside the test VM (tests/vm)";
  Cgroups cg;
  std::string limit_file, events_file;
  if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
    cg.base = "/sys/fs/cgroup" + own_cgroup("");
    // Our own cgroup holds us, so it may not enable controllers for children: move into a leaf first.
    ASSERT_EQ(mkdir((cg.base + "/memcheck-self").c_str(), 0755), 0) << std::strerror(errno);
    cg.self = cg.base + "/memcheck-self";
    ASSERT_EQ(write_file(cg.self + "/cgroup.procs", "0"), "");
    ASSERT_EQ(write_file(cg.base + "/cgroup.subtree_control", "+memory"), "") << "memory controller unavailable";
    limit_file = "memory.max", events_file = "memory.events";
  } else {
    std::string own = own_cgroup("memory");
    ASSERT_FALSE(own.empty()) << "no v1 memory hierarchy in /proc/self/cgroup";
    cg.base = "/sys/fs/cgroup/memory" + own;
    limit_file = "memory.limit_in_bytes", events_file = "memory.oom_control";
  }
  ASSERT_EQ(mkdir((cg.base + "/memcheck-hog").c_str(), 0755), 0) << cg.base << ": " << std::strerror(errno);
  cg.hog = cg.base + "/memcheck-hog";
  ASSERT_EQ(write_file(cg.hog + "/" + limit_file, "32M"), "");

  int status = run_hog(cg.hog + "/cgroup.procs");
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "100 MiB hog under 32M: status " << status;
  EXPECT_GE(keyed_value(read_file(cg.hog + "/" + events_file), "oom_kill"), 1) << events_file;
}

}  // namespace
