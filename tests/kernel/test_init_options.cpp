// init() refuses what it cannot honour instead of ignoring it.
#include <gtest/gtest.h>
#include <signal.h>

#include "reins/error.hpp"
#include "reins/init.hpp"

namespace reins {
namespace {

TEST(InitOptionsCheck, ForwardSignalsIsRefusedNotIgnored) {
  InitOptions o;
  o.subreaper = true;
  o.run.command.argv = {"true"};
  o.run.job.enabled = false;
  o.run.forward_signals = {SIGUSR1};
  try {
    init(o);
    FAIL() << "init() accepted RunOptions::forward_signals, which it would ignore";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("forward_signals"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace reins
