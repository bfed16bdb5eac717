// What the test lanes share: where the binaries are, running a command and capturing its output, and skips
// that always say why.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "reins/fd.hpp"

namespace reins::test {

// Whether this build runs under a sanitizer (the asan and tsan presets build the tests and reins alike). A few
// tests measure what a sanitizer's runtime changes (its shadow memory in a forked copy, the descriptors its
// own checks need) and say so when they skip.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

inline const char* testproc() { return REINS_TESTPROC; }
inline const char* reins_bin() { return REINS_BIN; }
inline std::string fixture(const std::string& name) { return std::string(REINS_FIXTURES) + "/" + name; }

struct Output {
  int exit_code = -1;  // shell convention: 128+N for signal N
  std::string out, err;
};

// A pipe, both ends close-on-exec: {read end, write end}.
std::pair<UniqueFd, UniqueFd> make_pipe();

// Runs argv (no shell), captures stdout and stderr, waits. `input` is written to its stdin.
Output run_capture(const std::vector<std::string>& argv, const std::string& input = "");

// The last line of `text` that is a JSON object (`reins run --json -` writes the report last on stdout).
nlohmann::json last_json_line(const std::string& text);

// Whether a process whose command line contains `marker` exists anywhere on the machine.
bool process_with_marker_exists(const std::string& marker);
// A unique string for markers and names: "reins-test-<pid>-<counter>".
std::string unique_name(const std::string& prefix = "reins-test");
// A whole file's text; empty if it cannot be read.
std::string read_text_file(const std::string& path);

// Skips unless we are root (uid 0). The message says why.
#define REINS_REQUIRE_ROOT()                                                                    \
  do {                                                                                          \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (uid 0); running as uid " << ::geteuid(); \
  } while (0)

}  // namespace reins::test
