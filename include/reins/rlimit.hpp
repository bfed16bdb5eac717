// Resource limits (setrlimit/prlimit), typed: a superset of Python's resource module that also works on other
// processes. Names are those of prlimit(1): core, cpu, fsize, data, stack, rss, nproc, nofile, memlock, as,
// locks, sigpending, msgqueue, nice, rtprio, rttime.
#pragma once

#include <sys/types.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace reins {

enum class Resource {
  core,
  cpu,
  fsize,
  data,
  stack,
  rss,
  nproc,
  nofile,
  memlock,
  as,
  locks,
  sigpending,
  msgqueue,
  nice,
  rtprio,
  rttime
};

// What a resource's numbers count, which decides how they are parsed and shown.
enum class ResourceUnit { bytes, seconds, microseconds, count };

struct ResourceInfo {
  Resource resource;
  std::string_view name;         // prlimit's name: "nofile"
  std::string_view description;  // "max number of open files"
  ResourceUnit unit;
  int native;  // RLIMIT_NOFILE
};

std::span<const ResourceInfo> all_resources() noexcept;
// Throws InvalidArgument for a value that is none of Resource's (a cast from a caller's number).
const ResourceInfo& info(Resource r);
// A name in any case ("nofile", "NOFILE"). Throws InvalidArgument naming the valid names when it is none.
Resource parse_resource(std::string_view name);

// One side of a limit: a number, or unlimited (RLIM_INFINITY) as a value of its own.
class RlimitValue {
 public:
  static constexpr RlimitValue unlimited() noexcept { return RlimitValue(); }
  constexpr explicit RlimitValue(std::uint64_t v) noexcept : value_(v) {}
  constexpr bool is_unlimited() const noexcept { return !value_; }
  // The number; only meaningful when !is_unlimited().
  constexpr std::uint64_t value() const noexcept { return value_.value_or(0); }
  // Unlimited compares greater than every number.
  constexpr auto operator<=>(const RlimitValue& o) const noexcept {
    if (is_unlimited() || o.is_unlimited()) return is_unlimited() <=> o.is_unlimited();
    return *value_ <=> *o.value_;
  }
  constexpr bool operator==(const RlimitValue&) const noexcept = default;

 private:
  constexpr RlimitValue() noexcept = default;
  std::optional<std::uint64_t> value_;
};

struct Rlimit {
  RlimitValue soft;
  RlimitValue hard;
  bool operator==(const Rlimit&) const noexcept = default;
};

// A requested change: either side may be left as it is.
struct RlimitSetting {
  Resource resource;
  std::optional<RlimitValue> soft;
  std::optional<RlimitValue> hard;
};

// Parses "nofile=1024:4096", "nofile=1024" (both), "nofile=1024:" (soft only), "nofile=:4096" (hard only),
// "as=1G", "cpu=10s", "core=unlimited". Throws InvalidArgument quoting the text.
RlimitSetting parse_rlimit_setting(std::string_view text);
// Parses one value in the resource's unit: "1G" for bytes, "10s" for seconds; "unlimited", "infinity" or
// "-1" (prlimit's and ulimit's spellings) for no limit.
RlimitValue parse_rlimit_value(Resource r, std::string_view text);
std::string format_rlimit_value(Resource r, RlimitValue v);

// pid 0 means the calling process. Throws reins::Error: ESRCH "no such process", EPERM.
Rlimit get_rlimit(Resource r, pid_t pid = 0);
// Sets both sides at once. Throws InvalidArgument when soft > hard, and reins::Error with EPERM and a message
// naming CAP_SYS_RESOURCE when the hard limit would rise without that capability. Returns the limits in force
// before, read in the same prlimit(2) call (Python's resource.prlimit(pid, r, new) does the same).
Rlimit set_rlimit(Resource r, Rlimit limit, pid_t pid = 0);
// Fills the unset sides of `setting` from the current limit of `pid` and checks the result, without applying.
Rlimit resolve(const RlimitSetting& setting, pid_t pid = 0);
// A resource and both sides of its limit: a setting resolved.
struct ResourceLimit {
  Resource resource;
  Rlimit limit;
  bool operator==(const ResourceLimit&) const noexcept = default;
};
// resolve() for each setting, all checked before any is returned.
std::vector<ResourceLimit> resolve(std::span<const RlimitSetting> settings, pid_t pid = 0);
// Applies a list of settings all-or-nothing: all are resolved and checked before the first is set.
void apply_rlimits(std::span<const RlimitSetting> settings, pid_t pid = 0);

// Whether the calling thread has CAP_SYS_RESOURCE in its effective set (root alone does not imply it).
bool has_cap_sys_resource() noexcept;

}  // namespace reins
