#include "systemd/scope.hpp"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cgroup/layout.hpp"
#include "cgroup/v2/delegation.hpp"
#include "reins/error.hpp"

#if !REINS_HAVE_SD_BUS
#include <fcntl.h>

#include "reins/fd.hpp"
#include "reins/process.hpp"
#include "sys/file_io.hpp"
#endif

#if REINS_HAVE_SD_BUS
#include <dlfcn.h>
#include <systemd/sd-bus.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>
#endif

namespace reins::systemd {

namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string user_bus_path() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  return runtime && *runtime ? std::string(runtime) + "/bus" : std::string();
}

// The manager that serves this user, if one runs (how runc detects systemd: /run/systemd/system).
std::optional<Manager> running_manager() {
  if (!is_directory("/run/systemd/system")) return std::nullopt;
  if (::geteuid() == 0) return Manager::system;
  std::string bus = user_bus_path();
  if (bus.empty() || ::access(bus.c_str(), F_OK) != 0) return std::nullopt;
  return Manager::user;
}

}  // namespace

std::string_view manager_name(Manager m) noexcept { return m == Manager::system ? "system" : "user"; }

std::string named_job_unit(std::string_view job) {
  std::string out = "reins-job-";
  for (char c : job) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                 c == '-' || c == ':' || c == '@';
    out += plain ? std::string(1, c) : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
  }
  return out + ".scope";
}

std::optional<Manager> parse_manager(std::string_view name) noexcept {
  if (name == "system") return Manager::system;
  if (name == "user") return Manager::user;
  return std::nullopt;
}

#if REINS_HAVE_SD_BUS

bool built_with_sd_bus() noexcept { return true; }

namespace {

// A name no other scope has: our pid (for people reading `systemctl list-units`) and random bits (a process
// of another pid namespace may have the same pid).
std::string new_unit_name() {
  unsigned random = 0;
  if (::getrandom(&random, sizeof random, GRND_NONBLOCK) != sizeof random) random = static_cast<unsigned>(::getpid());
  return fmt::format("reins-{}-{:04x}.scope", ::getpid(), random & 0xffffu);
}

}  // namespace

std::optional<Manager> reachable_manager() { return running_manager(); }

namespace {

// libsystemd is loaded when a scope is first needed, not linked: the direct path (most runs, and every run in a
// container) then pays nothing for it at start-up (loading libsystemd.so.0 and its five dependencies costs
// about a millisecond), and a host without it still runs reins. systemd loads its own optional libraries the
// same way. The pointers have the types of the functions <systemd/sd-bus.h> declares.
struct SdBus {
  decltype(&::sd_bus_open_system) open_system;
  decltype(&::sd_bus_open_user) open_user;
  decltype(&::sd_bus_flush_close_unref) flush_close_unref;
  decltype(&::sd_bus_message_unref) message_unref;
  decltype(&::sd_bus_slot_unref) slot_unref;
  decltype(&::sd_bus_error_free) error_free;
  decltype(&::sd_bus_error_has_name) error_has_name;
  decltype(&::sd_bus_message_new_method_call) message_new_method_call;
  decltype(&::sd_bus_message_append) message_append;
  decltype(&::sd_bus_message_open_container) message_open_container;
  decltype(&::sd_bus_message_close_container) message_close_container;
  decltype(&::sd_bus_message_read) message_read;
  decltype(&::sd_bus_call) call;
  decltype(&::sd_bus_call_method) call_method;
  decltype(&::sd_bus_process) process;
  decltype(&::sd_bus_wait) wait;
  decltype(&::sd_bus_match_signal) match_signal;
};

template <typename F>
bool load(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(::dlsym(lib, name));
  return out != nullptr;
}

// The loaded library, or nullptr with `why` set (once per process; the handle is never closed).
const SdBus* sd_bus_library(std::string* why = nullptr) {
  static std::string error;
  static const SdBus* lib = []() -> const SdBus* {
    void* h = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      error = ::dlerror();
      return nullptr;
    }
    static SdBus t{};
    bool ok = load(h, "sd_bus_open_system", t.open_system) && load(h, "sd_bus_open_user", t.open_user) &&
              load(h, "sd_bus_flush_close_unref", t.flush_close_unref) &&
              load(h, "sd_bus_message_unref", t.message_unref) && load(h, "sd_bus_slot_unref", t.slot_unref) &&
              load(h, "sd_bus_error_free", t.error_free) && load(h, "sd_bus_error_has_name", t.error_has_name) &&
              load(h, "sd_bus_message_new_method_call", t.message_new_method_call) &&
              load(h, "sd_bus_message_append", t.message_append) &&
              load(h, "sd_bus_message_open_container", t.message_open_container) &&
              load(h, "sd_bus_message_close_container", t.message_close_container) &&
              load(h, "sd_bus_message_read", t.message_read) && load(h, "sd_bus_call", t.call) &&
              load(h, "sd_bus_call_method", t.call_method) && load(h, "sd_bus_process", t.process) &&
              load(h, "sd_bus_wait", t.wait) && load(h, "sd_bus_match_signal", t.match_signal);
    if (!ok) {
      error = fmt::format("libsystemd.so.0 lacks {}", ::dlerror());
      return nullptr;
    }
    return &t;
  }();
  if (!lib && why) *why = error;
  return lib;
}

