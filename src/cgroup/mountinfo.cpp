#include "cgroup/mountinfo.hpp"

namespace reins::cgroup {
namespace {

// Splits off the text up to `sep` (or the end) from the front of `s`.
std::string_view take(std::string_view& s, char sep) noexcept {
  auto pos = s.find(sep);
  std::string_view head = s.substr(0, pos);
  s = pos == std::string_view::npos ? std::string_view{} : s.substr(pos + 1);
  return head;
}

bool is_octal(char c) noexcept { return c >= '0' && c <= '7'; }

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && is_octal(s[i + 1]) && is_octal(s[i + 2]) && is_octal(s[i + 3])) {
      out += static_cast<char>(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto item = take(s, ',');
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

// One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS".
bool parse_mount_line(std::string_view line, CgroupMount& out) {
  std::string_view fields[5];
  for (auto& f : fields) {
    f = take(line, ' ');
    if (f.empty()) return false;
  }
  take(line, ' ');  // per-mount options
  for (;;) {        // optional fields end at a lone "-"
    if (line.empty()) return false;
    if (take(line, ' ') == "-") break;
  }
  std::string_view fstype = take(line, ' ');
  take(line, ' ');  // source
  std::string_view super = take(line, ' ');
  if (fstype != "cgroup" && fstype != "cgroup2") return false;
  out.version = fstype == "cgroup2" ? Version::v2 : Version::v1;
  out.root = unescape(fields[3]);
  out.mount_point = unescape(fields[4]);
  out.options = split_commas(super);
  return true;
}

bool parse_id(std::string_view s, unsigned& out) noexcept {
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || out > 100000) return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

}  // namespace

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
  std::vector<CgroupMount> out;
  while (!mountinfo.empty()) {
    CgroupMount m;
    if (parse_mount_line(take(mountinfo, '\n'), m)) out.push_back(std::move(m));
  }
  return out;
}

std::vector<CgroupMembership> parse_proc_cgroup(std::string_view text) {
  std::vector<CgroupMembership> out;
  while (!text.empty()) {
    std::string_view line = take(text, '\n');
    std::string_view id = take(line, ':');
    if (line.empty() || id.empty()) continue;
    std::string_view ctrls = take(line, ':');
    if (line.empty() || line.front() != '/') continue;
    CgroupMembership m;
    if (!parse_id(id, m.hierarchy_id)) continue;
    m.controllers = split_commas(ctrls);
    m.path = std::string(line);
    out.push_back(std::move(m));
  }
  return out;
}

std::string_view membership_path(std::string_view proc_cgroup, std::string_view ctrl_name) noexcept {
  while (!proc_cgroup.empty()) {
    std::string_view line = take(proc_cgroup, '\n');
    take(line, ':');
    std::string_view ctrls = take(line, ':');
    if (ctrl_name.empty()) {
      if (ctrls.empty()) return line;
      continue;
    }
    while (!ctrls.empty())
      if (take(ctrls, ',') == ctrl_name) return line;
  }
  return {};
}

bool path_within(std::string_view path, std::string_view ancestor) noexcept {
  while (ancestor.size() > 1 && ancestor.back() == '/') ancestor.remove_suffix(1);
  if (ancestor == "/" || ancestor.empty()) return !path.empty() && path.front() == '/';
  if (path.substr(0, ancestor.size()) != ancestor) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

}  // namespace reins::cgroup
