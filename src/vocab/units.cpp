#include "reins/units.hpp"

#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "reins/error.hpp"

namespace reins {
namespace {

struct Unit {
  std::string_view name;
  long double factor;
};

constexpr long double kKi = 1024.0L;
// The lower-case single letters are the binary units, as docker's --memory 2g and java's -Xmx2g mean them;
// "kb", "gb" stay unknown (docker reads them as binary, systemd-style KB as decimal: ambiguous).
constexpr std::array<Unit, 23> kSizeUnits{{
    {"", 1},
    {"B", 1},
    {"b", 1},
    {"k", kKi},
    {"m", kKi* kKi},
    {"g", kKi* kKi* kKi},
    {"t", kKi* kKi* kKi* kKi},
    {"p", kKi* kKi* kKi* kKi* kKi},
    {"K", kKi},
    {"KiB", kKi},
    {"KB", 1e3L},
    {"M", kKi* kKi},
    {"MiB", kKi* kKi},
    {"MB", 1e6L},
    {"G", kKi* kKi* kKi},
    {"GiB", kKi* kKi* kKi},
    {"GB", 1e9L},
    {"T", kKi* kKi* kKi* kKi},
    {"TiB", kKi* kKi* kKi* kKi},
    {"TB", 1e12L},
    {"P", kKi* kKi* kKi* kKi* kKi},
    {"PiB", kKi* kKi* kKi* kKi* kKi},
    {"PB", 1e15L},
}};

constexpr std::array<Unit, 9> kTimeUnits{{
    {"ns", 1},
    {"us", 1e3L},
    {"ms", 1e6L},
    {"s", 1e9L},
    {"m", 60e9L},
    {"min", 60e9L},
    {"h", 3600e9L},
    {"d", 86400e9L},
    {"", 1e9L},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads "123" or "1.5" from the front of `s`; no sign, no exponent, at most one dot, a digit on each side.
std::optional<long double> take_number(std::string_view& s) {
  size_t i = 0;
  long double value = 0;
  while (i < s.size() && is_digit(s[i])) value = value * 10 + (s[i++] - '0');
  if (i == 0) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    size_t j = ++i;
    long double scale = 0.1L;
    for (; i < s.size() && is_digit(s[i]); ++i, scale /= 10) value += (s[i] - '0') * scale;
    if (i == j) return std::nullopt;
  }
  s.remove_prefix(i);
  return value;
}

template <size_t N>
std::optional<long double> lookup(const std::array<Unit, N>& units, std::string_view name) {
  for (const auto& u : units)
    if (u.name == name) return u.factor;
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad_size(std::string_view text, std::string_view why) {
  throw InvalidArgument(
      fmt::format("invalid size '{}': {} (valid examples: 512M, 1.5G, 2GiB, 1000KB, 4096)", text, why));
}

[[noreturn]] void bad_duration(std::string_view text, std::string_view why) {
  throw InvalidArgument(
      fmt::format("invalid duration '{}': {} (valid examples: 250ms, 2s, 1m30s, 1h, 0.5)", text, why));
}

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  std::string_view s = trim(text);
  if (s == "infinity" || s == "unlimited") bad_size(text, "no limit is not allowed here");
  auto number = take_number(s);
  if (!number) bad_size(text, "expected a number first");
  auto factor = lookup(kSizeUnits, trim(s));
  if (!factor) bad_size(text, fmt::format("unknown unit '{}' (use K, M, G, T or k, m, g, t, KiB…, KB…, B)", trim(s)));
  long double bytes = std::floor(*number * *factor);
  if (bytes >= 18446744073709551615.0L) bad_size(text, "too large");
  return static_cast<std::uint64_t>(bytes);
}

SizeLimit parse_size_limit(std::string_view text) {
  std::string_view s = trim(text);
  if (s == "infinity" || s == "unlimited") return std::nullopt;
  return parse_size(text);
}

std::chrono::nanoseconds parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) bad_duration(text, "it is empty");
  long double total = 0;
  bool bare_seen = false;
  while (!s.empty()) {
    auto number = take_number(s);
    if (!number) bad_duration(text, "expected a number");
    size_t unit_len = 0;
    while (unit_len < s.size() && !is_digit(s[unit_len]) && s[unit_len] != ' ') ++unit_len;
    std::string_view unit = s.substr(0, unit_len);
    s = trim(s.substr(unit_len));
    auto factor = lookup(kTimeUnits, unit);
    if (!factor) bad_duration(text, fmt::format("unknown unit '{}' (use ns, us, ms, s, m, h, d)", unit));
    if (unit.empty() && (bare_seen || !s.empty() || total != 0)) bad_duration(text, "a unit is missing");
    bare_seen = unit.empty();
    total += *number * *factor;
  }
  if (total >= static_cast<long double>(std::numeric_limits<std::int64_t>::max())) bad_duration(text, "too long");
  // floor(x + 0.5) rounds as llround does for x >= 0, inline: llroundl was the CLI's only use of libm, a shared
  // library (~300 KiB of RSS) that every reins process, the idle `reins init` too, loaded for it.
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::floor(total + 0.5L)));
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<const char*, 6> kNames{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  long double value = static_cast<long double>(bytes);
  size_t i = 0;
  while (value >= 1024 && i + 1 < kNames.size()) value /= 1024, ++i;
  if (i == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.{}f} {}", static_cast<double>(value), value < 10 ? 2 : value < 100 ? 1 : 0, kNames[i]);
}

std::string format_duration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  auto ns = d.count();
  if (ns < 0) return fmt::format("-{}", format_duration(-d));
  if (ns < 1'000) return fmt::format("{}ns", ns);
  if (ns < 1'000'000) return fmt::format("{:.1f}us", static_cast<double>(ns) / 1e3);
  if (ns < 1'000'000'000) return fmt::format("{:.1f}ms", static_cast<double>(ns) / 1e6);
  if (ns < 60'000'000'000) return fmt::format("{:.2f}s", static_cast<double>(ns) / 1e9);
  auto secs = duration_cast<seconds>(d).count();
  if (secs < 3600) return fmt::format("{}m{:02}s", secs / 60, secs % 60);
  return fmt::format("{}h{:02}m{:02}s", secs / 3600, secs / 60 % 60, secs % 60);
}

}  // namespace reins
