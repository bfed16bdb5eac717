// The small conversions every JSON report of the CLI uses, in one place.
#pragma once

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

namespace reins::cli {

using Json = nlohmann::ordered_json;

// A known value, or null: unknown is never written as 0.
template <typename T>
Json or_null(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// Seconds as a floating-point number, the unit every *_s key uses.
inline double seconds(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e9; }

}  // namespace reins::cli
