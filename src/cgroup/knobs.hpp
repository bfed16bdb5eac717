// The limit table: each limit reins offers → its controller, the file it lives in on v1 and on v2, and the
// converters between JobLimits and each file's text. Nothing above src/cgroup/ chooses files by version:
// callers pick the column of the backend that holds the controller.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cgroup/types.hpp"
#include "reins/job_types.hpp"

namespace reins::cgroup {

struct FileWrite {
  Controller controller;
  std::string file;
  std::string text;
  const char* property;  // the systemd name of the limit, for messages
};

// Reads a file of the knob's controller in the job's cgroup; nullopt if it cannot be read.
using FileReader = std::function<std::optional<std::string>(const char* file)>;

struct Knob {
  const char* property;  // systemd's name: "MemoryMax"
  Controller controller;
  // Per Version (index 0 = v1, 1 = v2): the file that must exist for the limit (nullptr: the version has no
  // such limit), the encoder appending the writes for `limits`, and the decoder filling `limits` back in.
  std::array<const char*, 2> file;
  bool (*is_set)(const JobLimits&);
  std::array<void (*)(const JobLimits&, const FileReader& current, std::vector<FileWrite>& out), 2> encode;
  std::array<void (*)(const FileReader& read, JobLimits& out), 2> decode;
};

std::span<const Knob> knob_table() noexcept;
inline std::size_t column(Version v) noexcept { return v == Version::v1 ? 0 : 1; }

// The conversions, exposed for unit tests.
std::string v1_bytes(SizeLimit v);  // "-1" or the number
std::string v2_bytes(SizeLimit v);  // "max" or the number
// systemd's linear mapping (cgroup_cpu_weight_to_shares): shares = w·1024/100 clamped to 2..262144, and back
// w = s·100/1024 clamped to 1..10000.
std::uint64_t cpu_weight_to_shares(std::uint64_t weight) noexcept;
std::uint64_t cpu_shares_to_weight(std::uint64_t shares) noexcept;
std::string cpu_max_text(const CpuQuota& q);  // "150000 100000" or "max 100000"
// v1 counts memory+swap together: memsw = memory + swap (no limit if either is none).
SizeLimit memsw_of(SizeLimit memory, SizeLimit swap) noexcept;
SizeLimit swap_of(SizeLimit memsw, SizeLimit memory) noexcept;
const char* blkio_throttle_file(IoLimitKind kind) noexcept;
const char* io_max_key(IoLimitKind kind) noexcept;
const char* io_property(IoLimitKind kind) noexcept;

}  // namespace reins::cgroup
