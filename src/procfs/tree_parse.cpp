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

}  // namespace reins::procfs
