// Parsers of cgroup files whose format is more than "key value" lines (those use sys/fields.hpp). Pure and
// allocation-light, fuzzed by tests/fuzz/fuzz_cgroup_files.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "reins/job_types.hpp"

namespace reins::cgroup {

// "MAJ:MIN" at the front of `s`; advances past it.
std::optional<std::pair<unsigned, unsigned>> take_device(std::string_view& s) noexcept;

// v2 io.stat: "254:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per line.
std::vector<JobIoDeviceStats> parse_io_stat(std::string_view text);
// v1 blkio.throttle.io_service_bytes / io_serviced: "254:0 Read 123" lines (plus "Total N"). Adds the Read
// and Write figures to bytes (as_bytes) or to ios.
void add_blkio_stat(std::string_view text, bool as_bytes, std::vector<JobIoDeviceStats>& out);

// v2 io.max: "254:0 rbps=max wbps=1048576 riops=max wiops=max" per line → one limit per set key.
std::vector<IoDeviceLimit> parse_io_max(std::string_view text);
// v1 blkio.throttle.read_bps_device etc.: "254:0 1048576" per line.
std::vector<IoDeviceLimit> parse_blkio_throttle(std::string_view text, IoLimitKind kind);

// v2 cpu.max: "max 100000" or "150000 100000".
std::optional<CpuQuota> parse_cpu_max(std::string_view text) noexcept;

// A cpuset list: "0-3,5,7-8"; whitespace at the ends ignored. Returns whether it is well formed.
bool valid_cpu_list(std::string_view text) noexcept;

// A v1 limit value: a byte count, where anything at or above 2^62 (the kernel's PAGE_COUNTER_MAX in bytes,
// shown as 9223372036854771712) or "-1" means no limit. v2 uses "max" for that.
std::optional<SizeLimit> parse_v1_limit(std::string_view text) noexcept;
std::optional<SizeLimit> parse_v2_limit(std::string_view text) noexcept;

}  // namespace reins::cgroup
