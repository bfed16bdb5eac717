#include "cgroup/parse.hpp"

#include <algorithm>

#include "sys/fields.hpp"

namespace reins::cgroup {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string_view take(std::string_view& s, char sep) noexcept {
  auto pos = s.find(sep);
  std::string_view head = s.substr(0, pos);
  s = pos == std::string_view::npos ? std::string_view{} : s.substr(pos + 1);
  return head;
}

std::optional<unsigned> take_uint(std::string_view& s) noexcept {
  size_t n = 0;
  while (n < s.size() && n < 10 && s[n] >= '0' && s[n] <= '9') ++n;
  auto v = sys::parse_u64(s.substr(0, n));
  if (!v || *v > 0xffffffffu) return std::nullopt;
  s.remove_prefix(n);
  return static_cast<unsigned>(*v);
}

JobIoDeviceStats& device_entry(std::vector<JobIoDeviceStats>& out, unsigned major, unsigned minor) {
  for (auto& d : out)
    if (d.major == major && d.minor == minor) return d;
  out.push_back({major, minor, 0, 0, 0, 0});
  return out.back();
}

}  // namespace

std::optional<std::pair<unsigned, unsigned>> take_device(std::string_view& s) noexcept {
  std::string_view t = s;
  auto major = take_uint(t);
  if (!major || t.empty() || t.front() != ':') return std::nullopt;
  t.remove_prefix(1);
  auto minor = take_uint(t);
  if (!minor) return std::nullopt;
  s = t;
  return std::pair{*major, *minor};
}

std::vector<JobIoDeviceStats> parse_io_stat(std::string_view text) {
  std::vector<JobIoDeviceStats> out;
  while (!text.empty()) {
    std::string_view line = take(text, '\n');
    auto dev = take_device(line);
    if (!dev) continue;
    JobIoDeviceStats d{dev->first, dev->second, 0, 0, 0, 0};
    while (!line.empty()) {
      std::string_view item = take(line, ' ');
      std::string_view key = take(item, '=');
      auto v = sys::parse_u64(item);
      if (!v) continue;
      if (key == "rbytes")
        d.read_bytes = *v;
      else if (key == "wbytes")
        d.write_bytes = *v;
      else if (key == "rios")
        d.read_ios = *v;
      else if (key == "wios")
        d.write_ios = *v;
    }
    out.push_back(d);
  }
  return out;
}

void add_blkio_stat(std::string_view text, bool as_bytes, std::vector<JobIoDeviceStats>& out) {
  while (!text.empty()) {
    std::string_view line = take(text, '\n');
    auto dev = take_device(line);
    if (!dev || line.empty() || line.front() != ' ') continue;
    line.remove_prefix(1);
    std::string_view op = take(line, ' ');
    auto v = sys::parse_u64(trim(line));
    if (!v || (op != "Read" && op != "Write")) continue;
    auto& d = device_entry(out, dev->first, dev->second);
    if (op == "Read")
      (as_bytes ? d.read_bytes : d.read_ios) += *v;
    else
      (as_bytes ? d.write_bytes : d.write_ios) += *v;
  }
}

std::vector<IoDeviceLimit> parse_io_max(std::string_view text) {
  std::vector<IoDeviceLimit> out;
  constexpr std::pair<std::string_view, IoLimitKind> kKeys[] = {{"rbps", IoLimitKind::read_bps},
                                                                {"wbps", IoLimitKind::write_bps},
                                                                {"riops", IoLimitKind::read_iops},
                                                                {"wiops", IoLimitKind::write_iops}};
  while (!text.empty()) {
    std::string_view line = take(text, '\n');
    auto dev = take_device(line);
    if (!dev) continue;
    while (!line.empty()) {
      std::string_view item = take(line, ' ');
      std::string_view key = take(item, '=');
      for (const auto& [name, kind] : kKeys) {
        if (key != name) continue;
        // The kernel lists every key of a device once any is set; "max" there is no cap, not a limit.
        auto v = parse_v2_limit(item);
        if (v && *v) out.push_back({dev->first, dev->second, kind, *v});
      }
    }
  }
  return out;
}

std::vector<IoDeviceLimit> parse_blkio_throttle(std::string_view text, IoLimitKind kind) {
  std::vector<IoDeviceLimit> out;
  while (!text.empty()) {
    std::string_view line = take(text, '\n');
    auto dev = take_device(line);
    if (!dev) continue;
    auto v = sys::parse_u64(trim(line));
    if (v) out.push_back({dev->first, dev->second, kind, *v});
  }
  return out;
}

std::optional<CpuQuota> parse_cpu_max(std::string_view text) noexcept {
  text = trim(text);
  std::string_view quota = take(text, ' ');
  auto period = sys::parse_u64(trim(text));
  if (!period || *period == 0 || *period > 1'000'000'000) return std::nullopt;
  CpuQuota q;
  q.period = std::chrono::microseconds(static_cast<long long>(*period));
  if (quota == "max") return q;
  auto v = sys::parse_u64(quota);
  if (!v || *v > (1ull << 50)) return std::nullopt;
  q.quota = std::chrono::microseconds(static_cast<long long>(*v));
  return q;
}

bool valid_cpu_list(std::string_view text) noexcept {
  text = trim(text);
  if (text.empty()) return false;
  while (!text.empty()) {
    std::string_view item = take(text, ',');
    auto first = take_uint(item);
    if (!first) return false;
    if (item.empty()) continue;
    if (item.front() != '-') return false;
    item.remove_prefix(1);
    auto last = take_uint(item);
    if (!last || !item.empty() || *last < *first) return false;
  }
  return true;
}

std::optional<SizeLimit> parse_v1_limit(std::string_view text) noexcept {
  text = trim(text);
  if (text == "-1") return SizeLimit{};
  auto v = sys::parse_u64(text);
  if (!v) return std::nullopt;
  if (*v >= (1ull << 62)) return SizeLimit{};
  return SizeLimit{*v};
}

std::optional<SizeLimit> parse_v2_limit(std::string_view text) noexcept {
  text = trim(text);
  if (text == "max") return SizeLimit{};
  auto v = sys::parse_u64(text);
  if (!v) return std::nullopt;
  return SizeLimit{*v};
}

}  // namespace reins::cgroup
