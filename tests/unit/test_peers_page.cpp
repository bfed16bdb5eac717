// docs/peers.md names, for each call of the five systems reins stands in for, the reins call that answers it.
// every_call() below calls each of them, fully qualified, so this file compiles only while they all exist;
// the test checks that every `reins::...` name on the page is called here, so the page cannot name a call
// that is gone or never was. every_call() is compiled, never run: the calls' behaviour is tested elsewhere.
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <regex>
#include <set>

#include "reins/error.hpp"
#include "reins/guard.hpp"
#include "reins/init.hpp"
#include "reins/job.hpp"
#include "reins/memory.hpp"
#include "reins/reaper.hpp"
#include "reins/rlimit.hpp"
#include "reins/rusage.hpp"
#include "reins/sampler.hpp"
#include "support/support.hpp"

namespace {

[[maybe_unused]] void every_call(pid_t pid) {
  using namespace std::chrono_literals;
  // athena
  reins::MemoryGuard guard(reins::GuardTarget::process(pid), {});
  reins::MemoryGuard tree(reins::GuardTarget::tree(pid), {});
  std::invoke(&reins::MemoryGuard::set_limit, guard, std::optional<std::uint64_t>(1 << 20));
  (void)std::invoke(&reins::MemoryGuard::limit, guard);
  (void)std::invoke(&reins::MemoryGuard::stats, guard);
  (void)std::invoke(&reins::MemoryGuard::pss, guard, 0ns);
  (void)std::invoke(&reins::MemoryGuard::rss, guard, 0ns);
  (void)std::invoke(&reins::MemoryGuard::uss, guard, 0ns);
  (void)std::invoke(&reins::MemoryGuard::measure, guard, reins::GuardMetric::pss, 0ns);
  (void)std::invoke(&reins::MemoryGuard::first_breach, guard);
  (void)std::invoke(&reins::MemoryGuard::wait_breach, guard, 0ns);
  (void)std::invoke(&reins::MemoryGuard::end_fd, guard);
  std::invoke(&reins::MemoryGuard::cancel, guard);
  (void)std::invoke(&reins::MemoryGuard::wait, guard, 0ns);

  // memctl
  reins::SamplerOptions so;
  so.targets.system = true;
  reins::Sampler sampler(so, [](const reins::MemorySample&) {});
  std::invoke(&reins::Sampler::rethrow_if_failed, sampler);
  std::invoke(&reins::Sampler::stop, sampler);
  std::invoke(&reins::Sampler::wait, sampler);
  (void)reins::sample_memory({});
  (void)reins::read_own_cgroup_memory();
  (void)reins::memory_headroom();
  (void)reins::memory_headroom(nullptr, reins::SystemMemory{});

  // hcsshim
  reins::Job job = reins::Job::create("peers-page");
  reins::Job other = reins::Job::open("peers-page");
  reins::MemoryGuard of_job(reins::GuardTarget::job(job), {});
  std::invoke(&reins::Job::assign, job, pid);
  reins::Command command;
  command.argv = {"true"};
  (void)std::invoke(&reins::Job::spawn, job, command);
  reins::JobAccounting io;
  io.io = true;
  std::invoke(&reins::Job::set_accounting, job, io);
  (void)std::invoke(&reins::Job::accounting, job);
  std::invoke(&reins::Job::set_limits, job, reins::JobLimits{}, false);
  (void)std::invoke(&reins::Job::limits, job);
  (void)std::invoke(&reins::Job::stats, job);
  (void)std::invoke(&reins::Job::cpu_usage, job);
  (void)std::invoke(&reins::Job::memory_headroom, job);
  (void)std::invoke(&reins::Job::pids, job);
  (void)std::invoke(&reins::Job::event_fd, job);
  (void)std::invoke(&reins::Job::read_events, job);
  (void)std::invoke(&reins::Job::wait_events, job, std::optional<std::chrono::nanoseconds>(0ns));
  std::invoke(&reins::Job::freeze, job);
  std::invoke(&reins::Job::thaw, job);
  std::invoke(&reins::Job::set_kill_on_close, job, true);
  std::invoke(&reins::Job::terminate, job, 5s);
  std::invoke(&reins::Job::release, other);

  // go-reaper
  reins::Reaper reaper(reins::ReaperOptions{});
  (void)std::invoke(&reins::Reaper::active, reaper);
  (void)std::invoke(&reins::Reaper::fd, reaper);
  (void)std::invoke(&reins::Reaper::reap, reaper);
  (void)reins::Reaper::receives_orphans();
  {
    auto held = std::invoke(&reins::Reaper::guard_spawn, reaper);
    auto claim = std::invoke(&reins::Reaper::claim, reaper, pid);
  }
  std::invoke(&reins::Reaper::start, reaper);
  (void)reins::init(reins::InitOptions{});

  // CPython resource, psutil
  reins::Rlimit old = reins::get_rlimit(reins::Resource::nofile, pid);
  (void)reins::set_rlimit(reins::Resource::nofile, {old.soft, reins::RlimitValue::unlimited()}, pid);
  (void)reins::all_resources();
  (void)reins::parse_resource("nofile");
  (void)reins::info(reins::Resource::core);
  (void)reins::get_rusage(reins::RusageWho::children);
  (void)reins::page_size();
  (void)reins::read_process_memory(pid);
  (void)reins::read_tree_memory(pid);
  (void)reins::process_descendants(pid);
  (void)reins::read_system_memory();
  throw reins::Error(ESRCH, "the peers page", "is compiled, not run");
}

TEST(PeersPage, EveryReinsCallThePageNamesIsCalledHere) {
  const std::string page = reins::test::read_text_file(REINS_FIXTURES "/../../docs/peers.md");
  const std::string self = reins::test::read_text_file(REINS_FIXTURES "/../unit/test_peers_page.cpp");
  ASSERT_FALSE(page.empty()) << "docs/peers.md not found";
  ASSERT_FALSE(self.empty());
  std::set<std::string> named, missing;
  const std::regex name("`(reins::[A-Za-z_:]+)`");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), name); it != std::sregex_iterator(); ++it)
    named.insert((*it)[1]);
  EXPECT_GT(named.size(), 50u) << "the page's names were not found: has its notation changed?";
  for (const auto& n : named) {
    // Called, or constructed: "reins::Job::assign," / "reins::Job::create(" / "reins::Sampler sampler(".
    const std::regex used(std::regex_replace(n, std::regex(":"), "\\:") + "[,( ]");
    if (!std::regex_search(self, used)) missing.insert(n);
  }
  std::string list;
  for (const auto& m : missing) list += " " + m;
  EXPECT_TRUE(missing.empty()) << "named on docs/peers.md but not called in every_call():" << list;
  // Negative control: a name that does not exist is not found.
  EXPECT_FALSE(std::regex_search(self, std::regex("reins\\:\\:Job\\:\\:no_such_call[,( ]")));
}

}  // namespace
