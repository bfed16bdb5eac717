// prlimit(2) behind reins/rlimit.hpp. prlimit with pid 0 is setrlimit/getrlimit on ourselves, so one path
// serves both.
#include "reins/rlimit.hpp"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "reins/error.hpp"
#include "reins/units.hpp"

namespace reins {
namespace {

using U = ResourceUnit;
constexpr std::array<ResourceInfo, 16> kResources{{
    {Resource::core, "core", "max core file size", U::bytes, RLIMIT_CORE},
    {Resource::cpu, "cpu", "CPU time", U::seconds, RLIMIT_CPU},
    {Resource::fsize, "fsize", "max file size", U::bytes, RLIMIT_FSIZE},
    {Resource::data, "data", "max data size", U::bytes, RLIMIT_DATA},
    {Resource::stack, "stack", "max stack size", U::bytes, RLIMIT_STACK},
    {Resource::rss, "rss", "max resident set size (ignored by Linux)", U::bytes, RLIMIT_RSS},
    {Resource::nproc, "nproc", "max number of processes", U::count, RLIMIT_NPROC},
    {Resource::nofile, "nofile", "max number of open files", U::count, RLIMIT_NOFILE},
    {Resource::memlock, "memlock", "max locked-in-memory address space", U::bytes, RLIMIT_MEMLOCK},
    {Resource::as, "as", "address space limit", U::bytes, RLIMIT_AS},
    {Resource::locks, "locks", "max number of file locks held", U::count, RLIMIT_LOCKS},
    {Resource::sigpending, "sigpending", "max number of pending signals", U::count, RLIMIT_SIGPENDING},
    {Resource::msgqueue, "msgqueue", "max bytes in POSIX message queues", U::bytes, RLIMIT_MSGQUEUE},
    {Resource::nice, "nice", "max nice priority allowed to raise", U::count, RLIMIT_NICE},
    {Resource::rtprio, "rtprio", "max real-time priority", U::count, RLIMIT_RTPRIO},
    {Resource::rttime, "rttime", "timeout for real-time tasks", U::microseconds, RLIMIT_RTTIME},
}};

std::string valid_names() {
  std::string out;
  for (const auto& r : kResources) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

std::string who(pid_t pid) { return pid == 0 ? std::string("this process") : fmt::format("pid {}", pid); }

rlim_t to_native(RlimitValue v) { return v.is_unlimited() ? RLIM_INFINITY : static_cast<rlim_t>(v.value()); }
RlimitValue from_native(rlim_t v) { return v == RLIM_INFINITY ? RlimitValue::unlimited() : RlimitValue(v); }

std::uint64_t parse_count(std::string_view text) {
  std::uint64_t v = 0;
  if (text.empty()) throw InvalidArgument("empty number");
  for (char c : text) {
    if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10)
      throw InvalidArgument(fmt::format("invalid count '{}': expected a whole number such as 1024", text));
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

std::span<const ResourceInfo> all_resources() noexcept { return kResources; }

const ResourceInfo& info(Resource r) {
  auto i = static_cast<std::size_t>(r);
  if (i >= std::size(kResources))
    throw InvalidArgument(fmt::format("invalid rlimit resource {} (valid: 0 to {}, as reins::Resource names them)", i,
                                      std::size(kResources) - 1));
  return kResources[i];
}

// Any case: prlimit prints NOFILE, its options are --nofile.
Resource parse_resource(std::string_view name) {
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == y;
           });
  };
  for (const auto& r : kResources)
    if (same(name, r.name)) return r.resource;
  throw InvalidArgument(fmt::format("unknown resource '{}' (valid: {})", name, valid_names()));
}

RlimitValue parse_rlimit_value(Resource r, std::string_view text) {
  // prlimit's and ulimit's spellings of "no limit": -1 is RLIM_INFINITY as a signed number.
  if (text == "unlimited" || text == "infinity" || text == "-1") return RlimitValue::unlimited();
  using namespace std::chrono;
  switch (info(r).unit) {
    case U::bytes:
      return RlimitValue(parse_size(text));
    case U::seconds: {
      auto d = parse_duration(text);
      if (d % seconds(1) != nanoseconds(0))
        throw InvalidArgument(
            fmt::format("invalid value '{}' for {}: the kernel counts whole seconds", text, info(r).name));
      return RlimitValue(static_cast<std::uint64_t>(duration_cast<seconds>(d).count()));
    }
    case U::microseconds:
      return RlimitValue(static_cast<std::uint64_t>(duration_cast<microseconds>(parse_duration(text)).count()));
    case U::count:
      return RlimitValue(parse_count(text));
  }
  return RlimitValue::unlimited();
}

std::string format_rlimit_value(Resource r, RlimitValue v) {
  if (v.is_unlimited()) return "unlimited";
  switch (info(r).unit) {
    case U::seconds:
      return fmt::format("{}s", v.value());
    case U::microseconds:
      return fmt::format("{}us", v.value());
    default:
      return std::to_string(v.value());
  }
}

RlimitSetting parse_rlimit_setting(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos)
    throw InvalidArgument(fmt::format("invalid limit '{}': expected NAME=SOFT[:HARD], e.g. nofile=1024:4096", text));
  RlimitSetting s{parse_resource(text.substr(0, eq)), std::nullopt, std::nullopt};
  std::string_view value = text.substr(eq + 1);
  auto colon = value.find(':');
  try {
    if (colon == std::string_view::npos) {
      s.soft = s.hard = parse_rlimit_value(s.resource, value);
    } else {
      if (colon > 0) s.soft = parse_rlimit_value(s.resource, value.substr(0, colon));
      if (colon + 1 < value.size()) s.hard = parse_rlimit_value(s.resource, value.substr(colon + 1));
      if (!s.soft && !s.hard) throw InvalidArgument("both sides are empty");
    }
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("invalid limit '{}': {} (e.g. {}=1024:4096, {}=unlimited)", text, e.what(),
                                      info(s.resource).name, info(s.resource).name));
  }
  return s;
}

