// Transient systemd scopes, asked for over D-Bus (libsystemd's sd-bus): how reins gets a cgroup of its own on a
// systemd host when the one it was started in cannot hold a job. A login shell's session scope, a service
// without Delegate= and a terminal's user scope all hold other processes (cgroup v2's "no internal processes"
// rule then forbids enabling controllers) or belong to root (an ordinary user cannot create cgroups there).
// systemd-run --scope, crun and podman solve it the same way: ask the manager that owns the tree for a scope
// with Delegate=yes holding the process, then do as one likes below it.
//
// The system manager serves root, the user's own manager ($XDG_RUNTIME_DIR/bus) everyone else: an ordinary
// user's scope lives in user@UID.service, whose controllers (Debian: cpu, memory, pids) are delegated to her.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reins::systemd {

enum class Manager { system, user };

std::string_view manager_name(Manager m) noexcept;  // "system", "user"
std::optional<Manager> parse_manager(std::string_view name) noexcept;

// Whether this build can talk to systemd at all: it has sd-bus (libsystemd is loaded when first needed), or
// it is the fully static reins and finds its helper, reins-systemd-scope, which has.
bool built_with_sd_bus() noexcept;

// The manager this process would ask: the system manager for root, the user's manager otherwise; nullopt when
// none runs (no /run/systemd/system directory, as runc tests it; for users also no $XDG_RUNTIME_DIR/bus) or the
// build has no sd-bus.
std::optional<Manager> reachable_manager();

struct Scope {
  std::string unit;  // "reins-1234-5f3a.scope"
  Manager manager = Manager::system;
};

struct ScopeRequest {
  std::string unit;  // empty: a new "reins-PID-XXXX.scope"
  std::string description;
  // The controllers delegated (DelegateControllers=, v2 names: "memory", "cpu"); empty: all (Delegate=yes).
  // Only what the job needs: a controller delegated must be enabled in the slices above the scope, and one
  // that systemd does not account for by default there (cpu, io in system.slice) is switched on for the scope
  // and off again after it. Measured in the systemd lane's benchmark: `reins run -m 1G` as root took 2.0× the
  // peer with Delegate=yes, 1.2× with memory and pids only.
  std::vector<std::string> controllers;
};

// Moves this process (all its threads) into a new transient scope with its controllers delegated:
// StartTransientUnit with PIDs= the caller, then waits for the start job's JobRemoved signal. A name that
// clashes with a failed unit left by an earlier process of the same pid is reset (ResetFailedUnit) and tried
// once more. The scope ends by itself with its last process (CollectMode=inactive-or-failed: nothing stays
// listed). Throws reins::Error naming the unit, the manager and systemd's answer.
Scope move_self_into_scope(Manager manager, const ScopeRequest& request);

// A scope holding process `pid` (a child of ours, which keeps it alive): how a named job that must outlive
// reins gets a cgroup of its own. Throws as move_self_into_scope.
Scope start_scope_for(Manager manager, pid_t pid, const ScopeRequest& request);

// The unit of a named job's scope: "reins-job-NAME.scope", with what unit names cannot hold escaped as systemd
// does ("+" → "\\x2b").
std::string named_job_unit(std::string_view job);

// The D-Bus side of both, in builds with sd-bus (`pid` 0: the caller as the manager sees it): what the helper
// program reins-systemd-scope runs for the fully static reins, which cannot load libsystemd itself.
Scope start_scope(Manager manager, pid_t pid, const ScopeRequest& request);

}  // namespace reins::systemd
