#include "cgroup/job_cgroups.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include "cgroup/mountinfo.hpp"
#include "cgroup/terminate.hpp"
#include "cgroup/v1/cpuset.hpp"
#include "cgroup/v2/delegation.hpp"
#include "procfs/identity.hpp"
#include "reins/error.hpp"
#include "reins/process.hpp"
#include "sys/dir_stream.hpp"
#include "sys/file_io.hpp"

namespace reins::cgroup {
namespace {

// Marks a cgroup as a reins job, so that `list` can tell jobs from other cgroups beside them. Its value is
// the owner's ProcessStamp while an owner will end the job before exiting, else "1" (released). A job's
// members die with their owner through PR_SET_PDEATHSIG, so a SIGKILLed owner leaves an empty job behind
// whose stamp names a process that is gone: remove_abandoned finds it.
constexpr const char* kJobXattr = "user.reins.job";

constexpr const char* kReleased = "1";

// How long the sweep may take to end what an abandoned job still runs.
constexpr auto kKillTime = std::chrono::seconds(5);

// The marker of a job this process owns: its stamp, read once (it never changes while we live). Throws
// reins::Error when /proc/self/stat cannot be read (out of descriptors...): a job must not be made then, for
// it could be marked neither owned (its stamp unknown) nor released (nobody would ever remove it).
const std::string& own_stamp() {
  static const std::string stamp = procfs::ProcessStamp::self().format();
  return stamp;
}

// Best effort: on a file system without user xattrs `list` just cannot tell jobs apart, and without a stamp
// a job is never taken for abandoned (the safe side).
void mark_job(const std::string& path, const std::string& value) noexcept {
  ::setxattr(path.c_str(), kJobXattr, value.data(), value.size(), 0);
}

// The jobs below `parent` and their markers' values, in name order ("" for a value too long to be a stamp).
std::vector<std::pair<std::string, std::string>> marked_jobs(const std::string& parent) {
  std::vector<std::pair<std::string, std::string>> out;
  int err = sys::for_each_dir_entry(parent.c_str(), [&](const sys::DirEntry& e) {
    if (!e.is_dir() || e.name.front() == '.') return;
    const std::string name(e.name);
    char value[96];
    ssize_t n = ::getxattr((parent + "/" + name).c_str(), kJobXattr, value, sizeof value);
    if (n >= 0)
      out.emplace_back(name, std::string(value, static_cast<std::size_t>(n)));
    else if (errno == ERANGE)
      out.emplace_back(name, std::string());
  });
  if (err) throw Error(err, "list", parent);
  std::sort(out.begin(), out.end());
  return out;
}

std::string first_item(const std::string& s) { return s.substr(0, s.find(',')); }

// Writes `pid` to dir's cgroup.procs. Returns false if the process is gone.
bool write_pid(const CgroupDir& dir, pid_t pid) {
  sys::Status written = dir.try_write("cgroup.procs", std::to_string(pid));
  if (written.error() == ESRCH) return false;
  written.or_throw(fmt::format("move pid {} into", pid), dir.path());
  return true;
}

// Every hierarchy a job with `wanted` needs, besides the core's.
std::vector<const Hierarchy*> v1_hierarchies(const Layout& layout, ControllerSet wanted) {
  std::vector<const Hierarchy*> out;
  const Hierarchy* core = &layout.core();
  if (core->version == Version::v1) out.push_back(core);
  for (auto c : kAllControllers) {
    if (!wanted.has(c)) continue;
    const Hierarchy* h = layout.find(c);
    if (!h)
      throw Error(ENOENT, fmt::format("the {} controller is not available (no v1 hierarchy carries it and "
                                      "cgroup2 does not offer it below {})",
                                      v1_name(c), layout.unified() ? layout.unified()->parent : std::string("/")));
    if (h->version == Version::v1 && std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  }
  return out;
}

ControllerSet v2_wanted(const Layout& layout, ControllerSet wanted) {
  ControllerSet out;
  const Hierarchy* u = layout.unified();
  for (auto c : kAllControllers)
    if (wanted.has(c) && u && layout.find(c) == u) out.add(c);
  return out;
}

// The job's cgroup2 directory. Not being allowed to create it (an ordinary user in a session scope that
// root owns) is a delegation problem, which a cgroup of one's own fixes.
CgroupDir create_core_dir(const std::string& path, std::string cgroup_path) {
  try {
    return CgroupDir::create(path, std::move(cgroup_path));
  } catch (const Error& e) {
    if (e.errno_value() != EACCES && e.errno_value() != EPERM) throw;
    throw DelegationError(DelegationProblem::not_writable, e.errno_value(),
                          fmt::format("{}: that cgroup is not ours to change (uid {})", e.what(), ::geteuid()),
                          fmt::format("give reins a cgroup of its own: {} reins ...", own_cgroup_command()));
  }
}

// Removes what a failed create() made.
struct Undo {
  std::vector<std::string> paths;
  bool armed = true;
  ~Undo() {
    if (!armed) return;
    for (auto it = paths.rbegin(); it != paths.rend(); ++it) ::rmdir(it->c_str());
  }
};

}  // namespace

namespace {

// A name that is, or may become, a file of the cgroup directory the job is made in: the kernel's control
// files are "<controller>.<knob>" (any controller, also ones reins does not use), v1's "tasks",
// "notify_on_release" and "release_agent"; names starting with '.' are hidden from listings.
bool reserved_name(std::string_view name) {
  static constexpr std::string_view kPrefixes[] = {"cgroup", "memory",  "cpu",      "cpuacct",    "cpuset",  "io",
                                                   "blkio",  "pids",    "freezer",  "devices",    "hugetlb", "rdma",
                                                   "misc",   "net_cls", "net_prio", "perf_event", "irq"};
  if (name.front() == '.' || name == "tasks" || name == "notify_on_release" || name == "release_agent") return true;
  auto dot = name.find('.');
  return dot != std::string_view::npos &&
         std::find(std::begin(kPrefixes), std::end(kPrefixes), name.substr(0, dot)) != std::end(kPrefixes);
}

}  // namespace

void check_job_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 200 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '@' || c == ':' || c == '+';
  });
  if (!ok)
    throw InvalidArgument(
        fmt::format("invalid job name '{}': use 1 to 200 letters, digits and . _ - @ : + "
                    "(for example build-42)",
                    name));
  if (reserved_name(name))
    throw InvalidArgument(
        fmt::format("invalid job name '{}': names starting with '.', tasks, notify_on_release, release_agent "
                    "and CONTROLLER.ANYTHING (cgroup.procs, memory.max, ...) are the kernel's control files; "
                    "choose another (for example build-42)",
                    name));
}

