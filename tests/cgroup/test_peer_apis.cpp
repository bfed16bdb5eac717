// What the test suites of the systems reins stands in for ask of a job, where reins once had no answer
// (docs/peers.md): hcsshim's SetIOTracking on a running job and its all-exited notification after a
// terminate, memctl's headroom for a job, and a process assigned on cgroup v1 bringing its charge along.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "cgroup/fixture.hpp"
#include "reins/job.hpp"
#include "reins/memory.hpp"
#include "support/ready_child.hpp"

using namespace std::chrono_literals;

namespace reins::test {
namespace {

constexpr std::uint64_t kMiB = 1 << 20;

class PeerApis : public JobTest {};

TEST_P(PeerApis, HcsshimIoTrackingTurnedOnForARunningJobCountsWhatItDoesNext) {
  Job job = Job::create(job_name(), options());
  // Writes 4 MiB past the page cache (O_DIRECT) to a file on a disk, once told to; says whether it could.
  const std::string file = "/var/tmp/" + job_name() + ".io";
  ReadyChild writer({"/bin/sh", "-c",
                     "echo ready; read go; dd if=/dev/zero of=" + file +
                         " bs=64k count=64 oflag=direct conv=fsync 2>/dev/null; echo \"status $?\"; rm -f " + file +
                         "; echo done; read end"});
  job.assign(writer.pid());
  EXPECT_FALSE(job.accounting().io) << "negative control: no IO accounting asked for yet";
  EXPECT_FALSE(job.stats().io);
  job.set_accounting({.io = true});
  if (!job.accounting().io) GTEST_SKIP() << "this layout has no io/blkio controller";
  writer.send_line("go");
  writer.wait_for_line("done");
  writer.send_line("end");
  writer.process().wait();
  const auto& lines = writer.lines();
  if (std::find(lines.begin(), lines.end(), "status 0") == lines.end())
    GTEST_SKIP() << "/var/tmp takes no O_DIRECT write (not on a block device)";
  auto io = job.stats().io;
  ASSERT_TRUE(io) << "IO statistics once accounting is on";
  std::uint64_t written = 0;
  for (const auto& d : *io) written += d.write_bytes;
  EXPECT_GE(written, 4 * kMiB) << "the 4 MiB written with O_DIRECT by the member that was already running";
}

TEST_P(PeerApis, HcsshimAllExitedIsReportedWhenTerminateEmptiedTheJobBeforeTheFirstPoll) {
  Job job = Job::create(job_name(), options());
  Command c;
  c.argv = {testproc(), "sleep", "600"};
  Process p = job.spawn(c);
  job.terminate();
  p.wait();
  // The watch starts here, with the job already empty: the news must not be lost.
  pollfd fd{job.event_fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&fd, 1, 10'000), 1) << "no event within 10 s";
  auto events = job.read_events();
  EXPECT_TRUE(
      std::any_of(events.begin(), events.end(), [](const JobEvent& e) { return e.kind == JobEventKind::all_exited; }));
}

TEST_P(PeerApis, MemctlHeadroomOfAJobIsItsLimitMinusItsUsage) {
  JobLimits limits;
  limits.memory_max = SizeLimit{96 * kMiB};
  Job job = Job::create(job_name(), options(limits));
  // Charged inside the job on every layout: it allocates only once a member.
  ReadyChild child({"/bin/sh", "-c", std::string("echo ready; read go; exec ") + testproc() + " memhog 24"});
  job.assign(child.pid());
  child.send_line("go");
  child.wait_for_line("ready");
  const auto usage = job.memory_current();
  const auto headroom = job.memory_headroom();
  ASSERT_TRUE(usage && headroom);
  EXPECT_GE(*usage, 20 * kMiB);
  // Read one after the other: the charge may move by a few pages between the two reads.
  EXPECT_NEAR(static_cast<double>(*headroom), static_cast<double>(96 * kMiB - *usage), 2.0 * kMiB);
  child.process().signal(SIGKILL);
  child.process().wait();
}

TEST_P(PeerApis, MemctlHeadroomOfAJobWithoutALimitIsTheAvailableMemory) {
  Job job = Job::create(job_name(), options({}, {.memory = true}));
  const auto headroom = job.memory_headroom();
  const auto available = read_system_memory().available;
  ASSERT_TRUE(headroom && available);
  EXPECT_LE(*headroom, *available + 64 * kMiB);
  const auto enclosing = job.enclosing_limits();
  const bool bounded = std::any_of(enclosing.begin(), enclosing.end(),
                                   [](const EnclosingLimit& l) { return l.property == "MemoryMax"; });
  if (!bounded) {
    EXPECT_NEAR(static_cast<double>(*headroom), static_cast<double>(*available), 64.0 * kMiB);
  }
}

TEST_P(PeerApis, AProcessAssignedOnV1BringsItsChargeWhereTheKernelMovesIt) {
  Job job = Job::create(job_name(), options({}, {.memory = true}));
  auto child = ReadyChild::testproc({"memhog", "32"});
  job.assign(child.pid());
  auto stats = job.stats();
  ASSERT_TRUE(stats.memory && stats.memory->current);
  // Where the kernel took the request, the charge must have come along; elsewhere it stays behind.
  const auto paths = job.paths();
  const bool moves = std::any_of(paths.begin(), paths.end(), [](const std::string& p) {
    std::ifstream in(p + "/memory.move_charge_at_immigrate");
    int value = 0;
    return in >> value && value == 3;
  });
  if (!moves) {
    EXPECT_LT(*stats.memory->current, 16 * kMiB) << "no move: the charge stays where it was made";
    GTEST_SKIP() << "this kernel moves no charge (cgroup v2, or v1 on Linux 6.6 and later, which refuses "
                    "memory.move_charge_at_immigrate)";
  }
  EXPECT_GE(*stats.memory->current, 30 * kMiB) << "the 32 MiB it touched before the move";
  child.process().signal(SIGKILL);
  child.process().wait();
}

REINS_INSTANTIATE_LAYOUTS(PeerApis);

}  // namespace
}  // namespace reins::test
