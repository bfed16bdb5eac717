// Init: what `reins init` does, as a library call. Runs one command as the main child of an init process —
// PID 1 of a PID namespace (a container), or a child subreaper elsewhere — and until it ends:
//   - forwards every signal it receives to the main child (or its process group), rewritten if asked;
//   - reaps every orphan that is reparented to it (reins::Reaper), never the main child's status;
//   - hands the terminal's foreground to the main child's process group when it has it, and follows the
//     child when the terminal stops it (Ctrl-Z), so an interactive shell works under it;
// and when the main child has exited, ends what remains: SIGTERM, a grace period, SIGKILL, reaps everything
// and returns (or, with wait_all, waits for every descendant to exit on its own).
//
// init() blocks every signal in the calling thread while it runs (so call it from the main thread before
// other threads exist, as `reins init` does); the command gets the mask and the ignored signals the caller
// had. docs/design/init.md has the signal table.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "reins/reaper.hpp"
#include "reins/run.hpp"

namespace reins {

// A forwarded signal replaced by another ("TERM:QUIT"); to == 0 drops it.
struct SignalRewrite {
  int from = 0;
  int to = 0;
};

struct InitOptions {
  // The command and what `reins run` applies to it: rlimits, parent-death signal, timeout and kill_after.
  // run.forward_signals is not used: init forwards every signal. The command always gets a process group of
  // its own (its pid), as under tini.
  RunOptions run;
  bool subreaper = false;  // become a child subreaper, for when this process is not PID 1
  bool group = false;      // forward signals to the main child's whole process group
  std::vector<SignalRewrite> rewrites;
  std::vector<int> success_exits;                            // exit codes reported as 0
  std::chrono::nanoseconds grace = std::chrono::seconds(5);  // SIGTERM → SIGKILL for what remains
  bool wait_all = false;  // when the main child has exited, wait for every descendant instead of ending them
  std::function<void(const ReapedChild&)> on_reaped;  // each other process reaped; must not throw
  // This long after the command started (once, if it still runs), ask the kernel to reclaim the read-only pages
  // of this executable (MADV_PAGEOUT): the code that parsed options and spawned is not needed again in a long
  // idle life. Not at once: a command that ends quickly would have us read the pages back. `reins init`: 1s.
  std::optional<std::chrono::nanoseconds> page_out_startup_code;
};

struct InitReport {
  RunReport run;                         // the main child: status, rusage, wall, signals forwarded, notes
  std::size_t reaped = 0;                // other processes reaped (orphans, leftovers)
  std::size_t remaining_terminated = 0;  // processes sent SIGTERM after the main child had exited
  std::size_t remaining_killed = 0;      // processes sent SIGKILL after the grace period
  int exit_code = 0;                     // run.exit_code(), or 0 if it is one of success_exits
};

// Runs until the main child and everything after it has ended. Throws SpawnError if the command cannot be
// started, InvalidArgument for bad options, reins::Error if supervision fails (the command is killed then).
InitReport init(const InitOptions& options);

// "TERM:QUIT", "SIGTERM:3", "15:0" (0 drops the signal). Throws InvalidArgument quoting the text.
SignalRewrite parse_signal_rewrite(std::string_view text);
// An exit code from 0 to 255. Throws InvalidArgument quoting the text.
int parse_exit_code(std::string_view text);

}  // namespace reins
