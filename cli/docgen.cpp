#include "docgen.hpp"

#include <cctype>

#include <fmt/format.h>

#include "command.hpp"
#include "reins/job.hpp"
#include "reins/process.hpp"
#include "reins/rlimit.hpp"

namespace reins::cli {
namespace {

// roff needs backslashes doubled, leading dots/quotes escaped and hyphens in options written as \-.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '-')
      out += "\\-";
    else if (line_start && (c == '.' || c == '\''))
      out += std::string("\\&") + c;
    else
      out += c;
    line_start = c == '\n';
  }
  return out;
}

std::string option_synopsis(const Option& o) {
  std::string s = o.short_name ? fmt::format("\\fB\\-{}\\fR, \\fB\\-\\-{}\\fR", o.short_name, roff(o.long_name))
                               : fmt::format("\\fB\\-\\-{}\\fR", roff(o.long_name));
  if (o.arg) s += fmt::format(" \\fI{}\\fR", roff(o.arg));
  return s;
}

std::string command_section(const CommandSpec& c) {
  std::string out = fmt::format(".SS \"reins {} {}\"\n{}\n.PP\n", c.name, roff(c.operands), roff(c.summary));
  // Paragraph breaks in the description become .PP; single newlines are just line breaks in the source.
  std::string desc = roff(c.description);
  for (size_t pos; (pos = desc.find("\n\n")) != std::string::npos;) desc.replace(pos, 2, "\n.PP\n");
  out += desc + "\n";
  for (const auto& o : c.options) out += fmt::format(".TP\n{}\n{}\n", option_synopsis(o), roff(o.help));
  if (c.examples && *c.examples) out += fmt::format(".PP\nExamples:\n.nf\n{}.fi\n", roff(c.examples));
  return out;
}

// The words a value completes to, for the kinds that are a fixed list.
std::string words_for(Complete kind) {
  std::string words;
  switch (kind) {
    case Complete::signal:
      for (int s = 1; s < 32; ++s) words += signal_name(s) + " ";
      break;
    case Complete::rlimit:
      for (const auto& r : all_resources()) words += std::string(r.name) + "= ";
      break;
    case Complete::property:
      for (const auto& name : job_property_names()) words += name + "= ";
      for (const auto& r : all_resources()) {  // reins run -p LimitNOFILE= and the like
        std::string upper(r.name);
        for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        words += "Limit" + upper + "= ";
      }
      words += "RuntimeMaxSec= OOMPolicy= ";
      break;
    case Complete::nothing:
    case Complete::file:
    case Complete::pid:
    case Complete::job:
      break;
  }
  return words;
}

// The bash that completes a value of `kind`.
std::string completion_action(Complete kind) {
  switch (kind) {
    case Complete::file:
      return "COMPREPLY=($(compgen -f -- \"$cur\"))";
    case Complete::pid:
      return "COMPREPLY=($(compgen -W \"$(ls /proc | grep '^[0-9]')\" -- \"$cur\"))";
    case Complete::job:
      return "COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" job list 2>/dev/null)\" -- \"$cur\"))";
    case Complete::nothing:
      return "COMPREPLY=()";
    case Complete::signal:
    case Complete::rlimit:
    case Complete::property:
      break;
  }
  return fmt::format("compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"))", words_for(kind));
}

// The bash that completes an operand of `c` that is not an action: its operand_kind's words or files.
std::string bash_operands(const CommandSpec& c) {
  if (c.stop_at_first_operand) return "_reins_command_after";
  if (c.operand_kind == Complete::nothing) return "COMPREPLY=()";
  return completion_action(c.operand_kind);
}

std::string bash_case_for(const CommandSpec& c) {
  std::string opts, value_cases;
  for (const auto& o : c.options) {
    opts += fmt::format("--{} ", o.long_name);
    if (o.short_name) opts += fmt::format("-{} ", o.short_name);
    if (!o.arg) continue;
    std::string pattern =
        o.short_name ? fmt::format("--{}|-{}", o.long_name, o.short_name) : fmt::format("--{}", o.long_name);
    value_cases += fmt::format("        {}) {}; return ;;\n", pattern, completion_action(o.complete));
  }
  std::string operands = bash_operands(c);
  if (c.first_operand_words) {
    std::string second =
        c.second_operand_source
            ? fmt::format("COMPREPLY=($(compgen -W \"$(\"${{COMP_WORDS[0]}}\" {} 2>/dev/null)\" -- \"$cur\"))",
                          c.second_operand_source)
            : "COMPREPLY=()";
    operands = fmt::format(
        "if [[ $COMP_CWORD -eq 2 ]]; then COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); "
        "elif [[ $COMP_CWORD -eq 3 ]]; then {}; else COMPREPLY=(); fi",
        c.first_operand_words, second);
  }
  return fmt::format(
      "    {})\n      case \"$prev\" in\n{}      esac\n"
      "      if [[ \"$cur\" == -* ]]; then COMPREPLY=($(compgen -W \"{}--help\" -- \"$cur\")); else {}; fi ;;\n",
      c.name, value_cases, opts, operands);
}

