// The small conversions every JSON report of the CLI uses, in one place.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace reins::cli {

using Json = nlohmann::ordered_json;

// Every JSON document reins writes carries it as "schema_version" (docs/json.md): raised when a key changes
// meaning or type or goes away, not when one is added.
inline constexpr int kJsonSchemaVersion = 1;

// A known value, or null: unknown is never written as 0.
template <typename T>
Json or_null(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// Seconds as a floating-point number, the unit every *_s key uses.
inline double seconds(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e9; }

// Text from the outside (argv, paths) as JSON can hold it: valid UTF-8 kept, every byte that is not part of
// a valid sequence written as the four characters \xNN, so nothing is lost and nothing throws.
std::string utf8_escaped(std::string_view text);
// Text for a terminal: the same, and control characters (newlines, escape sequences) as \xNN too.
std::string printable(std::string_view text);
// One JSON document on one line. Strings that still hold invalid UTF-8 get U+FFFD rather than an exception:
// a report is never lost to a byte.
std::string dump_line(const Json& j);

}  // namespace reins::cli
