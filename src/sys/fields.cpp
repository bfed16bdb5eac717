#include "sys/fields.hpp"

namespace reins::sys {

std::optional<std::uint64_t> parse_u64(std::string_view s) noexcept {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

std::optional<std::string_view> field_text(std::string_view text, std::string_view key) noexcept {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key) continue;
    char sep = line[key.size()];
    if (sep != ':' && sep != ' ' && sep != '\t') continue;
    std::string_view rest = line.substr(key.size() + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t' || rest.back() == '\r')) rest.remove_suffix(1);
    return rest;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> value_u64(std::string_view rest) noexcept {
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t' || rest.back() == '\r')) rest.remove_suffix(1);
  auto space = rest.find(' ');
  auto value = parse_u64(rest.substr(0, space));
  if (!value) return std::nullopt;
  if (space != std::string_view::npos) {
    auto unit = rest.substr(space + 1);
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    if (unit == "kB") {
      if (*value > UINT64_MAX / 1024) return std::nullopt;
      return *value * 1024;
    }
  }
  return value;
}

std::optional<std::uint64_t> field_u64(std::string_view text, std::string_view key) noexcept {
  auto rest = field_text(text, key);
  if (!rest) return std::nullopt;
  return value_u64(*rest);
}

}  // namespace reins::sys
