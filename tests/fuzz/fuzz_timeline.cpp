// libFuzzer target: trace files are read back by `reins plot`, possibly edited or truncated by hand.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reins/error.hpp"
#include "reins/timeline.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool csv : {false, true}) {
    try {
      auto tl = reins::parse_timeline(text, csv);
      if (!tl.samples.empty()) (void)reins::render_svg(tl);
    } catch (const reins::InvalidArgument&) {
    }
  }
  return 0;
}
