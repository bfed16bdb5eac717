// Job events on the real kernel: "all exited" arrives promptly after the last exit and not before.
#include <poll.h>

#include <algorithm>

#include "cgroup/child.hpp"
#include "cgroup/fixture.hpp"
#include "reins/job.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace reins::test {
namespace {

class JobEvents : public JobTest {};

bool has(const std::vector<JobEvent>& events, JobEventKind kind) {
  return std::any_of(events.begin(), events.end(), [&](const JobEvent& e) { return e.kind == kind; });
}

TEST_P(JobEvents, AllExitedArrivesPromptlyAfterTheLastExitAndNotBefore) {
  Job job = Job::create(job_name(), options());
  Command early, late;
  early.argv = {testproc(), "sleep", "0.05"};
  late.argv = {testproc(), "sleep", "0.3"};
  Process a = job.spawn(early);
  Process b = job.spawn(late);
  a.wait();
  pollfd fds[2] = {{job.event_fd(), POLLIN, 0}, {b.pidfd(), POLLIN, 0}};
  std::optional<Clock::time_point> exited, reported;
  while (!reported) {
    ASSERT_GT(poll(fds, 2, 5000), 0) << "no event within 5 s";
    if (fds[1].revents) {
      exited = Clock::now();
      fds[1].fd = -1;
    }
    if (fds[0].revents) {
      auto events = job.read_events();
      if (has(events, JobEventKind::all_exited)) {
        reported = Clock::now();
        ASSERT_TRUE(exited.has_value() || b.has_exited()) << "all-exited reported while a member still ran";
        if (!exited) exited = reported;
      }
    }
  }
  // v2 notifies at once; v1 has no notification and is sampled every 50 ms.
  auto bound = v1_only() ? 100ms : 50ms;
  EXPECT_LT(*reported - *exited, bound);
  b.wait();
  EXPECT_TRUE(job.read_events().empty()) << "all-exited reported twice";
}

TEST_P(JobEvents, WaitEventsTimesOutQuietlyWhileMembersRun) {
  Job job = Job::create(job_name(), options());
  auto child = spawn_ready(job, {"ignore-term", "30"});
  auto t0 = Clock::now();
  EXPECT_TRUE(job.wait_events(120ms).empty());
  EXPECT_GE(Clock::now() - t0, 100ms);
}

// Watching starts at select_events(): a job emptied before anyone polls still reports all-exited.
TEST_P(JobEvents, AnEventBetweenSelectionAndTheFirstPollIsNotLost) {
  Job job = Job::create(job_name(), options());
  auto child = spawn_ready(job, {"ignore-term", "30"});
  job.select_events({JobEventKind::all_exited});
  job.terminate();
  bool all_exited = false;
  for (const auto& e : job.wait_events(5s)) all_exited = all_exited || e.kind == JobEventKind::all_exited;
  EXPECT_TRUE(all_exited);
}

REINS_INSTANTIATE_LAYOUTS(JobEvents);

}  // namespace
}  // namespace reins::test