namespace {

// A second create of a name gets a clear answer before anything is made (mkdir says only "File exists"),
// also when only part of an earlier job is left in some hierarchy.
void check_name_free(const Layout& layout, const std::string& name) {
  for (const auto& h : layout.hierarchies()) {
    std::string path = h.dir_of(h.child_path(name));
    if (::access(path.c_str(), F_OK) == 0)
      throw Error(EEXIST, fmt::format("job '{}' exists ({}): remove it first (reins job rm {}) or choose another name",
                                      name, path, name));
  }
}

// Container engines mount the cgroup file system read-only by default; whichever write meets it first
// (subtree_control, the supervisor leaf, the job's mkdir), the error says what would make it writable.
std::string read_only_hint() {
  return "the cgroup file system is mounted read-only here (as container engines mount it by default); a job "
         "needs it writable: docker/podman run -v /sys/fs/cgroup:/sys/fs/cgroup:rw, a privileged pod under "
         "Kubernetes; or set the limit on the container itself (--memory, resources.limits)";
}

}  // namespace

JobCgroups JobCgroups::create(const Layout& layout, const std::string& name, ControllerSet wanted,
                              ControllerSet optional, bool owned) {
  try {
    return create_unchecked(layout, name, wanted, optional, owned);
  } catch (const DelegationError&) {
    throw;
  } catch (const Error& e) {
    if (e.errno_value() != EROFS) throw;
    throw Error(EROFS, std::string(e.what()) + ": " + read_only_hint());
  }
}

