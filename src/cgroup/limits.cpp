#include "cgroup/limits.hpp"

#include "cgroup/v2/delegation.hpp"

#include <cstring>

#include <fmt/format.h>

#include "cgroup/knobs.hpp"
#include "reins/error.hpp"

namespace reins::cgroup {
namespace {

struct PendingWrite {
  const CgroupDir* dir;
  FileWrite write;
  int err = 0;
};

FileReader reader_for(const CgroupDir& dir) {
  return [&dir](const char* file) { return dir.try_read(file).value_or_none(); };
}

std::string hint(const FileWrite& w, int err) {
  if (err == EBUSY && w.controller == Controller::memory) return " (the job uses more than that now)";
  if (err == ENODEV && w.controller == Controller::io) return " (not a whole disk: name the disk, not a partition)";
  if ((err == EINVAL || err == ERANGE) && w.controller == Controller::cpuset) return " (no such CPU or node here)";
  return {};
}

[[noreturn]] void fail(const PendingWrite& p) {
  throw Error(p.err, fmt::format("set {}: write '{}' to {}{}: {}", p.write.property, p.write.text,
                                 p.dir->file(p.write.file), hint(p.write, p.err), std::strerror(p.err)));
}

std::string where(const Layout& layout, Controller c) {
  const Hierarchy* h = layout.find(c);
  return h ? fmt::format("{} at {}", h->version == Version::v1 ? "cgroup v1" : "cgroup v2", h->mount_point)
           : std::string("nowhere");
}

void clear_knob(const Knob& k, JobLimits& l) {
  // Each knob owns one field (or one io kind).
  if (k.controller == Controller::io) {
    std::erase_if(l.io, [&](const IoDeviceLimit& d) { return io_property(d.kind) == std::string_view(k.property); });
    return;
  }
  std::string_view p = k.property;
  if (p == "MemoryMax")
    l.memory_max.reset();
  else if (p == "MemoryHigh")
    l.memory_high.reset();
  else if (p == "MemorySwapMax")
    l.swap_max.reset();
  else if (p == "CPUQuota")
    l.cpu_quota.reset();
  else if (p == "CPUWeight")
    l.cpu_weight.reset();
  else if (p == "AllowedCPUs")
    l.cpuset_cpus.reset();
  else if (p == "AllowedMemoryNodes")
    l.cpuset_mems.reset();
  else if (p == "TasksMax")
    l.pids_max.reset();
}

}  // namespace

ControllerSet controllers_for(const JobLimits& limits) {
  ControllerSet set;
  for (const auto& k : knob_table())
    if (k.is_set(limits)) set.add(k.controller);
  return set;
}

JobLimits supported_limits(const Layout& layout, const JobLimits& limits, bool best_effort,
                           std::vector<SkippedLimit>& skipped) {
  JobLimits out = limits;
  for (const auto& k : knob_table()) {
    if (!k.is_set(limits)) continue;
    const Hierarchy* h = layout.find(k.controller);
    std::string why;
    if (!h)
      why = fmt::format("{}= needs the {} controller, which is not available", k.property, v1_name(k.controller));
    else if (!k.file[column(h->version)])
      why = fmt::format("{}= exists only on {} (the {} controller is {})", k.property,
                        h->version == Version::v1 ? "cgroup v2" : "cgroup v1", v1_name(k.controller),
                        where(layout, k.controller));
    if (why.empty()) continue;
    // Pure v2 without the controller in our cgroup: a cgroup that has it delegated (a systemd scope) would do.
    if (!best_effort && !h && layout.mode() == Layout::Mode::v2)
      throw DelegationError(DelegationProblem::not_delegated, ENOENT,
                            fmt::format("{} (not delegated to {})", why, layout.unified()->parent),
                            fmt::format("run reins in a cgroup that has it: {} reins ...", own_cgroup_command()));
    if (!best_effort) throw Error(ENOTSUP, why);
    skipped.push_back({k.property, why});
    clear_knob(k, out);
  }
  return out;
}

void apply_limits(const JobCgroups& job, const JobLimits& limits, bool best_effort, std::vector<SkippedLimit>& skipped,
                  bool fresh) {
  const FileReader nothing_in_force = [](const char*) -> std::optional<std::string> { return std::nullopt; };
  std::vector<PendingWrite> writes;
  for (const auto& k : knob_table()) {
    if (!k.is_set(limits)) continue;
    Backend* b = job.holding(k.controller);
    if (!b)
      throw Error(ENOTSUP, fmt::format("{}= needs the {} controller, which the job has not joined", k.property,
                                       v1_name(k.controller)));
    const CgroupDir& dir = *b->dir(k.controller);
    auto col = column(b->version());
    if (!k.encode[col] || !dir.has(k.file[col])) {
      std::string why = fmt::format("{}= needs {}, which this kernel does not provide", k.property,
                                    dir.file(k.file[col] ? k.file[col] : "?"));
      if (!best_effort) throw Error(ENOTSUP, why);
      skipped.push_back({k.property, why});
      continue;
    }
    std::vector<FileWrite> out;
    k.encode[col](limits, fresh ? nothing_in_force : reader_for(dir), out);
    for (auto& w : out) writes.push_back({&dir, std::move(w)});
  }
  std::vector<PendingWrite> retry;
  for (auto& p : writes) {
    p.err = p.dir->try_write(p.write.file.c_str(), p.write.text).error();
    if (p.err == EINVAL || p.err == EBUSY)
      retry.push_back(p);
    else if (p.err)
      fail(p);
  }
  for (auto& p : retry)
    if ((p.err = p.dir->try_write(p.write.file.c_str(), p.write.text).error())) fail(p);
}

JobLimits read_limits(const JobCgroups& job) {
  JobLimits out;
  for (const auto& k : knob_table()) {
    Backend* b = job.holding(k.controller);
    if (!b) continue;
    auto col = column(b->version());
    if (k.decode[col]) k.decode[col](reader_for(*b->dir(k.controller)), out);
  }
  return out;
}

}  // namespace reins::cgroup
