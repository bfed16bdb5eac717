#include "job/job_scope.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>

#include <fmt/format.h>

#include "cgroup/job_cgroups.hpp"
#include "cgroup/layout.hpp"
#include "cgroup/limits.hpp"
#include "cgroup/v2/delegation.hpp"
#include "reins/error.hpp"
#include "sys/dir_stream.hpp"
#include "sys/file_io.hpp"
#include "systemd/scope.hpp"

namespace reins::job {
namespace {

struct ScopeState {
  std::mutex mutex;
  std::string unit;  // set once, for the life of the process
};
ScopeState& scope_state() {
  static ScopeState s;
  return s;
}

// A layout of this process's own cgroups, which is what moves with it.
bool own_layout(const cgroup::Layout& layout) {
  const auto& o = layout.options();
  return o.root.empty() && o.fs_prefix.empty() && !o.v1_only;
}

}  // namespace

std::string process_scope() {
  auto& s = scope_state();
  std::lock_guard lock(s.mutex);
  return s.unit;
}

bool scope_may_help(const cgroup::Layout& layout, SystemdScope policy) {
  return policy != SystemdScope::never && own_layout(layout) && layout.mode() == cgroup::Layout::Mode::v2 &&
         systemd::reachable_manager().has_value();
}

cgroup::ControllerSet delegated_for(const JobOptions& options) {
  cgroup::ControllerSet set = cgroup::controllers_for(options.limits);
  set.add(cgroup::Controller::memory);
  set.add(cgroup::Controller::pids);
  if (options.accounting.io) set.add(cgroup::Controller::io);
  if (options.accounting.cpu_throttling) set.add(cgroup::Controller::cpu);
  return set;
}

JobLimits limits_in_scope(const cgroup::Layout& layout, const JobOptions& options, std::vector<SkippedLimit>& skipped) {
  try {
    return cgroup::supported_limits(layout, options.limits, options.best_effort, skipped);
  } catch (const cgroup::DelegationError& e) {
    const bool in_our_scope =
        !process_scope().empty() || layout.options().root.find("/reins-job-") != std::string::npos;
    if (e.problem() != cgroup::DelegationProblem::not_delegated || !in_our_scope || ::geteuid() == 0) throw;
    throw cgroup::DelegationError(
        cgroup::DelegationProblem::not_delegated, ENOENT, e.detail(),
        fmt::format("the scope systemd's user manager made for reins has only what user@{}.service was given (on "
                    "Debian: cpu memory pids); an administrator can delegate more with a drop-in for user@.service "
                    "(systemctl edit user@.service: [Service] Delegate=cpu cpuset io memory pids)",
                    ::geteuid()));
  }
}

cgroup::Layout enter_scope(const cgroup::Layout& layout, cgroup::ControllerSet controllers, const std::string& why) {
  auto& s = scope_state();
  std::lock_guard lock(s.mutex);
  if (s.unit.empty()) {
    auto manager = systemd::reachable_manager();
    if (!manager)
      throw Error(ENOENT, fmt::format("{}; and no systemd manager to ask for a scope of its own ({})", why,
                                      systemd::built_with_sd_bus() ? "no /run/systemd/system, or no user bus"
                                                                   : "this reins is built without systemd support"));
    try {
      s.unit =
          systemd::move_self_into_scope(*manager, {{}, "reins: jobs of a supervisor", cgroup::v2_names(controllers)})
              .unit;
    } catch (const Error& e) {
      throw Error(e.errno_value(),
                  fmt::format("{}; and asking systemd for a scope of its own failed: {}", why, e.what()));
    }
  }
  return cgroup::Layout::discover(layout.options());
}

cgroup::Layout current_layout(const cgroup::Layout& layout) {
  if (!own_layout(layout) || process_scope().empty()) return layout;
  return cgroup::Layout::discover(layout.options());
}

namespace {

// Where the manager puts transient scopes (a cgroup path): system.slice for root, app.slice of the user's
// manager otherwise.
std::string scope_slice() {
  uid_t uid = ::geteuid();
  return uid == 0 ? "/system.slice" : fmt::format("/user.slice/user-{0}.slice/user@{0}.service/app.slice", uid);
}

cgroup::Layout rooted_at(const cgroup::Layout& own, const std::string& cgroup_path) {
  cgroup::LayoutOptions o = own.options();
  o.root = cgroup_path;
  return cgroup::Layout::discover(o);
}

UniqueFd open_dev_null() {
  int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) throw_errno("open", "/dev/null");
  return UniqueFd(fd);
}

}  // namespace

