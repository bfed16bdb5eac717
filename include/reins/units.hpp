// Sizes and durations as people write them on a command line, parsed strictly.
//
// Sizes: a number (decimals allowed) and an optional unit. K, M, G, T, P (and KiB, MiB, GiB, TiB, PiB) are
// powers of 1024, as in systemd and ulimit; KB, MB, GB, TB, PB are powers of 1000; B or no unit is bytes.
// "infinity" and "unlimited" mean no limit, where the caller allows it.
// Durations: one or more number+unit pairs ("1m30s"), units ns, us, ms, s, m/min, h, d; a bare number is
// seconds ("0.5" is 500ms).
// Anything else throws reins::InvalidArgument quoting the text and showing a valid example.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reins {

// A byte count that may be "unlimited" (std::nullopt).
using SizeLimit = std::optional<std::uint64_t>;

std::uint64_t parse_size(std::string_view text);
// Accepts "infinity"/"unlimited" (as std::nullopt) as well as parse_size's forms.
SizeLimit parse_size_limit(std::string_view text);
std::chrono::nanoseconds parse_duration(std::string_view text);

// Human forms: "1.5 GiB", "512 KiB", "17 B"; "1.25s", "250ms", "2m05s".
std::string format_size(std::uint64_t bytes);
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace reins