// The library, or an error saying why it cannot be used.
const SdBus& sd() {
  std::string why;
  if (const SdBus* lib = sd_bus_library(&why)) return *lib;
  throw Error(ENOENT, fmt::format("cannot load libsystemd to ask systemd for a scope: {} (install libsystemd0, or "
                                  "give reins a cgroup of its own: {} reins ...)",
                                  why, cgroup::own_cgroup_command()));
}

struct BusCloser {
  void operator()(sd_bus* bus) const noexcept { sd().flush_close_unref(bus); }
};
struct MessageUnref {
  void operator()(sd_bus_message* m) const noexcept { sd().message_unref(m); }
};
struct SlotUnref {
  void operator()(sd_bus_slot* s) const noexcept { sd().slot_unref(s); }
};
using Bus = std::unique_ptr<sd_bus, BusCloser>;
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;
using Slot = std::unique_ptr<sd_bus_slot, SlotUnref>;

// An sd_bus_error that frees itself.
struct BusError {
  sd_bus_error e{};  // SD_BUS_ERROR_NULL, which is a C compound literal
  BusError() = default;
  BusError(const BusError&) = delete;
  BusError& operator=(const BusError&) = delete;
  ~BusError() { sd().error_free(&e); }
  bool is(const char* name) const noexcept { return sd().error_has_name(&e, name) != 0; }
  std::string text(int r) const { return e.message ? std::string(e.message) : fmt::format("{}", std::strerror(-r)); }
};

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr auto kTimeout = std::chrono::seconds(30);
constexpr uint64_t kTimeoutUsec = std::chrono::duration_cast<std::chrono::microseconds>(kTimeout).count();

void check(int r, Manager m, std::string_view what) {
  if (r < 0) throw Error(-r, fmt::format("{} (systemd {} manager)", what, manager_name(m)));
}

Bus open_bus(Manager m) {
  sd_bus* raw = nullptr;
  int r = m == Manager::system ? sd().open_system(&raw) : sd().open_user(&raw);
  Bus bus(raw);
  if (r < 0)
    throw Error(-r,
                fmt::format("connect to the systemd {} manager's bus ({}): {}", manager_name(m),
                            m == Manager::system ? "/run/dbus/system_bus_socket" : user_bus_path(), std::strerror(-r)));
  return bus;
}

// The pid systemd must move: ours as the manager sees it. In a pid namespace of our own (reins init as PID 1
// under unshare) getpid() means nothing to the manager; 0 asks it to take the caller's pid from the bus
// connection's credentials, which the kernel translates into its namespace.
pid_t pid_for_manager() {
  pid_t pid = ::getpid();
  return pid == 1 ? 0 : pid;
}

// DelegateControllers=[...] (which implies Delegate=yes), or Delegate=yes for all.
int append_delegation(sd_bus_message* msg, const std::vector<std::string>& controllers) {
  if (controllers.empty()) return sd().message_append(msg, "(sv)", "Delegate", "b", 1);
  int r = sd().message_open_container(msg, 'r', "sv");
  if (r >= 0) r = sd().message_append(msg, "s", "DelegateControllers");
  if (r >= 0) r = sd().message_open_container(msg, 'v', "as");
  if (r >= 0) r = sd().message_open_container(msg, 'a', "s");
  for (const auto& c : controllers)
    if (r >= 0) r = sd().message_append(msg, "s", c.c_str());
  for (int i = 0; i < 3 && r >= 0; ++i) r = sd().message_close_container(msg);
  return r;
}

