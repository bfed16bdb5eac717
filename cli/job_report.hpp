// A job's limits, statistics and events, for people and for scripts.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "reins/job.hpp"

namespace reins::cli {

nlohmann::ordered_json job_json(const Job& job);
// Limits under docs/json.md's rules: memory_max_bytes, cpus, pids_max_count...; null where there is none.
nlohmann::ordered_json job_limits_json(const JobLimits& limits);
std::string job_text(const Job& job);
// {"job":"build","event":"oom-kill","count":1,"time":"2025-..."}
nlohmann::ordered_json event_json(const Job& job, const JobEvent& event);

}  // namespace reins::cli
