// libFuzzer target: the size, duration, rlimit and signal parsers take text straight from the command line.
// They must either return a value or throw InvalidArgument: never crash, hang or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reins/error.hpp"
#include "reins/process.hpp"
#include "reins/rlimit.hpp"
#include "reins/units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto guarded = [&](auto&& parse) {
    try {
      parse(text);
    } catch (const reins::InvalidArgument&) {
    }
  };
  guarded([](std::string_view t) { (void)reins::parse_size(t); });
  guarded([](std::string_view t) { (void)reins::parse_size_limit(t); });
  guarded([](std::string_view t) { (void)reins::parse_duration(t); });
  guarded([](std::string_view t) { (void)reins::parse_rlimit_setting(t); });
  guarded([](std::string_view t) { (void)reins::parse_signal(t); });
  return 0;
}
