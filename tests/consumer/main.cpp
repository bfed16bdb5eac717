// A program outside the tree that uses the installed reins: it runs `true` under an rlimit.
#include <reins/run.hpp>
#include <reins/units.hpp>

#include <cstdio>

int main() {
  reins::RunOptions opts;
  opts.command.argv = {"sh", "-c", "test \"$(ulimit -n)\" = 64"};
  opts.command.rlimits.push_back(reins::parse_rlimit_setting("nofile=64"));
  reins::RunReport report = reins::run(opts);
  std::printf("consumer: %s, parsed 1.5G = %llu bytes\n", report.status.describe().c_str(),
              static_cast<unsigned long long>(reins::parse_size("1.5G")));
  return report.exit_code();
}
