// Field lookup in the small text files of procfs and cgroupfs, without allocating:
//   "VmRSS:	  1234 kB"  (status, meminfo, smaps_rollup: "key:" then a number and maybe "kB")
//   "oom_kill 3"         (memory.stat, memory.events, cpu.stat, pids.events: "key value")
// Both forms are one function: the key must start a line and be followed by ':' or whitespace.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace reins::sys {

// The text after `key` on its line, with the separator and surrounding blanks removed; nullopt if absent.
std::optional<std::string_view> field_text(std::string_view text, std::string_view key) noexcept;
// The first number of that field. A trailing " kB" multiplies by 1024. nullopt if absent or not a number.
std::optional<std::uint64_t> field_u64(std::string_view text, std::string_view key) noexcept;
// The number of a field's value text: "1234 kB" is 1234 * 1024 bytes, "1234" is 1234. nullopt if not a number.
std::optional<std::uint64_t> value_u64(std::string_view value_text) noexcept;
// Parses a whole decimal unsigned number ("max" and anything else give nullopt).
std::optional<std::uint64_t> parse_u64(std::string_view s) noexcept;

// Calls f(key, value_text) for every line "key value" or "key: value".
template <typename F>
void for_each_field(std::string_view text, F&& f) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    auto sep = line.find_first_of(": \t");
    if (sep == std::string_view::npos || sep == 0) continue;
    std::string_view key = line.substr(0, sep), rest = line.substr(sep);
    while (!rest.empty() && (rest.front() == ':' || rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    f(key, rest);
  }
}

// One numeric field of a struct, by the key that holds it in a file: {"VmRSS", &ProcessMemory::rss}.
template <typename Out>
struct NumericField {
  std::string_view key;
  std::optional<std::uint64_t> Out::*member;
};

// Sets every field of `table` that `text` has (the first line with the key wins; value_u64 decides the
// number) in one pass over the lines: cheaper than a field_u64 per key when most keys are wanted. A table in
// the file's own line order is matched in one comparison per line.
template <typename Out, std::size_t N>
void read_numeric_fields(std::string_view text, const NumericField<Out> (&table)[N], Out& out) {
  bool seen[N] = {};
  std::size_t next = 0;  // where the previous match leaves off: the likely next key
  for_each_field(text, [&](std::string_view key, std::string_view value) {
    for (std::size_t k = 0; k < N; ++k) {
      std::size_t i = (next + k) % N;
      if (seen[i] || key != table[i].key) continue;
      seen[i] = true;
      out.*table[i].member = value_u64(value);
      next = i + 1;
      return;
    }
  });
}

}  // namespace reins::sys
