// libFuzzer target: `reins run -p NAME=VALUE` and the limit flags take text straight from the command line.
// The parsers must return or throw reins::InvalidArgument (or reins::Error when an IO property names a path
// that cannot be looked up): never crash, hang or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reins/error.hpp"
#include "reins/job.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto guarded = [&](auto&& parse) {
    try {
      parse(text);
    } catch (const reins::Error&) {  // InvalidArgument is an Error
    }
  };
  guarded([](std::string_view t) {
    reins::JobLimits l;
    reins::apply_job_property(l, t);
  });
  guarded([](std::string_view t) { (void)reins::parse_cpus(t); });
  guarded([](std::string_view t) { (void)reins::parse_cpu_list(t); });
  return 0;
}
