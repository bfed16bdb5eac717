#include "cgroup/v2/backend.hpp"

#include "cgroup/common_stats.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>

#include <unistd.h>

#include <fmt/format.h>

#include "reins/error.hpp"
#include "sys/fields.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {
namespace {

std::optional<std::uint64_t> events_field(const CgroupDir& dir, const char* key) {
  auto text = dir.try_read("cgroup.events");
  if (!text.ok()) return std::nullopt;
  return sys::field_u64(*text, key);
}

// cgroup.events changes raise POLLPRI on a held fd (pread from 0 re-arms it): no sleeping while waiting.
void wait_frozen_state(const CgroupDir& dir, bool frozen, std::chrono::steady_clock::time_point deadline) {
  UniqueFd events = dir.open_file("cgroup.events", O_RDONLY);
  for (;;) {
    std::string text = sys::pread_all(events.get()).or_throw("read", dir.file("cgroup.events"));
    if (sys::field_u64(text, "frozen") == (frozen ? 1u : 0u)) return;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw Error(ETIMEDOUT, frozen ? "freeze" : "thaw", dir.path() + " (the kernel did not report it done)");
    pollfd p{events.get(), POLLPRI, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
  }
}

}  // namespace

bool V2Backend::populated() const { return sys::field_u64(dir_.read("cgroup.events"), "populated").value_or(0) != 0; }

bool V2Backend::wait_empty(std::chrono::steady_clock::time_point deadline) const {
  UniqueFd events = dir_.open_file("cgroup.events", O_RDONLY);
  for (;;) {
    auto text = sys::pread_all(events.get());
    if (!text.ok()) return true;  // removed: certainly empty
    if (sys::field_u64(*text, "populated").value_or(0) == 0) return true;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{events.get(), POLLPRI, 0};
    ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
  }
}

bool V2Backend::set_frozen(bool frozen, std::chrono::steady_clock::time_point deadline) {
  if (!dir_.has("cgroup.freeze")) return false;  // before Linux 5.2
  dir_.write("cgroup.freeze", frozen ? "1" : "0");
  wait_frozen_state(dir_, frozen, deadline);
  return true;
}

bool V2Backend::frozen() const { return events_field(dir_, "frozen").value_or(0) != 0; }

bool V2Backend::kill_all() {
  if (!use_kill_) return false;
  sys::Status written = dir_.try_write("cgroup.kill", "1");
  if (written.error() == ENOENT) return false;  // before Linux 5.14
  written.or_throw("write '1' to", dir_.file("cgroup.kill"));
  return true;
}

void V2Backend::watch_populated(EventWatch& watch) const {
  if (!watch.wants(JobEventKind::all_exited)) return;
  UniqueFd fd = dir_.open_file("cgroup.events", O_RDONLY);
  auto text = sys::pread_all(fd.get()).value_or_none();
  auto last = text ? sys::field_u64(*text, "populated").value_or(0) : 0;
  // Members came and went before the watch began: their exit is news all the same.
  if (last == 0 && watch.take_populated_seen()) watch.post({JobEventKind::all_exited, 1});
  int raw = fd.get();
  watch.add(std::move(fd), EPOLLPRI, [raw, last, w = &watch](std::vector<JobEvent>& out) mutable {
    auto now_text = sys::pread_all(raw);
    if (!now_text.ok()) return;
    auto now = sys::field_u64(*now_text, "populated").value_or(0);
    bool seen = w->take_populated_seen();
    bool was = last != 0 || seen;
    if (now == 0 && was) out.push_back({JobEventKind::all_exited, 1});
    last = now;
  });
}

void V2Backend::read_cpu_usage(JobCpuStats& out) const { read_v2_cpu(dir_, false, out); }

std::optional<std::uint64_t> V2Backend::memory_current() const {
  return controllers_.has(Controller::memory) ? dir_.read_u64("memory.current") : std::nullopt;
}

void V2Backend::read_stats(JobStats& out) const {
  if (controllers_.has(Controller::cpu)) read_v2_cpu(dir_, true, out.cpu);
  if (controllers_.has(Controller::memory)) out.memory = read_v2_memory(dir_);
  if (controllers_.has(Controller::pids)) out.pids = read_pids(dir_);
  if (controllers_.has(Controller::io)) out.io = read_v2_io(dir_);
}

void V2Backend::watch_controllers(EventWatch& watch) const {
  auto add = [&](const char* file, const std::vector<CounterSource>& all) {
    std::vector<CounterSource> counters;
    for (const auto& c : all)
      if (watch.wants(c.kind)) counters.push_back(c);
    if (counters.empty()) return;
    UniqueFd fd = dir_.open_file(file, O_RDONLY);
    std::vector<JobEvent> ignored;
    collect_counters(fd.get(), counters, ignored);  // the baseline: count only what happens from now on
    int raw = fd.get();
    watch.add(std::move(fd), EPOLLPRI,
              [raw, counters](std::vector<JobEvent>& ev) mutable { collect_counters(raw, counters, ev); });
  };
  if (controllers_.has(Controller::memory))
    add("memory.events", {{JobEventKind::oom_kill, "oom_kill"},
                          {JobEventKind::memory_limit, "max"},
                          {JobEventKind::memory_high, "high"}});
  if (controllers_.has(Controller::pids)) add("pids.events", {{JobEventKind::pids_limit, "max"}});
}

std::optional<UniqueFd> V2Backend::pressure_trigger_fd(std::chrono::microseconds stall,
                                                       std::chrono::microseconds window) const {
  UniqueFd trigger(::openat(dir_.fd(), "memory.pressure", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!trigger) return std::nullopt;
  // The trigger belongs to the fd that wrote it, and ends when that fd is closed. The kernel wants the
  // terminating NUL written too.
  std::string line = fmt::format("some {} {}", stall.count(), window.count());
  if (::write(trigger.get(), line.c_str(), line.size() + 1) < 0) return std::nullopt;
  return trigger;
}

}  // namespace reins::cgroup