Rlimit get_rlimit(Resource r, pid_t pid) {
  ::rlimit64 cur{};
  if (::prlimit64(pid, static_cast<__rlimit_resource>(info(r).native), nullptr, &cur) != 0)
    throw_errno(fmt::format("read limit {} of", info(r).name), who(pid));
  return {from_native(cur.rlim_cur), from_native(cur.rlim_max)};
}

Rlimit resolve(const RlimitSetting& setting, pid_t pid) {
  Rlimit now = get_rlimit(setting.resource, pid);
  Rlimit want{setting.soft.value_or(now.soft), setting.hard.value_or(now.hard)};
  // Setting only the hard limit below the current soft one lowers the soft limit with it, as prlimit(1) does.
  if (!setting.soft && want.hard < want.soft) want.soft = want.hard;
  const auto& ri = info(setting.resource);
  if (want.soft > want.hard)
    throw InvalidArgument(fmt::format("limit {}: soft limit {} is above hard limit {}", ri.name,
                                      format_rlimit_value(ri.resource, want.soft),
                                      format_rlimit_value(ri.resource, want.hard)));
  if (want.hard > now.hard && !has_cap_sys_resource())
    throw Error(EPERM, fmt::format("limit {}: raising the hard limit of {} from {} to {} needs CAP_SYS_RESOURCE, "
                                   "which this process lacks (root alone is not enough)",
                                   ri.name, who(pid), format_rlimit_value(ri.resource, now.hard),
                                   format_rlimit_value(ri.resource, want.hard)));
  return want;
}

Rlimit set_rlimit(Resource r, Rlimit limit, pid_t pid) {
  const auto& ri = info(r);
  if (limit.soft > limit.hard)
    throw InvalidArgument(fmt::format("limit {}: soft limit {} is above hard limit {}", ri.name,
                                      format_rlimit_value(r, limit.soft), format_rlimit_value(r, limit.hard)));
  ::rlimit64 want{to_native(limit.soft), to_native(limit.hard)};
  ::rlimit64 old{};
  // One call sets the new pair and reads the old one: no other change can fall between the two.
  if (::prlimit64(pid, static_cast<__rlimit_resource>(ri.native), &want, &old) != 0) {
    if (errno == EPERM && !has_cap_sys_resource())
      throw Error(EPERM, fmt::format("set limit {} of {}: not permitted (raising a hard limit needs "
                                     "CAP_SYS_RESOURCE, which this process lacks)",
                                     ri.name, who(pid)));
    throw_errno(fmt::format("set limit {} of", ri.name), who(pid));
  }
  return {from_native(old.rlim_cur), from_native(old.rlim_max)};
}

std::vector<ResourceLimit> resolve(std::span<const RlimitSetting> settings, pid_t pid) {
  std::vector<ResourceLimit> resolved;
  for (const auto& s : settings) resolved.push_back({s.resource, resolve(s, pid)});
  return resolved;
}

void apply_rlimits(std::span<const RlimitSetting> settings, pid_t pid) {
  for (const auto& [r, limit] : resolve(settings, pid)) set_rlimit(r, limit, pid);
}

bool has_cap_sys_resource() noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_SYS_RESOURCE / 32].effective & (1u << (CAP_SYS_RESOURCE % 32))) != 0;
}

}  // namespace reins
