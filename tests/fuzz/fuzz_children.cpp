// libFuzzer target: /proc/PID/task/TID/children: every pid listed is positive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "procfs/tree_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  reins::procfs::for_each_pid(text, [](pid_t pid) {
    if (pid <= 0) std::abort();
  });
  return 0;
}
