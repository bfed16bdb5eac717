// The guard's thread: one poll over a periodic timerfd (ticks), a one-shot timerfd (the grace after SIGTERM),
// the control eventfd (limit changes, cancel) and the target's own wake fds (the root's pidfd, a cgroup's
// event fd). A tick refreshes the membership, samples, and checks the limit.
#include <signal.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include "reins/error.hpp"
#include "reins/units.hpp"
#include "sys/fds.hpp"
#include "watch/guard_monitor.hpp"
#include "watch/guard_state.hpp"

namespace reins {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// Reads a timerfd or eventfd's counter; 0 if it had nothing.
std::uint64_t drain(int fd) {
  std::uint64_t count = 0;
  return ::read(fd, &count, sizeof count) == static_cast<ssize_t>(sizeof count) ? count : 0;
}

nanoseconds thread_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + nanoseconds(ts.tv_nsec);
}

class Loop {
 public:
  explicit Loop(MemoryGuard::State& s)
      : s_(s),
        monitor_(*s.target, {s.options.metric, s.options.per_process, s.options.gate_margin, s.options.walk_spacing,
                             s.options.min_walk_spacing}),
        tick_timer_(sys::make_timerfd("the memory guard")),
        grace_timer_(sys::make_timerfd("the memory guard")) {
    std::lock_guard lock(s_.mutex);
    limit_ = s_.limit;
    limit_version_ = s_.limit_version;
  }

  GuardResult run();

 private:
  enum class Phase { guarding, terminating, killing };

  bool on_control();
  void measure_on_request(unsigned wanted);
  void tick();
  void report_stats();
  void check(const watch::Reading& r, std::chrono::system_clock::time_point time, Clock::time_point steady);
  void breach(const watch::Reading& r, std::chrono::system_clock::time_point time, Clock::time_point steady);
  void kill_now();
  void publish(const watch::Reading& r, std::chrono::system_clock::time_point time);
  void end(GuardEnd how);
  void log(const std::string& line) const {
    if (s_.options.logger) s_.options.logger(line);
  }

  MemoryGuard::State& s_;
  watch::Monitor monitor_;
  UniqueFd tick_timer_, grace_timer_;
  Phase phase_ = Phase::guarding;
  bool armed_ = true;  // report mode: a breach is reported again only after the metric was under the limit
  std::optional<std::uint64_t> limit_;
  std::uint64_t limit_version_ = 0;
  std::uint64_t missed_ = 0;
  Clock::time_point next_stats_ = Clock::now() + s_.options.stats_interval;
  std::optional<GuardEnd> end_;
  GuardResult result_;
  std::vector<pollfd> polls_;
};

