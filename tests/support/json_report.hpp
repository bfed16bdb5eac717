// The JSON report that `reins run --json -` and `reins init --json -` print as the last line of stderr.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace reins::test {

inline nlohmann::json report_of(const std::string& err) {
  auto end = err.find_last_not_of('\n');
  auto start = err.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return nlohmann::json::parse(err.substr(start, end - start + 1));
}

}  // namespace reins::test
