#include "cgroup/v1/backend.hpp"

#include "cgroup/common_stats.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <thread>

#include "reins/error.hpp"
#include "sys/fields.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {
namespace {

// "Memory limit reached" on v1: a usage threshold near the limit, as an eventfd registered through
// cgroup.event_control. (memory.failcnt has no notification, and 6.18 does not count in it at all once a
// memory+swap limit is set.) The kernel compares usage with thresholds only every 128 page charges
// (THRESHOLDS_EVENTS_TARGET), so a threshold within a few hundred KiB of the limit is never seen crossed
// before the OOM killer acts (measured); 15/16 of the limit is. The threshold fires when usage crosses it
// either way; wakes that come together are one event.
void watch_limit_hits(const CgroupDir& mem, EventWatch& watch) {
  auto limit = mem.read_u64("memory.limit_in_bytes").value_or(0);
  if (limit == 0 || limit >= (1ull << 62)) return;
  std::uint64_t threshold = limit - limit / 16;
  UniqueFd efd =
      register_v1_event(mem, mem.open_file("memory.usage_in_bytes", O_RDONLY).get(), std::to_string(threshold));
  int raw = efd.get();
  watch.add(std::move(efd), EPOLLIN, [raw](std::vector<JobEvent>& out) {
    std::uint64_t n = 0;
    if (::read(raw, &n, sizeof n) == static_cast<ssize_t>(sizeof n) && n > 0)
      out.push_back({JobEventKind::memory_limit, 1});
  });
}

}  // namespace

const CgroupDir* V1Backend::dir(Controller c) const noexcept {
  for (const auto& cg : cgroups_)
    if (cg.controllers.has(c)) return &cg.dir;
  return nullptr;
}

std::vector<const CgroupDir*> V1Backend::dirs() const {
  std::vector<const CgroupDir*> out;
  for (const auto& cg : cgroups_) out.push_back(&cg.dir);
  return out;
}

bool V1Backend::wait_empty(std::chrono::steady_clock::time_point deadline) const {
  // v1 cannot notify "empty"; the members' exits are short, so a brief backoff suffices.
  for (auto pause = std::chrono::microseconds(100);; pause = std::min(pause * 2, std::chrono::microseconds(10000))) {
    if (!populated()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
  }
}

bool V1Backend::set_frozen(bool frozen, std::chrono::steady_clock::time_point deadline) {
  const CgroupDir* freezer = dir(Controller::freezer);
  if (!freezer) return false;
  const char* want = frozen ? "FROZEN" : "THAWED";
  freezer->write("freezer.state", want);
  // The v1 freezer has no notification; reading freezer.state is what moves FREEZING on to FROZEN, so it is
  // re-read (and the write repeated, as runc does, for tasks that forked meanwhile) with a short pause.
  for (auto pause = std::chrono::microseconds(100);; pause = std::min(pause * 2, std::chrono::microseconds(5000))) {
    std::string state = freezer->read("freezer.state");
    if (state.rfind(want, 0) == 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) {
      // Never leave a half-frozen job behind; the timeout below is the error to report.
      if (frozen) static_cast<void>(freezer->try_write("freezer.state", "THAWED"));
      throw Error(ETIMEDOUT, frozen ? "freeze" : "thaw", freezer->path() + " (still " + state + ")");
    }
    std::this_thread::sleep_for(pause);
    static_cast<void>(freezer->try_write("freezer.state", want));  // a failure shows in the next read
  }
}

bool V1Backend::frozen() const {
  const CgroupDir* freezer = dir(Controller::freezer);
  if (!freezer) return false;
  auto state = freezer->try_read("freezer.state");
  return state.ok() && state->rfind("FROZEN", 0) == 0;
}

void V1Backend::watch_populated(EventWatch& watch) const {
  if (!watch.wants(JobEventKind::all_exited)) return;
  bool last = populated();
  // Members came and went before the watch began: their exit is news all the same.
  if (!last && watch.take_populated_seen()) watch.post({JobEventKind::all_exited, 1});
  watch.add_sampled(kV1SampleInterval, [this, last, w = &watch](std::vector<JobEvent>& out) mutable {
    bool now = populated();  // a job removed meanwhile reads as empty
    bool seen = w->take_populated_seen();
    bool was = last || seen;
    if (!now && was) out.push_back({JobEventKind::all_exited, 1});
    last = now;
  });
}

void V1Backend::read_cpu_usage(JobCpuStats& out) const {
  if (const auto* d = dir(Controller::cpuacct)) read_v1_cpuacct(*d, out);
}

std::optional<std::uint64_t> V1Backend::memory_current() const {
  const auto* d = dir(Controller::memory);
  return d ? d->read_u64("memory.usage_in_bytes") : std::nullopt;
}

void V1Backend::read_stats(JobStats& out) const {
  if (const auto* d = dir(Controller::memory)) out.memory = read_v1_memory(*d);
  if (const auto* d = dir(Controller::cpu)) read_v1_cpu_throttling(*d, out.cpu);
  if (const auto* d = dir(Controller::io)) out.io = read_v1_blkio(*d);
  if (const auto* d = dir(Controller::pids)) out.pids = read_pids(*d);
}

void V1Backend::watch_controllers(EventWatch& watch) const {
  const auto* mem = dir(Controller::memory);
  if (mem && watch.wants(JobEventKind::oom_kill)) {
    // OOM: an eventfd on memory.oom_control, which fires per OOM; the kill count is read back from the file.
    auto counters =
        std::make_shared<std::vector<CounterSource>>(std::vector<CounterSource>{{JobEventKind::oom_kill, "oom_kill"}});
    UniqueFd control = mem->open_file("memory.oom_control", O_RDONLY);
    std::vector<JobEvent> ignored;
    collect_counters(control.get(), *counters, ignored);
    auto control_fd = std::make_shared<UniqueFd>(std::move(control));
    UniqueFd efd = register_v1_event(*mem, control_fd->get(), "");
    int raw = efd.get();
    watch.add(std::move(efd), EPOLLIN, [raw, counters, control_fd](std::vector<JobEvent>& out) {
      std::uint64_t n;
      [[maybe_unused]] auto r = ::read(raw, &n, sizeof n);
      collect_counters(control_fd->get(), *counters, out);
    });
  }
  if (mem && watch.wants(JobEventKind::memory_limit)) watch_limit_hits(*mem, watch);
  const auto* pids = dir(Controller::pids);
  if (pids && watch.wants(JobEventKind::pids_limit)) {
    // v1 pids.events exists but never notifies (measured on 6.18): sampled.
    auto events = std::make_shared<UniqueFd>(pids->open_file("pids.events", O_RDONLY));
    auto counters =
        std::make_shared<std::vector<CounterSource>>(std::vector<CounterSource>{{JobEventKind::pids_limit, "max"}});
    std::vector<JobEvent> ignored;
    collect_counters(events->get(), *counters, ignored);
    watch.add_sampled(kV1SampleInterval, [events, counters](std::vector<JobEvent>& out) {
      collect_counters(events->get(), *counters, out);
    });
  }
}

std::optional<UniqueFd> V1Backend::usage_threshold_fd(std::uint64_t bytes) const {
  const CgroupDir* mem = dir(Controller::memory);
  if (!mem) return std::nullopt;
  return register_v1_event(*mem, mem->open_file("memory.usage_in_bytes", O_RDONLY).get(), std::to_string(bytes));
}

}  // namespace reins::cgroup