Message start_request(sd_bus* bus, Manager m, const std::string& unit, uint32_t pid, const ScopeRequest& request) {
  sd_bus_message* raw = nullptr;
  check(sd().message_new_method_call(bus, &raw, kService, kPath, kManager, "StartTransientUnit"), m,
        "prepare StartTransientUnit");
  Message msg(raw);
  int r = sd().message_append(msg.get(), "ss", unit.c_str(), "fail");
  if (r >= 0) r = sd().message_open_container(msg.get(), 'a', "(sv)");
  if (r >= 0) r = sd().message_append(msg.get(), "(sv)", "Description", "s", request.description.c_str());
  if (r >= 0) r = sd().message_append(msg.get(), "(sv)", "PIDs", "au", 1, pid);
  if (r >= 0) r = append_delegation(msg.get(), request.controllers);
  // Gone from `systemctl list-units` as soon as it ends, even if it failed: nothing of ours stays behind.
  if (r >= 0) r = sd().message_append(msg.get(), "(sv)", "CollectMode", "s", "inactive-or-failed");
  if (r >= 0) r = sd().message_close_container(msg.get());
  if (r >= 0) r = sd().message_append(msg.get(), "a(sa(sv))", 0);  // no auxiliary units
  check(r, m, "prepare StartTransientUnit");
  return msg;
}

// What the JobRemoved signals said about the job we wait for.
struct JobWait {
  std::string job;                                         // object path of our start job, once known
  std::string result;                                      // "done", "failed", ... once it was removed
  std::vector<std::pair<std::string, std::string>> early;  // removals seen before the job path was known
};

int on_job_removed(sd_bus_message* msg, void* userdata, sd_bus_error*) {
  auto* wait = static_cast<JobWait*>(userdata);
  uint32_t id = 0;
  const char *path = nullptr, *unit = nullptr, *result = nullptr;
  if (sd().message_read(msg, "uoss", &id, &path, &unit, &result) < 0) return 0;
  if (wait->job.empty())
    wait->early.emplace_back(path, result);
  else if (wait->job == path)
    wait->result = result;
  return 0;
}

// Pumps the bus until our job's JobRemoved arrived; returns its result.
std::string wait_for_job(sd_bus* bus, Manager m, JobWait& wait, const std::string& unit) {
  for (auto& [path, result] : wait.early)
    if (path == wait.job) wait.result = result;
  auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (wait.result.empty()) {
    int r = sd().process(bus, nullptr);
    check(r, m, fmt::format("wait for the start of {}", unit));
    if (r > 0) continue;
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw Error(ETIMEDOUT, fmt::format("systemd's {} manager did not start {} within {} s", manager_name(m), unit,
                                         kTimeout.count()));
    r = sd().wait(bus, static_cast<uint64_t>(left.count()));
    if (r < 0 && r != -EINTR) check(r, m, fmt::format("wait for the start of {}", unit));
  }
  return wait.result;
}

// One StartTransientUnit call; returns the job's object path, or "" when the name is taken (UnitExists).
std::string call_start(sd_bus* bus, Manager m, const std::string& unit, uint32_t pid, const ScopeRequest& what) {
  Message request = start_request(bus, m, unit, pid, what);
  BusError error;
  sd_bus_message* raw = nullptr;
  int r = sd().call(bus, request.get(), kTimeoutUsec, &error.e, &raw);
  Message reply(raw);
  if (r < 0 && error.is("org.freedesktop.systemd1.UnitExists")) return {};
  if (r < 0)
    throw Error(-r, fmt::format("systemd's {} manager refused to start scope {} (StartTransientUnit): {}",
                                manager_name(m), unit, error.text(r)));
  const char* job = nullptr;
  check(sd().message_read(reply.get(), "o", &job), m, "read StartTransientUnit's reply");
  return job;
}

void reset_failed(sd_bus* bus, const std::string& unit) noexcept {
  BusError error;
  sd().call_method(bus, kService, kPath, kManager, "ResetFailedUnit", &error.e, nullptr, "s", unit.c_str());
}

}  // namespace

Scope move_self_into_scope(Manager manager, const ScopeRequest& request) {
  return start_scope(manager, pid_for_manager(), request);
}

Scope start_scope_for(Manager manager, pid_t pid, const ScopeRequest& request) {
  return start_scope(manager, pid, request);
}