GuardResult Loop::run() {
  s_.target->limit_changed(limit_, s_.options.metric);
  sys::arm_timerfd(tick_timer_.get(), nanoseconds(0), s_.options.interval);  // the first sample at once
  while (!end_) {
    polls_ = {{s_.control.get(), POLLIN, 0}, {tick_timer_.get(), POLLIN, 0}, {grace_timer_.get(), POLLIN, 0}};
    s_.target->wake_fds(polls_);
    if (::poll(polls_.data(), polls_.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll", "memory guard fds");
    }
    bool sample_now = false;
    if (polls_[0].revents) {
      drain(s_.control.get());
      sample_now = on_control();
    }
    if (end_) break;
    if (polls_[2].revents && drain(grace_timer_.get()) && phase_ == Phase::terminating) kill_now();
    if (polls_[1].revents) {
      if (auto expirations = drain(tick_timer_.get())) missed_ += expirations - 1;
      sample_now = true;
    }
    for (std::size_t i = 3; i < polls_.size(); ++i)
      if (polls_[i].revents && s_.target->on_wake(polls_[i].fd)) sample_now = true;
    if (sample_now && !end_) tick();
  }
  result_.end = *end_;
  return std::move(result_);
}

// Returns whether to sample now: the limit changed.
bool Loop::on_control() {
  unsigned wanted = 0;
  bool new_limit = false;
  {
    std::lock_guard lock(s_.mutex);
    if (s_.cancel_requested) {
      end_ = GuardEnd::cancelled;
      return false;
    }
    wanted = std::exchange(s_.measure_wanted, 0u);
    if (s_.limit_version != limit_version_) {
      new_limit = true;
      limit_version_ = s_.limit_version;
      limit_ = s_.limit;
      s_.stats.limit = limit_;
    }
  }
  if (new_limit) {
    armed_ = true;
    monitor_.allow_walk_now();  // a limit someone just set deserves a measurement, spacing or not
    s_.target->limit_changed(limit_, s_.options.metric);
  }
  if (wanted) measure_on_request(wanted);
  return new_limit;
}

// Measures every metric in `wanted` (bits of 1 << GuardMetric) in full, for MemoryGuard::measure. One of the
// guard's own metric is checked against the limit before the callers are answered, so a breach it found is
// there to see when measure() returns.
void Loop::measure_on_request(unsigned wanted) {
  const auto time = std::chrono::system_clock::now();
  const auto steady = Clock::now();
  const bool alive = s_.target->refresh();
  std::optional<watch::Reading> own;
  {
    std::lock_guard lock(s_.mutex);
    for (std::size_t i = 0; i < s_.measured.size(); ++i) {
      if (!(wanted & (1u << i))) continue;
      const auto metric = static_cast<GuardMetric>(i);
      watch::Reading r = alive ? monitor_.measure(metric) : watch::Reading{};
      s_.measured[i] = {r.value, steady, true};
      s_.stats.walks += r.walks;
      if (metric == s_.options.metric && r.value) {
        s_.stats.current = r.value;
        s_.stats.current_time = time;
        s_.stats.peak = std::max(s_.stats.peak, *r.value);
        own = r;
      }
    }
  }
  if (!alive)
    end(phase_ == Phase::guarding ? GuardEnd::gone : GuardEnd::killed);
  else if (own && phase_ == Phase::guarding && limit_)
    check(*own, time, steady);
  std::lock_guard lock(s_.mutex);
  ++s_.measure_rounds;
  s_.changed.notify_all();
}

void Loop::tick() {
  const auto time = std::chrono::system_clock::now();
  const auto steady = Clock::now();
  if (!s_.target->refresh()) {
    end(phase_ == Phase::guarding ? GuardEnd::gone : GuardEnd::killed);
    return;
  }
  // A dying target is not walked: its value no longer decides anything.
  watch::Reading r = monitor_.sample(phase_ == Phase::guarding ? limit_ : std::nullopt);
  publish(r, time);
  if (phase_ == Phase::guarding && limit_) check(r, time, steady);
  if (!end_) report_stats();
}

// The statistics to on_stats and the logger, when stats_interval has passed since the last time.
void Loop::report_stats() {
  if ((!s_.options.logger && !s_.options.on_stats) || s_.options.stats_interval.count() <= 0) return;
  if (Clock::now() < next_stats_) return;
  next_stats_ = Clock::now() + s_.options.stats_interval;
  GuardStats stats;
  {
    std::lock_guard lock(s_.mutex);
    stats = s_.stats;
  }
  if (s_.options.on_stats) s_.options.on_stats(stats);
  log(stats.describe());
}

void Loop::check(const watch::Reading& r, std::chrono::system_clock::time_point time, Clock::time_point steady) {
  if (r.value && *r.value > *limit_) {
    if (armed_) breach(r, time, steady);
  } else if ((r.value && *r.value <= *limit_) || (r.rss && *r.rss <= *limit_)) {
    armed_ = true;  // measured under the limit, or bounded under it by RSS
  }
}

void Loop::breach(const watch::Reading& r, std::chrono::system_clock::time_point time, Clock::time_point steady) {
  GuardBreach b;
  b.name = s_.name;
  b.pid = r.pid ? r.pid : s_.target->root_pid();
  b.metric = s_.options.metric;
  b.value = *r.value;
  b.limit = *limit_;
  b.processes = r.processes;
  b.action = s_.options.action;
  b.time = time;
  b.steady_time = steady;
  if (s_.options.decide) b.action = s_.options.decide(b);
  if (s_.cancelled()) return end(GuardEnd::cancelled);
  armed_ = false;
  if (b.action == GuardAction::kill) {
    if (s_.options.grace > nanoseconds::zero()) {
      b.signal = SIGTERM;
      b.signalled = s_.target->signal_all(SIGTERM);
      phase_ = Phase::terminating;
      sys::arm_timerfd(grace_timer_.get(), s_.options.grace);
    } else {
      b.signal = SIGKILL;
      b.signalled = s_.target->kill_all();
      phase_ = Phase::killing;
      result_.sigkill_time = Clock::now();
    }
    result_.breach = b;
  } else if (!result_.breach) {
    result_.breach = b;
  }
  s_.publish_breach(b);
  log(b.describe());
  if (s_.options.on_breach) s_.options.on_breach(b);
  if (s_.cancelled()) end(GuardEnd::cancelled);
}

void Loop::kill_now() {
  std::size_t killed = s_.target->kill_all();
  phase_ = Phase::killing;
  result_.sigkill_time = Clock::now();
  log(fmt::format("{}: still running {} after SIGTERM: sent SIGKILL to {} process{}", s_.name,
                  format_duration(s_.options.grace), killed, killed == 1 ? "" : "es"));
}

void Loop::publish(const watch::Reading& r, std::chrono::system_clock::time_point time) {
  std::lock_guard lock(s_.mutex);
  GuardStats& st = s_.stats;
  ++st.samples;
  st.missed_ticks += std::exchange(missed_, 0);
  st.rss = r.rss;
  if (r.rss) st.rss_peak = std::max(st.rss_peak, *r.rss);
  st.processes = r.processes;
  st.walks += r.walks;
  if (r.walks) st.last_walk_duration = r.walk_duration;
  if (r.value) {
    st.current = r.value;
    st.current_time = time;
    st.peak = std::max(st.peak, *r.value);
  }
  // What measure() may answer without a walk: this sample's RSS, and its metric when measured.
  const auto steady = Clock::now();
  if (r.rss) s_.measured[static_cast<std::size_t>(GuardMetric::rss)] = {r.rss, steady, true};
  if (r.value) s_.measured[static_cast<std::size_t>(s_.options.metric)] = {r.value, steady, true};
  st.last_sample = time;
  st.cpu_time = thread_cpu_time();
}

void Loop::end(GuardEnd how) {
  end_ = how;
  log(fmt::format("{}: {}", s_.name,
                  how == GuardEnd::gone     ? "the target has exited"
                  : how == GuardEnd::killed ? "the target was killed and is gone"
                                            : "guarding cancelled"));
}

}  // namespace

void MemoryGuard::State::run() noexcept {
  current = this;
  std::optional<GuardResult> outcome;
  std::exception_ptr error;
  try {
    outcome = Loop(*this).run();
  } catch (...) {
    error = std::current_exception();  // rethrown to the caller by wait()
  }
  {
    std::lock_guard lock(mutex);
    stats.cpu_time = thread_cpu_time();
    if (outcome) {
      outcome->stats = stats;
      result = std::move(outcome);
    }
    failure = error;
    if (!first_breach) breach_promise.set_value(std::nullopt);
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(ended.get(), &one, sizeof one);
    finished = true;
    changed.notify_all();
  }
}

}  // namespace reins
