// The run report, for people (like /usr/bin/time -v) and for scripts (one JSON object).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "reins/fd.hpp"
#include "reins/run.hpp"

namespace reins::cli {

nlohmann::ordered_json report_json(const RunReport& report);
std::string report_text(const RunReport& report, std::string_view command = "run");
// A place a report goes, opened before the command starts so that a bad path fails early and nothing runs.
class OutputFile {
 public:
  // "-" means stderr. Throws reins::Error naming the path.
  static OutputFile open(const std::string& path);
  void write(const std::string& text) const;

 private:
  std::string path_;
  UniqueFd fd_;  // empty for stderr
};

}  // namespace reins::cli
