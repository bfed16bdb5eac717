// libFuzzer: --rewrite FROM:TO and --success-exit CODE text. Either a value or InvalidArgument, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reins/init.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto r = reins::parse_signal_rewrite(text);
    if (r.from <= 0 || r.to < 0) __builtin_trap();
  } catch (const reins::InvalidArgument&) {
  }
  try {
    int code = reins::parse_exit_code(text);
    if (code < 0 || code > 255) __builtin_trap();
  } catch (const reins::InvalidArgument&) {
  }
  return 0;
}
