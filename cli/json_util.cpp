#include "json_util.hpp"

#include <fmt/format.h>

namespace reins::cli {
namespace {

// The length of the valid UTF-8 sequence at the start of `s` (1 to 4), or 0 if it does not start one:
// a stray continuation byte, a truncated sequence, an overlong form, a surrogate or a code point past U+10FFFF.
std::size_t utf8_length(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b = byte(0);
  if (b < 0x80) return 1;
  std::size_t n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (n == 0 || s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i)
    if ((byte(i) & 0xc0) != 0x80) return 0;
  if ((b == 0xe0 && byte(1) < 0xa0) || (b == 0xed && byte(1) > 0x9f) || (b == 0xf0 && byte(1) < 0x90) ||
      (b == 0xf4 && byte(1) > 0x8f))
    return 0;
  return n;
}

std::string escaped(std::string_view text, bool controls) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    std::size_t n = utf8_length(text);
    auto b = static_cast<unsigned char>(text.front());
    if (n == 0 || (controls && n == 1 && (b < 0x20 || b == 0x7f))) {
      out += fmt::format("\\x{:02x}", b);
      n = 1;
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
  return out;
}

}  // namespace

std::string utf8_escaped(std::string_view text) { return escaped(text, false); }
std::string printable(std::string_view text) { return escaped(text, true); }
std::string dump_line(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n"; }

}  // namespace reins::cli
