#include "procfs/tree_parse.hpp"

#include <climits>

#include "sys/fields.hpp"

namespace reins::procfs {

std::optional<pid_t> parse_pid(std::string_view text) noexcept {
  auto v = sys::parse_u64(text);
  if (!v || *v == 0 || *v > static_cast<std::uint64_t>(INT_MAX)) return std::nullopt;
  return static_cast<pid_t>(*v);
}

std::optional<pid_t> parse_stat_ppid(std::string_view stat) noexcept {
  auto paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  auto rest = stat.substr(paren + 1);  // " S 1234 ..."
  if (rest.size() < 4 || rest[0] != ' ' || rest[2] != ' ') return std::nullopt;
  rest.remove_prefix(3);
  auto ppid = rest.substr(0, rest.find(' '));
  if (ppid == "0") return 0;  // the parent of init and kthreadd
  return parse_pid(ppid);
}

std::optional<std::uint64_t> parse_stat_start_time(std::string_view stat) noexcept {
  auto paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  auto rest = stat.substr(paren + 1);
  // Fields 3 (state) to 21 come before it.
  for (int field = 3; field <= 22; ++field) {
    if (rest.empty() || rest[0] != ' ') return std::nullopt;
    rest.remove_prefix(1);
    auto end = rest.find_first_of(" \n");
    auto token = rest.substr(0, end);
    if (token.empty()) return std::nullopt;
    if (field == 22) return sys::parse_u64(token);
    rest.remove_prefix(token.size());
  }
  return std::nullopt;
}

}  // namespace reins::procfs
