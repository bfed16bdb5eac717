// Run one command under supervision and report what it used and why it ended: what `reins run` does, as a
// library call. The command is spawned with its rlimits, its wall-clock timeout is enforced (SIGTERM, then
// SIGKILL after a grace), the caller's signals are forwarded to it, and when it has exited a report is built.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "reins/process.hpp"

namespace reins {

struct RunOptions {
  Command command;
  std::optional<std::chrono::nanoseconds> timeout;      // wall-clock limit; nullopt = none
  std::chrono::nanoseconds kill_after = std::chrono::seconds(5);  // SIGTERM → SIGKILL grace
  // Signals to forward to the command. The caller must have blocked them in every thread (see
  // block_signals()); they are then taken through a signalfd while the command runs.
  std::vector<int> forward_signals;
};

struct RunReport {
  std::vector<std::string> argv;
  ExitStatus status;
  Rusage rusage;                       // of the command and the descendants it waited for
  std::chrono::nanoseconds wall{0};
  // Why reins ended the command, or nullopt when it ended on its own: "timeout" (later also "memory-limit",
  // "oom", "guard").
  std::optional<std::string> killed_by;
  std::vector<int> signals_forwarded;
  std::vector<std::string> notes;      // things the user should know ("timed out after 2s: sent SIGTERM")

  // timeout(1)'s convention: 124 after a timeout, else the command's exit code or 128+N for signal N.
  int exit_code() const noexcept;
};

// Spawns and supervises until the command has exited. Throws SpawnError if it cannot be started, reins::Error
// if supervision itself fails (the command is then killed: nothing is left running).
RunReport run(const RunOptions& options);

// Blocks `signals` in the calling thread (call it before starting other threads) and returns the previous
// mask, which is what a spawned command should get back.
sigset_t block_signals(const std::vector<int>& signals);

// The signals `reins run` forwards: HUP, INT, QUIT, TERM, USR1, USR2.
std::vector<int> default_forwarded_signals();

}  // namespace reins