Scope start_scope(Manager manager, pid_t pid, const ScopeRequest& request) {
  Bus bus = open_bus(manager);
  JobWait wait;
  sd_bus_slot* raw_slot = nullptr;
  // Matched before the call, so that the signal cannot pass unseen between the reply and the match.
  check(sd().match_signal(bus.get(), &raw_slot, kService, kPath, kManager, "JobRemoved", on_job_removed, &wait),
        manager, "subscribe to JobRemoved");
  Slot slot(raw_slot);
  const std::string unit = request.unit.empty() ? new_unit_name() : request.unit;
  const auto upid = static_cast<uint32_t>(pid);
  wait.job = call_start(bus.get(), manager, unit, upid, request);
  if (wait.job.empty()) {  // a failed unit of a process that had our pid: clear it, try once more
    reset_failed(bus.get(), unit);
    wait.job = call_start(bus.get(), manager, unit, upid, request);
    if (wait.job.empty())
      throw Error(EEXIST, fmt::format("systemd's {} manager already has a unit {}", manager_name(manager), unit));
  }
  std::string result = wait_for_job(bus.get(), manager, wait, unit);
  if (result != "done") {
    reset_failed(bus.get(), unit);
    throw Error(EIO, fmt::format("systemd's {} manager could not start scope {}: its start job ended '{}' (see "
                                 "journalctl{} -u {})",
                                 manager_name(manager), unit, result, manager == Manager::user ? " --user" : "", unit));
  }
  return Scope{unit, manager};
}

#else  // the fully static reins: sd-bus runs in a helper program

namespace {

constexpr const char* kHelperName = "reins-systemd-scope";

// The helper beside our own executable (a build tree), else where the package puts it relative to us
// (bin/reins → libexec/reins/reins-systemd-scope, wherever the prefix is).
const std::string& helper_path() {
  static const std::string path = []() -> std::string {
    char exe[4096];
    ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return {};
    std::string dir(exe, static_cast<std::size_t>(n));
    dir.resize(dir.rfind('/') + 1);
    for (std::string candidate : {dir + kHelperName, dir + "../libexec/reins/" + kHelperName})
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    return {};
  }();
  return path;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// One line (the helper's answer while it holds the scope for us).
std::string read_line(int fd) {
  std::string out;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') out += c;
  return out;
}

std::string read_to_end(int fd) {
  std::string out;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return trimmed(out);
}

// Runs the helper; it prints the unit's name, or why it failed. For PID 1 of a pid namespace (whose pid the
// manager cannot know) the scope holds the helper, and we move ourselves in beside it before letting it go
// (root only: it takes writing to a cgroup.procs systemd owns).
Scope run_helper(const std::string& helper, Manager manager, const ScopeRequest& request, pid_t pid = 0) {
  const bool self_move = pid == 0 && ::getpid() == 1;
  if (pid == 0 && !self_move) pid = ::getpid();
  int out[2], in[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(in, O_CLOEXEC) != 0) throw_errno("create", "pipe to " + helper);
  UniqueFd read_end(out[0]), write_end(out[1]), hold_read(in[0]), hold_write(in[1]);
  Command cmd;
  cmd.argv = {helper,
              std::string(manager_name(manager)),
              std::to_string(pid),
              request.unit.empty() ? "-" : request.unit,
              request.controllers.empty() ? "-" : fmt::format("{}", fmt::join(request.controllers, ",")),
              request.description};
  cmd.stdout_fd = write_end.get();
  cmd.stdin_fd = hold_read.get();
  Process child = Process::spawn(cmd);
  write_end.reset();
  hold_read.reset();
  std::string said = self_move ? read_line(read_end.get()) : read_to_end(read_end.get());
  if (self_move && said.ends_with(".scope")) {
    std::string mount = "/sys/fs/cgroup";  // pure v2: the only layout a scope is asked for in
    sys::write_file(AT_FDCWD, (mount + cgroup::cgroup2_path_of(child.pid()) + "/cgroup.procs").c_str(), "0")
        .or_throw("move reins into", said);
  }
  hold_write.reset();
  ProcessResult result = child.wait();
  if (result.status.exited() && result.status.exit_code() == 0 && said.ends_with(".scope")) return Scope{said, manager};
  throw Error(EIO, said.empty() ? fmt::format("{} {}", helper, result.status.describe()) : said);
}

}  // namespace

bool built_with_sd_bus() noexcept { return !helper_path().empty(); }

std::optional<Manager> reachable_manager() {
  if (helper_path().empty()) return std::nullopt;
  return running_manager();
}

namespace {

const std::string& need_helper(Manager manager) {
  const std::string& helper = helper_path();
  if (helper.empty())
    throw Error(ENOENT,
                fmt::format("this reins is fully static and finds no {} beside it or in ../libexec/reins to ask "
                            "the {} manager for a scope; run it as `{} reins ...`",
                            kHelperName, manager_name(manager), cgroup::own_cgroup_command()));
  return helper;
}

}  // namespace

Scope move_self_into_scope(Manager manager, const ScopeRequest& request) {
  return run_helper(need_helper(manager), manager, request);
}

Scope start_scope_for(Manager manager, pid_t pid, const ScopeRequest& request) {
  return run_helper(need_helper(manager), manager, request, pid);
}

#endif

}  // namespace reins::systemd
