// The soak: many job lifecycles (create, spawn /bin/true inside, wait, remove) and many memory guard
// start/stop cycles in one process, with what the process holds measured before and after: open
// descriptors, resident memory, threads, and the jobs left in the cgroup tree. Every figure must stay flat:
// a leak of one descriptor or one cgroup per cycle shows as the cycle count. Not a timed test: bench/compare
// (scenario 10) runs it and writes the figures to docs/benchmarks.md.
//
// Usage: bench_soak [JOB_CYCLES [GUARD_CYCLES]]   (default 100000 each). Prints one JSON object.
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "reins/guard.hpp"
#include "reins/job.hpp"

namespace {

using namespace reins;

struct Held {
  long fds = 0, rss_kib = 0, threads = 0, jobs = 0;
};

long count_dir(const char* path) {
  long n = 0;
  if (DIR* d = ::opendir(path)) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n - 1;  // the descriptor opendir holds
}

long status_field(const std::string& key) {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind(key + ":", 0) == 0) return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
  return -1;
}

Held held(const CgroupLayout& layout) {
  return {count_dir("/proc/self/fd"), status_field("VmRSS"), status_field("Threads"),
          static_cast<long>(Job::list(&layout).size())};
}

std::string json(const Held& h) {
  return "{\"fds\":" + std::to_string(h.fds) + ",\"rss_kib\":" + std::to_string(h.rss_kib) +
         ",\"threads\":" + std::to_string(h.threads) + ",\"jobs\":" + std::to_string(h.jobs) + "}";
}

}  // namespace

int main(int argc, char** argv) {
  const long job_cycles = argc > 1 ? std::atol(argv[1]) : 100000;
  const long guard_cycles = argc > 2 ? std::atol(argv[2]) : 100000;
  CgroupLayout layout = CgroupLayout::discover();
  JobOptions options;
  options.layout = &layout;
  Command true_cmd;
  true_cmd.argv = {"/bin/true"};
  // One cycle of each first, so that what is allocated once (the layout's caches, the guard's first thread)
  // counts in the baseline and not as a leak.
  {
    Job job = Job::create(options);
    job.spawn(true_cmd).wait();
    job.remove();
  }
  Command sleeper;
  sleeper.argv = {"/bin/sleep", "3600"};
  Process target = Process::spawn(sleeper);
  GuardOptions guard_options;
  guard_options.metric = GuardMetric::rss;
  guard_options.limit = 1ull << 40;
  guard_options.interval = std::chrono::milliseconds(1);
  { MemoryGuard(GuardTarget::process(target), guard_options).cancel(); }

  const Held before = held(layout);
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < job_cycles; ++i) {
    Job job = Job::create(options);
    job.spawn(true_cmd).wait();
    job.remove();
  }
  auto t1 = std::chrono::steady_clock::now();
  const Held after_jobs = held(layout);
  for (long i = 0; i < guard_cycles; ++i) {
    MemoryGuard guard(GuardTarget::process(target), guard_options);
    guard.cancel();
  }
  auto t2 = std::chrono::steady_clock::now();
  const Held after_guards = held(layout);
  target.signal(SIGKILL);
  target.wait();
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::printf(
      "{\"job_cycles\":%ld,\"guard_cycles\":%ld,\"job_s\":%.3f,\"guard_s\":%.3f,\"before\":%s,\"after_jobs\":%s,"
      "\"after_guards\":%s}\n",
      job_cycles, guard_cycles, secs(t1 - t0), secs(t2 - t1), json(before).c_str(), json(after_jobs).c_str(),
      json(after_guards).c_str());
  return 0;
}