JobCgroups JobCgroups::create_unchecked(const Layout& layout, const std::string& name, ControllerSet wanted,
                                        ControllerSet optional, bool owned) {
  check_job_name(name);
  check_name_free(layout, name);
  const std::string marker = owned ? own_stamp() : kReleased;  // before anything exists: see own_stamp()
  wanted.add(layout.core_controllers());
  auto v1 = v1_hierarchies(layout, wanted);
  ControllerSet v2 = v2_wanted(layout, wanted);
  JobCgroups job(layout, name);
  Undo undo;
  if (const Hierarchy* u = layout.unified()) {
    ControllerSet enabled;
    if (!u->controllers.empty()) {  // else (hybrid, as here) cgroup2 offers nothing to enable
      job.lease_ = std::make_unique<DelegationLease>(*u);
      enabled = v2.empty() ? enabled_v2_controllers(*u) : enable_v2_controllers(*u, v2);
      if (ControllerSet extra = v2_wanted(layout, optional); !extra.empty()) {
        try {
          enabled = enable_v2_controllers(*u, extra);
        } catch (const DelegationError&) {
          // Statistics only: without the controller the job simply lacks those figures (a caller that can
          // get a delegated cgroup, Job::create on a systemd host, asks accounting_refused()).
          job.accounting_refused_ = true;
        } catch (const Error&) {
          // As above, for any other reason.
        }
      }
    }
    std::string path = u->dir_of(u->child_path(name));
    job.v2_ =
        std::make_unique<V2Backend>(create_core_dir(path, u->child_path(name)), enabled, layout.uses_cgroup_kill());
    undo.paths.push_back(path);
  }
  for (const Hierarchy* h : v1) {
    job.create_v1(*h);
    undo.paths.push_back(h->dir_of(h->child_path(name)));
  }
  for (auto c : kAllControllers) {
    const Hierarchy* h = optional.has(c) ? layout.find(c) : nullptr;
    if (!h || h->version != Version::v1 || job.dir_in(*h)) continue;
    try {
      job.create_v1(*h);
      undo.paths.push_back(h->dir_of(h->child_path(name)));
    } catch (const Error&) {
      // As above: statistics only.
    }
  }
  mark_job(job.core().core_dir().path(), marker);
  undo.armed = false;
  return job;
}

void JobCgroups::create_v1(const Hierarchy& h) {
  std::string path = h.dir_of(h.child_path(name_));
  V1Cgroup cg{h.controllers, first_item(h.name), CgroupDir::create(path, h.child_path(name_))};
  if (h.controllers.has(Controller::cpuset)) {
    try {
      init_v1_cpuset(cg.dir, h.parent_dir(), h.mount_point);
    } catch (...) {
      ::rmdir(path.c_str());
      throw;
    }
  }
  if (v1_) {
    v1_->add(std::move(cg));
  } else {
    std::vector<V1Cgroup> list;
    list.push_back(std::move(cg));
    v1_ = std::make_unique<V1Backend>(std::move(list));
  }
}

namespace {

// Whether the cgroup at `path` carries reins' job marker; true also where the file system cannot keep one.
bool marked_or_unmarkable(const std::string& path) {
  if (::getxattr(path.c_str(), kJobXattr, nullptr, 0) >= 0) return true;
  return errno == ENOTSUP || errno == EOPNOTSUPP;
}

}  // namespace

