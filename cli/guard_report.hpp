// How the memory guard's breaches, statistics and results look in JSON (reins watch, the run report).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "reins/guard.hpp"

namespace reins::cli {

// {"event":"breach","name":...,"pid":...,"metric":"pss","value_bytes":...,"limit_bytes":...,"action":"kill",...}
nlohmann::ordered_json breach_json(const GuardBreach& breach);
nlohmann::ordered_json guard_stats_json(const GuardStats& stats);
// {"event":"end","end":"killed","breach":{...}|null,"stats":{...}}
nlohmann::ordered_json guard_result_json(const GuardResult& result);
// The guard in a run report: {"metric":"pss","limit_bytes":...,"peak_bytes":...,"breach":{...}|null,...}
nlohmann::ordered_json run_guard_json(const GuardResult& result);
// "PSS peak 201 MiB, limit 200 MiB: passed, killed"
std::string run_guard_text(const GuardResult& result);

}  // namespace reins::cli