// A word inside single quotes for zsh and fish: ' becomes '\''.
std::string single_quoted(std::string_view text) {
  std::string out = "'";
  for (char ch : text) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// _arguments' description text: its brackets and colons escaped.
std::string zsh_escaped(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '[' || ch == ']' || ch == ':' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

// The zsh action that completes a value of `kind`.
std::string zsh_action(Complete kind) {
  switch (kind) {
    case Complete::file:
      return "_files";
    case Complete::pid:
      return "_pids";
    case Complete::job:
      return "{compadd -- ${(f)\"$($words[1] job list 2>/dev/null)\"}}";
    case Complete::nothing:
      return " ";
    case Complete::signal:
    case Complete::rlimit:
    case Complete::property:
      break;
  }
  return fmt::format("({})", words_for(kind));
}

std::string zsh_case_for(const CommandSpec& c) {
  std::string specs;
  for (const auto& o : c.options) {
    const std::string help = zsh_escaped(o.help);
    const std::string value =
        o.arg ? fmt::format("{}:{}:{}", o.arg_optional ? "=" : "", zsh_escaped(o.arg), zsh_action(o.complete)) : "";
    // A repeatable option may follow itself ('*'); any other excludes its other spelling once given.
    const bool repeatable = std::string_view(o.help).find("repeatable") != std::string_view::npos;
    const std::string exclusion = repeatable     ? "*"
                                  : o.short_name ? fmt::format("(-{} --{})", o.short_name, o.long_name)
                                                 : "";
    if (o.short_name)
      specs += fmt::format(" \\\n        {}{{-{},--{}}}{}", single_quoted(exclusion), o.short_name, o.long_name,
                           single_quoted(fmt::format("[{}]{}", help, value)));
    else
      specs += fmt::format(" \\\n        {}",
                           single_quoted(fmt::format("{}--{}[{}]{}", exclusion, o.long_name, help, value)));
  }
  std::string operands;
  if (c.stop_at_first_operand)
    operands = single_quoted("*::command:_normal");
  else if (c.first_operand_words)
    operands = single_quoted(fmt::format("1:action:({})", c.first_operand_words)) + " " +
               single_quoted(fmt::format("2:job:{}", zsh_action(Complete::job)));
  else if (c.operand_kind != Complete::nothing)
    operands = single_quoted(fmt::format("*:operand:{}", zsh_action(c.operand_kind)));
  return fmt::format("    {})\n      _arguments -s{} \\\n        '(- *)'{{-h,--help}}'[show help]' {} ;;\n", c.name,
                     specs, operands);
}

// The fish arguments that complete a value of `kind` (-r: a value is required).
std::string fish_value(Complete kind) {
  switch (kind) {
    case Complete::file:
      return " -r -F";
    case Complete::pid:
      return " -x -a '(__fish_complete_pids)'";
    case Complete::job:
      return " -x -a '(reins job list 2>/dev/null)'";
    case Complete::nothing:
      return " -x";
    case Complete::signal:
    case Complete::rlimit:
    case Complete::property:
      break;
  }
  return fmt::format(" -x -a {}", single_quoted(words_for(kind)));
}

std::string fish_lines_for(const CommandSpec& c) {
  const std::string when = fmt::format("-n '__fish_seen_subcommand_from {}'", c.name);
  std::string out;
  for (const auto& o : c.options) {
    out += fmt::format("complete -c reins {} -l {}", when, o.long_name);
    if (o.short_name) out += fmt::format(" -s {}", o.short_name);
    if (o.arg && !o.arg_optional) out += fish_value(o.complete);
    out += fmt::format(" -d {}\n", single_quoted(o.help));
  }
  if (c.first_operand_words)
    out += fmt::format("complete -c reins {} -x -a {}\n", when, single_quoted(c.first_operand_words));
  else if (c.operand_kind != Complete::nothing)
    out += fmt::format("complete -c reins {}{}\n", when, fish_value(c.operand_kind));
  return out;
}

}  // namespace

std::string zsh_completion() {
  std::string commands, cases;
  for (const auto* c : all_commands()) {
    commands += " " + single_quoted(fmt::format("{}:{}", c->name, zsh_escaped(c->summary)));
    cases += zsh_case_for(*c);
  }
  return fmt::format(
      "#compdef reins\n"
      "# zsh completion for reins; generated by `reins --completion zsh`\n"
      "_reins() {{\n"
      "  local -a commands\n"
      "  commands=({})\n"
      "  if (( CURRENT == 2 )); then _describe 'command' commands; return; fi\n"
      "  local cmd=$words[2]\n"
      "  shift words; (( CURRENT-- ))\n"
      "  case $cmd in\n{}  esac\n"
      "}}\n"
      "_reins \"$@\"\n",
      commands, cases);
}

std::string fish_completion() {
  std::string out =
      "# fish completion for reins; generated by `reins --completion fish`\n"
      "complete -c reins -f\n";
  for (const auto* c : all_commands())
    out +=
        fmt::format("complete -c reins -n '__fish_use_subcommand' -a {} -d {}\n", c->name, single_quoted(c->summary));
  for (const auto* c : all_commands()) out += fish_lines_for(*c);
  return out;
}

std::string man_page() {
  std::string out =
      ".TH REINS 1 \"\" \"reins " REINS_VERSION
      "\" \"User Commands\"\n"
      ".SH NAME\nreins \\- put Linux processes under resource control\n"
      ".SH SYNOPSIS\n\\fBreins\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR...]\n"
      ".SH DESCRIPTION\nreins runs commands under memory, CPU, pids and rlimit limits and reports what they used "
      "and why they ended; it guards memory, samples it, manages cgroup jobs and runs as a container's init.\n"
      ".SH COMMANDS\n";
  for (const auto* c : all_commands()) out += command_section(*c);
  out +=
      ".SH EXIT STATUS\n\\fBreins run\\fR and \\fBreins init\\fR exit with the command's status: its exit code, "
      "128+N if signal N killed it, 124 if the timeout ended it (137 if SIGKILL was needed; the command's own "
      "status with \\-\\-preserve\\-status), 125 if reins failed, 126 if the command cannot be executed, 127 if "
      "it is not found. Other commands exit 0 on success, 1 on failure, 2 on bad usage.\n"
      ".SH JSON\nEvery command takes \\fB\\-\\-json\\fR \\fIFILE\\fR (\\- for standard output); its keys are "
      "described in docs/json.md and by the JSON Schemas in schemas/ of the source.\n"
      ".SH SEE ALSO\n\\fBprlimit\\fR(1), \\fBtimeout\\fR(1), \\fBtime\\fR(1), \\fBsystemd-run\\fR(1), "
      "\\fBsystemd.resource-control\\fR(5), \\fBtini\\fR(1), \\fBcgroups\\fR(7)\n";
  return out;
}

std::string bash_completion() {
  std::string names, cases;
  for (const auto* c : all_commands()) {
    names += std::string(c->name) + " ";
    cases += bash_case_for(*c);
  }
  return fmt::format(
      "# bash completion for reins; generated by `reins --completion bash`\n"
      "_reins_command_after() {{\n"
      "  local i\n"
      "  for ((i = 2; i < COMP_CWORD; i++)); do\n"
      "    if [[ \"${{COMP_WORDS[i]}}\" == -- ]]; then _command_offset $((i + 1)); return; fi\n"
      "  done\n"
      "  _command_offset $COMP_CWORD 2>/dev/null || COMPREPLY=($(compgen -c -- \"$cur\"))\n"
      "}}\n"
      "_reins() {{\n"
      "  local cur=\"${{COMP_WORDS[COMP_CWORD]}}\" prev=\"${{COMP_WORDS[COMP_CWORD-1]}}\"\n"
      "  if [[ $COMP_CWORD -eq 1 ]]; then\n"
      "    COMPREPLY=($(compgen -W \"{}--help --version\" -- \"$cur\")); return\n"
      "  fi\n"
      "  case \"${{COMP_WORDS[1]}}\" in\n{}  esac\n"
      "}}\n"
      "complete -F _reins reins\n",
      names, cases);
}

}  // namespace reins::cli