bool named_scopes_apply(const cgroup::Layout& layout) { return scope_may_help(layout, SystemdScope::when_needed); }

NamedScope start_named_scope(const cgroup::Layout& own, const std::string& name, cgroup::ControllerSet controllers) {
  auto manager = systemd::reachable_manager();
  if (!manager) throw Error(ENOENT, "no systemd manager to ask for the scope of job " + name);
  UniqueFd null = open_dev_null();
  Command keeper_cmd;
  keeper_cmd.argv = {"sleep", "infinity"};
  keeper_cmd.new_session = true;  // no terminal's signals reach it
  keeper_cmd.stdin_fd = keeper_cmd.stdout_fd = keeper_cmd.stderr_fd = null.get();
  Process keeper = Process::spawn(keeper_cmd);
  std::string unit = systemd::named_job_unit(name);
  systemd::start_scope_for(*manager, keeper.pid(),
                           {unit, fmt::format("reins job {}", name), cgroup::v2_names(controllers)});
  // Read while the keeper is our unreaped child: the pid cannot name another process.
  std::string scope = cgroup::cgroup2_path_of(keeper.pid());
  cgroup::Layout layout = rooted_at(own, scope);
  const std::string dir = layout.core().parent_dir();
  const std::string leaf = dir + "/" + kKeeperLeaf;
  if (::mkdir(leaf.c_str(), 0755) != 0) throw_errno("create cgroup", leaf);
  sys::write_file(AT_FDCWD, (leaf + "/cgroup.procs").c_str(), std::to_string(keeper.pid()))
      .or_throw("move the keeper of " + unit + " into", leaf);
  return NamedScope{std::move(layout), unit, dir, std::move(keeper)};
}

std::optional<std::pair<cgroup::Layout, std::string>> find_named_scope(const cgroup::Layout& own,
                                                                       const std::string& name) {
  const std::string path = scope_slice() + "/" + systemd::named_job_unit(name);
  const cgroup::Hierarchy* u = own.unified();
  if (!u) return std::nullopt;
  struct stat st {};
  if (::stat(u->dir_of(path).c_str(), &st) != 0) return std::nullopt;
  cgroup::Layout layout = rooted_at(own, path);
  std::string dir = layout.core().parent_dir();
  return std::make_pair(std::move(layout), std::move(dir));
}

std::vector<std::string> named_scope_jobs(const cgroup::Layout& own) {
  std::vector<std::string> names;
  const cgroup::Hierarchy* u = own.unified();
  if (!u) return names;
  const std::string slice = scope_slice();
  sys::for_each_dir_entry(u->dir_of(slice).c_str(), [&](const sys::DirEntry& e) {
    if (!e.is_dir() || !e.name.starts_with("reins-job-") || !e.name.ends_with(".scope")) return;
    for (const auto& job : cgroup::JobCgroups::list(rooted_at(own, slice + "/" + std::string(e.name))))
      names.push_back(job);
  });
  return names;
}

void end_named_scope(const std::string& scope_dir) noexcept {
  const std::string leaf = scope_dir + "/" + kKeeperLeaf;
  if (sys::write_file(AT_FDCWD, (leaf + "/cgroup.kill").c_str(), "1").ok()) return;
  // No cgroup.kill (before Linux 5.14): the keeper by its pidfd, once it is known to be in the leaf.
  auto text = sys::read_file(AT_FDCWD, (leaf + "/cgroup.procs").c_str());
  if (!text.ok()) return;
  for (pid_t pid : cgroup::parse_pid_list(*text)) {
    try {
      auto keeper = Process::try_open(pid);
      if (keeper && keeper->unreaped() && cgroup::cgroup2_path_of(pid).ends_with(std::string("/") + kKeeperLeaf))
        keeper->signal(SIGKILL);
    } catch (const Error&) {
      // Gone meanwhile, or unreadable: systemd's scope then ends when the keeper does.
    }
  }
}

}  // namespace reins::job
