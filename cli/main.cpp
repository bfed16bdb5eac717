// reins: dispatch to a subcommand, and the one place errors become messages and exit codes.
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "command.hpp"
#include "docgen.hpp"
#include "reins/error.hpp"
#include "reins/job.hpp"
#include "reins/process.hpp"

namespace {

void print_overview() {
  std::string out =
      "Usage: reins COMMAND [OPTIONS] [ARGS...]\n"
      "Put Linux processes under resource control: limit, measure, guard and end them.\n\nCommands:\n";
  for (const auto* c : reins::cli::all_commands()) out += fmt::format("  {:<10} {}\n", c->name, c->summary);
  out +=
      "\nRun 'reins help COMMAND' (or 'reins COMMAND --help') for a command's options. 'reins --version' prints\nthe "
      "version; 'reins --completion bash|zsh|fish' a shell completion script; 'reins --man' the man page.\n"
      "JSON output (--json FILE, '-' for standard output) is described in docs/json.md.\n";
  std::fputs(out.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_overview();
    return 2;
  }
  std::string_view first = argv[1];
  // `reins help CMD` is `reins CMD --help`, as git and systemctl have it.
  if (first == "help" && argc >= 3) {
    const auto* cmd = reins::cli::find_command(argv[2]);
    if (!cmd) {
      std::fprintf(stderr, "reins: unknown command '%s'. Run 'reins --help' for the list.\n", argv[2]);
      return 2;
    }
    char help[] = "--help";
    char* args[] = {argv[2], help, nullptr};
    return cmd->main(2, args);
  }
  if (first == "--help" || first == "-h" || first == "help") {
    print_overview();
    return 0;
  }
  if (first == "--version" || first == "-V") {
    std::puts("reins " REINS_VERSION);
    // What this build can do, for scripts and bug reports (docs/design.md: the systemd layer).
    std::printf("features: %csystemd-scopes\n", reins::systemd_scopes_built() ? '+' : '-');
    return 0;
  }
  // Generators for the build and for users (man page, completion), from the same option tables as --help.
  if (first == "--man") {
    std::fputs(reins::cli::man_page().c_str(), stdout);
    return 0;
  }
  if (first == "--completion") {
    const std::string_view shell = argc >= 3 ? argv[2] : "";
    if (shell != "bash" && shell != "zsh" && shell != "fish") {
      std::fprintf(stderr, "reins: --completion takes a shell name: bash, zsh or fish\n");
      return 2;
    }
    std::fputs((shell == "bash"  ? reins::cli::bash_completion()
                : shell == "zsh" ? reins::cli::zsh_completion()
                                 : reins::cli::fish_completion())
                   .c_str(),
               stdout);
    return 0;
  }
  const auto* cmd = reins::cli::find_command(first);
  if (!cmd) {
    std::fprintf(stderr, "reins: unknown command '%s'. Run 'reins --help' for the list.\n", argv[1]);
    return 2;
  }
  try {
    return cmd->main(argc - 1, argv + 1);
  } catch (const reins::SpawnError& e) {
    // The one place a command that could not be started becomes an exit status: 127 not found, 126 not
    // executable, 125 a setup step failed (timeout(1)'s and the shells' convention).
    std::fprintf(stderr, "reins %s: %s\n", cmd->name, e.what());
    return e.shell_code();
  } catch (const reins::cli::UsageError& e) {
    std::fprintf(stderr, "reins %s: %s\nTry 'reins %s --help'.\n", cmd->name, e.message.c_str(), cmd->name);
    return cmd->usage_exit;
  } catch (const reins::InvalidArgument& e) {
    std::fprintf(stderr, "reins %s: %s\nTry 'reins %s --help'.\n", cmd->name, e.what(), cmd->name);
    return cmd->usage_exit;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reins %s: %s\n", cmd->name, e.what());
    return cmd->failure_exit;
  }
}