std::optional<JobCgroups> JobCgroups::open(const Layout& layout, const std::string& name, bool adopt) {
  check_job_name(name);
  const Hierarchy& core_h = layout.core();
  const std::string core_path = core_h.dir_of(core_h.child_path(name));
  if (::access(core_path.c_str(), F_OK) != 0) return std::nullopt;
  if (!adopt && !marked_or_unmarkable(core_path))
    throw Error(EPERM, fmt::format("cgroup {} is not a reins job (it has no {} marker: it was made by hand or by "
                                   "another tool), and reins acts only on its own jobs; add --adopt to treat it as "
                                   "one (JobOpen::adopt)",
                                   core_path, kJobXattr));
  JobCgroups job(layout, name);
  if (const Hierarchy* u = layout.unified()) {
    auto dir = CgroupDir::open(u->dir_of(u->child_path(name)), u->child_path(name));
    if (!dir) return std::nullopt;
    ControllerSet enabled = parse_v2_controllers(dir->read("cgroup.controllers"));
    job.v2_ = std::make_unique<V2Backend>(std::move(*dir), enabled, layout.uses_cgroup_kill());
  }
  std::vector<V1Cgroup> v1;
  const Hierarchy* core = &layout.core();
  for (const auto& h : layout.hierarchies()) {
    if (h.version != Version::v1) continue;
    auto dir = CgroupDir::open(h.dir_of(h.child_path(name)), h.child_path(name));
    if (!dir) {
      if (&h == core) return std::nullopt;
      continue;
    }
    V1Cgroup cg{h.controllers, first_item(h.name), std::move(*dir)};
    if (&h == core)
      v1.insert(v1.begin(), std::move(cg));
    else
      v1.push_back(std::move(cg));
  }
  if (!v1.empty()) job.v1_ = std::make_unique<V1Backend>(std::move(v1));
  return job;
}

std::vector<std::string> JobCgroups::list(const Layout& layout) {
  std::vector<std::string> out;
  for (auto& [name, value] : marked_jobs(layout.core().parent_dir())) out.push_back(std::move(name));
  return out;
}

std::vector<std::string> JobCgroups::remove_abandoned(const Layout& layout, Deadline deadline) {
  std::vector<std::string> removed;
  for (const auto& [name, value] : marked_jobs(layout.core().parent_dir())) {
    try {
      // Owned by a process that is gone ("1", a released job, never parses as a stamp).
      auto owner = procfs::ProcessStamp::parse(value);
      if (!owner || !owner->gone()) continue;
      auto job = open(layout, name);
      if (!job) continue;
      // Its owner is gone, so nobody ends what is still in it (children that outlived a SIGKILLed reins,
      // double-forked daemons): end it here, as the owner would have.
      // The sweep's own deadline is for removing empty jobs; killing is given the time it takes (v1 freezes,
      // kills each member and thaws), bounded by kKillTime.
      Deadline end = deadline;
      if (!job->core().core_dir().pids_recursive().empty()) {
        end = std::max(deadline, std::chrono::steady_clock::now() + kKillTime);
        if (!job->core().kill_all()) kill_members(job->core(), end);
      }
      job->core().wait_empty(end);
      job->kill_strays(end);
      std::string failed;
      if (job->remove(end, failed) == 0) removed.push_back(name);
    } catch (const Error&) {
      // /proc cannot say, the job went meanwhile, or it is unreadable: not ours to judge.
    }
  }
  return removed;
}

void JobCgroups::set_owned(bool owned) const noexcept {
  try {
    mark_job(core().core_dir().path(), owned ? own_stamp() : kReleased);
  } catch (const Error&) {
    // Our stamp cannot be read: the marker stays as it was, never "released" by mistake (a job that stays
    // released is at worst not swept; one wrongly released is never removed).
  }
}

Backend* JobCgroups::holding(Controller c) const noexcept {
  if (v2_ && v2_->dir(c)) return v2_.get();
  if (v1_ && v1_->dir(c)) return v1_.get();
  return nullptr;
}

std::vector<Backend*> JobCgroups::backends() const {
  std::vector<Backend*> out{&core()};
  if (v1_ && v2_) out.push_back(v1_.get());
  return out;
}

std::vector<const CgroupDir*> JobCgroups::dirs() const {
  std::vector<const CgroupDir*> out;
  for (auto* b : backends())
    for (auto* d : b->dirs()) out.push_back(d);
  return out;
}

std::vector<std::string> JobCgroups::paths() const {
  std::vector<std::string> out;
  for (const auto* d : dirs()) out.push_back(d->path());
  return out;
}

const CgroupDir* JobCgroups::dir_in(const Hierarchy& h) const noexcept {
  if (!v1_) return nullptr;
  for (auto c : kAllControllers)
    if (h.controllers.has(c))
      if (const CgroupDir* d = v1_->dir(c)) return d;
  return nullptr;
}

