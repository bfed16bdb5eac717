// What a run report holds stays bounded whatever the command does: a storm of forwarded signals is a count
// plus the first ones, not a list as long as the storm.
#include <gtest/gtest.h>
#include <signal.h>

#include "reins/run.hpp"

namespace reins {
namespace {

TEST(RunReport, ForwardedSignalsAreACountAndTheFirstOnes) {
  RunReport r;
  r.record_forwarded(SIGTERM);
  for (int i = 0; i < 3113; ++i) r.record_forwarded(SIGUSR1);
  EXPECT_EQ(r.signals_forwarded_count, 3114u);
  ASSERT_EQ(r.signals_forwarded.size(), RunReport::kMaxSignalsListed);
  EXPECT_EQ(r.signals_forwarded.front(), SIGTERM);
}

}  // namespace
}  // namespace reins
