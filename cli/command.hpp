// How a subcommand describes itself. One table per subcommand is the single source of its option parsing,
// its --help, the man page and the shell completion, so none of them can drift from the others.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reins::cli {

// What the shell completion offers for an option's value.
enum class Complete { nothing, signal, rlimit, property, file, pid, job };

struct Option {
  const char* long_name;  // "memory"
  char short_name;        // 'm', or 0
  const char* arg;        // "SIZE", or nullptr for a flag
  const char* help;       // one line
  Complete complete = Complete::nothing;
  bool arg_optional = false;  // --name or --name=ARG (prlimit's --nofile[=LIMITS]); never a separate word
};

struct CommandSpec {
  const char* name;         // "run"
  const char* operands;     // "[OPTIONS] -- COMMAND [ARGS...]"
  const char* summary;      // one line, for `reins --help`
  const char* description;  // paragraphs for --help and the man page
  std::vector<Option> options;
  const char* examples;  // lines "  reins run ... \n"
  int (*main)(int argc, char** argv);
  bool stop_at_first_operand = false;  // options end at the command to run
  int usage_exit = 2;                  // exit code for bad usage (run and init use 125, as timeout(1) does)
  int failure_exit = 1;                // exit code when reins itself fails
  // Completion of operands (a command of actions): the words for the first, and the reins subcommand whose
  // output lines complete the second ("job list": the names of the jobs).
  const char* first_operand_words = nullptr;
  const char* second_operand_source = nullptr;
  // Short options other tools give a meaning this command spells differently: an unknown -X among them is
  // refused with the spelling to use ("prlimit's -p PID is --pid PID here").
  struct Habit {
    char short_name;
    const char* hint;
  };
  std::vector<Habit> habits = {};
  // What the shell completion offers for operands when they are not a command to run or actions (mem: pids,
  // plot: files, limit: resource names).
  Complete operand_kind = Complete::nothing;
};

// Thrown for bad usage; main prints it with a hint to --help and exits with the command's usage_exit.
struct UsageError {
  std::string message;
};

// What parse_args found. Commands read their options either through rows that carry their handlers
// (run_flags.hpp: `reins run`, `reins init`) or by name with has()/last(), which refuse a name the command's
// table does not have.
struct ParsedArgs {
  const CommandSpec* spec = nullptr;
  std::vector<std::pair<const Option*, std::string>> options;  // in command-line order; "" for flags
  std::vector<std::string> operands;

  bool has(std::string_view long_name) const;
  // The last value given for an option, or nullptr.
  const std::string* last(std::string_view long_name) const;
};

// Parses argv[1..] (argv[0] is the subcommand) with getopt_long. -h/--help prints help and exits 0.
ParsedArgs parse_args(const CommandSpec& spec, int argc, char** argv);
std::string help_text(const CommandSpec& spec);

// A pid given on the command line; throws UsageError unless it is a positive number.
int parse_pid_arg(const std::string& text);

const std::vector<const CommandSpec*>& all_commands();
const CommandSpec* find_command(std::string_view name);

}  // namespace reins::cli
