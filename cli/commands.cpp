// The list of subcommands, in the order `reins --help` shows them. Each is defined in its own cmd_*.cpp.
#include "command.hpp"

namespace reins::cli {

extern const CommandSpec kRunCommand;
extern const CommandSpec kLimitCommand;
extern const CommandSpec kInitCommand;
extern const CommandSpec kJobCommand;
extern const CommandSpec kMemCommand;
extern const CommandSpec kPlotCommand;

const std::vector<const CommandSpec*>& all_commands() {
  static const std::vector<const CommandSpec*> commands{&kRunCommand, &kInitCommand, &kJobCommand, &kLimitCommand,
                                                        &kMemCommand, &kPlotCommand};
  return commands;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto* c : all_commands())
    if (name == c->name) return c;
  return nullptr;
}

}  // namespace reins::cli
