// The systemd lane's library check (tests/systemd-vm): a C++ program that uses reins::Job directly, run by an
// ordinary user from her login shell on a systemd host. It must get a limited job without knowing about
// systemd: a 64 MiB job whose 200 MB hog the OOM killer ends. Prints what it saw; exits 0 only if all held.
#include <cstdio>
#include <exception>

#include "reins/job.hpp"
#include "reins/process.hpp"

int main() {
  try {
    reins::JobOptions options;
    options.limits.memory_max = reins::SizeLimit{64u << 20};
    reins::Job job = reins::Job::create(options);
    std::printf("job %s in %s, unit '%s'\n", job.name().c_str(), job.paths().front().c_str(), job.unit().c_str());
    reins::Command hog;
    hog.argv = {"dd", "if=/dev/zero", "of=/dev/null", "bs=200M", "count=1"};
    reins::Process p = job.spawn(hog);
    reins::ProcessResult r = p.wait();
    auto stats = job.stats();
    std::uint64_t ooms = stats.memory ? stats.memory->oom_kills : 0;
    std::printf("hog %s, %llu OOM kill(s)\n", r.status.describe().c_str(), static_cast<unsigned long long>(ooms));
    job.remove();
    bool ok = r.status.signaled() && r.status.signal() == 9 && ooms > 0 && !job.unit().empty();
    std::printf("%s\n", ok ? "ok" : "NOT ok: expected SIGKILL by the OOM killer in a systemd-made job");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::printf("error: %s\n", e.what());
    return 1;
  }
}
