// MemoryGuard's public face: checking the options, starting the thread, and the calls other threads make
// (limit changes, cancel, waits). The thread's loop is in guard_loop.cpp.
#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pidfd/pidfd_poll.hpp"
#include "reins/error.hpp"
#include "sys/fds.hpp"
#include "watch/guard_state.hpp"
#include "watch/tree_target.hpp"

namespace reins {
namespace {

Process open_same(const Process& held) {
  Process p = Process::open(held.pid());
  // Opened by number: it is the caller's process only if that one has not been reaped meanwhile.
  if (!held.unreaped()) throw Error(ESRCH, "guard", fmt::format("pid {} (it has exited)", held.pid()));
  return p;
}

void check_options(const GuardOptions& o, const GuardTarget::Impl& target) {
  using std::chrono::nanoseconds;
  if (o.interval <= nanoseconds::zero())
    throw InvalidArgument(
        fmt::format("guard interval must be positive, such as 100ms (got {} ns)", o.interval.count()));
  if (o.grace < nanoseconds::zero())
    throw InvalidArgument("guard grace must be 0 (SIGKILL at once) or more, such as 5s");
  if (!(o.gate_margin >= 0 && o.gate_margin < 1))
    throw InvalidArgument(fmt::format("guard gate margin {} must be in [0, 1), such as 0.1", o.gate_margin));
  if (!(o.walk_spacing >= 0) || o.min_walk_spacing < nanoseconds::zero())
    throw InvalidArgument("guard walk spacing must be 0 or more, such as 10 (times the last walk's duration)");
  if (o.stats_interval < nanoseconds::zero())
    throw InvalidArgument("guard stats interval must be positive, such as 1m, or 0 for none");
  if (o.metric == GuardMetric::cgroup && !target.has_cgroup())
    throw InvalidArgument(fmt::format("the cgroup metric needs a job target; {} has no cgroup (use pss, rss or uss)",
                                      target.default_name()));
  if (o.metric == GuardMetric::cgroup && o.per_process)
    throw InvalidArgument("the cgroup metric is the job's total; per-process mode needs pss, rss or uss");
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// GuardTarget

GuardTarget GuardTarget::process(pid_t pid) {
  return GuardTarget(std::make_unique<watch::TreeTarget>(Process::open(pid), false));
}
GuardTarget GuardTarget::process(const Process& process) {
  return GuardTarget(std::make_unique<watch::TreeTarget>(open_same(process), false));
}
GuardTarget GuardTarget::tree(pid_t root) {
  return GuardTarget(std::make_unique<watch::TreeTarget>(Process::open(root), true));
}
GuardTarget GuardTarget::tree(const Process& root) {
  return GuardTarget(std::make_unique<watch::TreeTarget>(open_same(root), true));
}

GuardTarget::GuardTarget(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
GuardTarget::GuardTarget(GuardTarget&&) noexcept = default;
GuardTarget& GuardTarget::operator=(GuardTarget&&) noexcept = default;
GuardTarget::~GuardTarget() = default;
std::unique_ptr<GuardTarget::Impl> GuardTarget::release() noexcept { return std::move(impl_); }

// ---------------------------------------------------------------------------------------------------------
// State

thread_local const MemoryGuard::State* MemoryGuard::State::current = nullptr;

void MemoryGuard::State::wake() const noexcept {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(control.get(), &one, sizeof one);
}

bool MemoryGuard::State::cancelled() const {
  std::lock_guard lock(mutex);
  return cancel_requested;
}

void MemoryGuard::State::join() {
  std::lock_guard lock(join_mutex);
  if (thread.joinable()) thread.join();
}

void MemoryGuard::State::publish_breach(const GuardBreach& breach) {
  std::lock_guard lock(mutex);
  ++stats.breaches;
  if (!first_breach) {
    first_breach = breach;
    breach_promise.set_value(breach);
  }
  changed.notify_all();
}

// ---------------------------------------------------------------------------------------------------------
// MemoryGuard

MemoryGuard::MemoryGuard(GuardTarget target, GuardOptions options) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.target = target.release();
  if (!s.target) throw InvalidArgument("guard target is empty (moved from)");
  check_options(options, *s.target);
  s.name = options.name.empty() ? s.target->default_name() : options.name;
  s.limit = options.limit;
  s.options = std::move(options);
  s.stats.name = s.name;
  s.stats.metric = s.options.metric;
  s.stats.limit = s.limit;
  s.control = sys::make_eventfd("the memory guard");
  s.ended = sys::make_eventfd("the memory guard");
  s.thread = std::jthread([&s] { s.run(); });
}

MemoryGuard::~MemoryGuard() {
  if (state_) cancel();
}

void MemoryGuard::set_limit(std::optional<std::uint64_t> bytes) {
  std::lock_guard lock(state_->mutex);
  if (state_->finished) return;
  state_->limit = bytes;
  ++state_->limit_version;
  state_->wake();
}

std::optional<std::uint64_t> MemoryGuard::limit() const {
  std::lock_guard lock(state_->mutex);
  return state_->limit;
}

void MemoryGuard::cancel() {
  {
    std::lock_guard lock(state_->mutex);
    state_->cancel_requested = true;
  }
  state_->wake();
  if (State::current != state_.get()) state_->join();
}

GuardStats MemoryGuard::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

std::optional<std::uint64_t> MemoryGuard::measure(GuardMetric metric, std::optional<std::chrono::nanoseconds> max_age) {
  State& s = *state_;
  if (metric == GuardMetric::cgroup && !s.target->has_cgroup())
    throw InvalidArgument(fmt::format("the cgroup metric needs a job target; {} has no cgroup (use pss, rss or uss)",
                                      s.target->default_name()));
  if (State::current == &s) throw Error(EDEADLK, "MemoryGuard::measure() called from a guard callback");
  const auto index = static_cast<std::size_t>(metric);
  const auto oldest = std::chrono::steady_clock::now() - max_age.value_or(s.options.interval);
  std::unique_lock lock(s.mutex);
  const State::Measured& last = s.measured[index];
  if (s.finished || (last.taken && last.at >= oldest)) return last.value;
  s.measure_wanted |= 1u << index;
  const std::uint64_t round = s.measure_rounds;
  s.wake();
  s.changed.wait(lock, [&] { return s.finished || s.measure_rounds > round; });
  return s.measured[index].value;
}

bool MemoryGuard::running() const noexcept { return !state_->finished; }

std::optional<GuardBreach> MemoryGuard::wait_breach(std::optional<std::chrono::nanoseconds> timeout) {
  if (State::current == state_.get()) throw Error(EDEADLK, "MemoryGuard::wait_breach() called from a guard callback");
  std::unique_lock lock(state_->mutex);
  auto ready = [&] { return state_->first_breach || state_->finished; };
  if (timeout)
    state_->changed.wait_for(lock, *timeout, ready);
  else
    state_->changed.wait(lock, ready);
  return state_->first_breach;
}

std::shared_future<std::optional<GuardBreach>> MemoryGuard::first_breach() const { return state_->breach_future; }

std::optional<GuardResult> MemoryGuard::wait(std::optional<std::chrono::nanoseconds> timeout) {
  if (State::current == state_.get()) throw Error(EDEADLK, "MemoryGuard::wait() called from a guard callback");
  std::unique_lock lock(state_->mutex);
  auto ready = [&] { return state_->finished.load(); };
  if (timeout) {
    if (!state_->changed.wait_for(lock, *timeout, ready)) return std::nullopt;
  } else {
    state_->changed.wait(lock, ready);
  }
  if (state_->failure) std::rethrow_exception(state_->failure);
  return state_->result;
}

int MemoryGuard::end_fd() const noexcept { return state_->ended.get(); }

}  // namespace reins
