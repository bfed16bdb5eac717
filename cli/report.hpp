// The run report, for people (like /usr/bin/time -v) and for scripts (one JSON object).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "reins/fd.hpp"
#include "reins/run.hpp"

namespace reins::cli {

struct ParsedArgs;

// The report as one JSON object (docs/json.md, schemas/run-report.schema.json): what happened and the limits
// `options` applied. `command` is "run" or "init".
nlohmann::ordered_json report_json(const RunReport& report, const RunOptions& options, std::string_view command);
std::string report_text(const RunReport& report, std::string_view command = "run");
// The report of a run that reins could not carry out (it exits 125, 126 or 127): the command, the exit
// status and why, as isolate reports its internal errors: "status": "error", "error": the message.
nlohmann::ordered_json failure_json(const std::vector<std::string>& argv, int exit_code, const std::string& error,
                                    const RunOptions& options, std::string_view command);
std::string failure_text(const std::vector<std::string>& argv, int exit_code, const std::string& error,
                         std::string_view command = "run");
// A place a report goes, opened before the command starts so that a bad path fails early and nothing runs.
class OutputFile {
 public:
  // "-" means standard output. Throws reins::Error naming the path.
  static OutputFile open(const std::string& path);
  OutputFile() = default;
  OutputFile(OutputFile&& other) noexcept
      : path_(std::move(other.path_)),
        fd_(std::move(other.fd_)),
        temp_(std::exchange(other.temp_, {})),
        unnamed_(std::exchange(other.unnamed_, false)) {}
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();
  // Writes text; the first write of a regular file completes it (renamed into place), later ones append.
  // Throws reins::Error naming the path.
  void write(const std::string& text);
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  UniqueFd fd_;           // empty for standard output
  std::string temp_;      // the temporary file renamed over path_ once written; empty when written directly
  bool unnamed_ = false;  // fd_ is an O_TMPFILE file, given a name only when complete
};

// The file of a command's --json FILE option ('-': standard output), or nullopt without one. Opened before
// the command does anything, so a bad path is refused first.
std::optional<OutputFile> json_output(const ParsedArgs& args);

}  // namespace reins::cli
