// A child the test talks to: started with pipes on its stdin and stdout, then read line by line, so a test
// waits on what the child says ("ready", "allocated 256") instead of sleeping.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "reins/fd.hpp"
#include "reins/process.hpp"

namespace reins::test {

// Starts `reins-testproc args...` with our stdin and stdout, without waiting for anything.
Process spawn_testproc(const std::vector<std::string>& args);

class ReadyChild {
 public:
  // Starts argv and waits for the line "ready" (throws std::runtime_error on EOF or after `timeout`).
  explicit ReadyChild(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(60));
  // Starts `reins-testproc args...` the same way.
  static ReadyChild testproc(const std::vector<std::string>& args);

  Process& process() { return process_; }
  pid_t pid() const { return process_.pid(); }
  // Reads lines until one equals `line` (throws on EOF or after `timeout`).
  void wait_for_line(const std::string& line, std::chrono::seconds timeout = std::chrono::seconds(60));
  // Every line read so far, "ready" included.
  const std::vector<std::string>& lines() const { return lines_; }
  // Writes `line` and a newline to the child's stdin.
  void send_line(const std::string& line);

 private:
  Process process_;
  UniqueFd stdin_, stdout_;
  std::string pending_;
  std::vector<std::string> lines_;
};

}  // namespace reins::test
