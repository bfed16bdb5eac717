#include "docgen.hpp"

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
  std::string operands = c.stop_at_first_operand ? "_reins_command_after" : "COMPREPLY=()";
  if (std::string_view(c.name) == "limit")
    operands = fmt::format("COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"))", words_for(Complete::rlimit));
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

}  // namespace

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
      "128+N if signal N killed it, 124 if the timeout ended it, 125 if reins failed, 126 if the command cannot "
      "be executed, 127 if it is not found. Other commands exit 0 on success, 1 on failure, 2 on bad usage.\n"
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
