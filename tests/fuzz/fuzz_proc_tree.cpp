// libFuzzer: /proc/<pid>/stat (whose comm field the process itself chooses) and children-file parsing.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "procfs/process_tree.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto parent = reins::procfs::parse_stat_parent(text); parent && *parent <= 0) __builtin_trap();
  std::vector<pid_t> pids;
  reins::procfs::parse_pid_list(text, pids);
  for (pid_t p : pids)
    if (p <= 0) __builtin_trap();
  return 0;
}
