#include "reins/exit_status.hpp"

#include <fmt/format.h>

#include "reins/signals.hpp"

namespace reins {

std::string ExitStatus::describe() const {
  if (exited()) return fmt::format("exited with code {}", value);
  return fmt::format("killed by SIG{}{}", signal_name(value), core_dumped ? " (core dumped)" : "");
}

}  // namespace reins
