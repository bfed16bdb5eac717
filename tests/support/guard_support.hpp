// What the memory guard tests share: counting the guard's logger calls (one per tick with stats_interval equal to
// the interval) so a test waits for samples instead of sleeping, and parsing "child PID" lines.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "reins/guard.hpp"

namespace reins::test {

constexpr std::uint64_t kMiB = 1024 * 1024;

class LogCounter {
 public:
  // A logger for GuardOptions::logger: counts and keeps every line.
  std::function<void(std::string_view)> logger() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
      changed_.notify_all();
    };
  }
  // Waits (at most 30 s, so a broken guard fails rather than hangs) until `n` lines have come.
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return lines_.size() >= n; });
  }
  // Waits (at most 30 s) until a line containing `text` has come.
  bool wait_for_text(const std::string& text) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] {
      for (const auto& l : lines_)
        if (l.find(text) != std::string::npos) return true;
      return false;
    });
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

// The pid in a "child PID" line among `lines`, or 0.
inline pid_t child_pid_from(const std::vector<std::string>& lines) {
  for (const auto& l : lines)
    if (l.rfind("child ", 0) == 0) return static_cast<pid_t>(std::stoi(l.substr(6)));
  return 0;
}

}  // namespace reins::test
