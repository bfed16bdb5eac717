// How `reins mem` shows a memory sample: tables with human sizes for people, one JSON object for scripts.
#pragma once

#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "reins/sampler.hpp"

namespace reins::cli {

nlohmann::ordered_json sample_json(const MemorySample& sample);
// UTC with milliseconds, as JSON output shows times: "2025-05-01T12:00:00.123Z".
std::string iso_time(std::chrono::system_clock::time_point t);

// The processes (or trees) of a sample as a table: PID, PSS, RSS, USS, SWAP; "-" for what is unknown.
std::string processes_text(const MemorySample& sample);
// The system part of a sample: meminfo, PSI, and the memory cgroup.
std::string system_text(const MemorySample& sample);
// Why metrics are unknown, one line per process and reason ("pid 2: PSS, USS unknown: ..."), skipping the
// (pid, errno) pairs already in `told` and adding the new ones.
std::string unknown_notes(const MemorySample& sample, std::set<std::pair<pid_t, int>>& told);

}  // namespace reins::cli