void JobCgroups::join(ControllerSet wanted, Deadline deadline) {
  ControllerSet v2 = v2_wanted(layout_, wanted);
  if (!v2.empty() && v2_) {
    if (!lease_) lease_ = std::make_unique<DelegationLease>(*layout_.unified());
    v2_->add_controllers(enable_v2_controllers(*layout_.unified(), v2));
  }
  std::vector<const Hierarchy*> fresh;
  for (const Hierarchy* h : v1_hierarchies(layout_, wanted))
    if (!dir_in(*h)) fresh.push_back(h);
  if (fresh.empty()) return;
  for (const Hierarchy* h : fresh) create_v1(*h);
  // Bring the members along, frozen so that none forks a child into the old cgroups meanwhile.
  FreezeScope frozen(core(), deadline, FreezeScope::Thaw::unless_frozen_before);
  for (pid_t pid : core().core_dir().pids_recursive())
    for (const Hierarchy* h : fresh) write_pid(*dir_in(*h), pid);
  fix_stragglers();
  frozen.thaw();
}

void JobCgroups::move_in(pid_t pid, Deadline deadline) {
  Process held = Process::open(pid);  // throws ESRCH
  auto all = dirs();
  // v1 leaves a process's memory charged where it was unless the destination asks for it (anonymous pages
  // and mapped file pages: 1 | 2), once per job. Kernels that refuse it (EINVAL since it was deprecated in
  // 6.6, and logged each time) keep v2's rule.
  if (v1_ && !charge_move_asked_)
    if (const CgroupDir* memory = v1_->dir(Controller::memory)) {
      (void)memory->try_write("memory.move_charge_at_immigrate", "3");
      charge_move_asked_ = true;
    }
  // Across several hierarchies the moves are not one step: freeze the job so that the process, once in the
  // core cgroup, cannot fork a child that lands outside the others.
  std::optional<FreezeScope> frozen;
  if (all.size() > 1) frozen.emplace(core(), deadline, FreezeScope::Thaw::unless_frozen_before);
  for (const auto* d : all)
    if (!write_pid(*d, pid)) throw Error(ESRCH, "move into job " + name_, fmt::format("pid {} (it exited)", pid));
  // The pid named the process we hold only if it is still alive now.
  if (!held.unreaped()) throw Error(ESRCH, "move into job " + name_, fmt::format("pid {} (it exited)", pid));
  if (all.size() > 1) fix_stragglers();
  if (frozen) frozen->thaw();
}

// Moves members of the core cgroup that some other hierarchy still has elsewhere (children forked while
// their parent was being moved).
void JobCgroups::fix_stragglers() {
  if (!v1_) return;
  for (int pass = 0; pass < 16; ++pass) {
    bool moved = false;
    for (pid_t pid : core().core_dir().pids_recursive()) {
      auto read = sys::read_file(AT_FDCWD, fmt::format("/proc/{}/cgroup", pid).c_str());
      if (!read.ok()) continue;
      const std::string& text = *read;
      for (const auto& h : layout_.hierarchies()) {
        const CgroupDir* d = h.version == Version::v1 ? dir_in(h) : nullptr;
        if (!d || path_within(membership_path(text, first_item(h.name)), d->cgroup_path())) continue;
        moved = write_pid(*d, pid) || moved;
      }
    }
    if (!moved) return;
  }
}

std::size_t JobCgroups::kill_strays(Deadline deadline) {
  std::vector<Process> killed;
  for (const auto& h : layout_.hierarchies()) {
    const CgroupDir* d = h.version == Version::v1 && &h != &layout_.core() ? dir_in(h) : nullptr;
    if (!d) continue;
    for (pid_t pid : d->pids_recursive())
      if (auto proc = hold_in(first_item(h.name), d->cgroup_path(), pid); proc && proc->signal(SIGKILL))
        killed.push_back(std::move(*proc));
  }
  wait_exits(killed, deadline);
  return killed.size();
}

int JobCgroups::remove(Deadline deadline, std::string& failed) noexcept {
  auto all = dirs();
  // Controllers first, the core last: while anything is left, the core still sees the job (list, rm, clean).
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    int err = (*it)->remove_tree(deadline);
    if (err) {
      failed = (*it)->path();
      return err;
    }
  }
  return 0;
}

}  // namespace reins::cgroup
