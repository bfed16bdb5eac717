// libFuzzer target: the parsers of cgroup files (io.stat, blkio stats, io.max, blkio throttle lines,
// cpu.max, cpuset lists, limit values, cgroup.procs, cgroup.controllers) and every limit decoder of the knob
// table, fed the same text for every file. They must never crash, hang or throw.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cgroup/dir.hpp"
#include "cgroup/knobs.hpp"
#include "cgroup/layout.hpp"
#include "cgroup/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reins;
  using namespace reins::cgroup;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_io_stat(text);
  std::vector<JobIoDeviceStats> io;
  add_blkio_stat(text, true, io);
  add_blkio_stat(text, false, io);
  (void)parse_io_max(text);
  (void)parse_blkio_throttle(text, IoLimitKind::write_iops);
  (void)parse_cpu_max(text);
  (void)valid_cpu_list(text);
  (void)parse_v1_limit(text);
  (void)parse_v2_limit(text);
  (void)parse_pid_list(text);
  (void)parse_v2_controllers(text);
  std::string_view rest = text;
  (void)take_device(rest);
  FileReader same = [&](const char*) -> std::optional<std::string> { return std::string(text); };
  for (const auto& k : knob_table()) {
    JobLimits out;
    for (auto* decode : k.decode)
      if (decode) decode(same, out);
  }
  return 0;
}
