#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "command.hpp"

namespace reins::cli {

bool ParsedArgs::has(std::string_view long_name) const { return last(long_name) != nullptr; }

const std::string* ParsedArgs::last(std::string_view long_name) const {
  // Asking for an option the table does not have is a bug in reins (a typo, or a row removed), not an
  // option the user did not give: say so instead of answering "not given" for ever.
  bool known = false;
  for (const auto& o : spec->options) known = known || long_name == o.long_name;
  if (!known)
    throw std::logic_error(fmt::format("reins {}: internal error: asked for --{}, which is not in its option table",
                                       spec->name, long_name));
  const std::string* found = nullptr;
  for (const auto& [opt, value] : options)
    if (long_name == opt->long_name) found = &value;
  return found;
}

std::string help_text(const CommandSpec& spec) {
  std::string out = fmt::format("Usage: reins {} {}\n{}\n\n{}\n\nOptions:\n", spec.name, spec.operands, spec.summary,
                                spec.description);
  for (const auto& o : spec.options) {
    std::string left =
        o.short_name ? fmt::format("-{}, --{}", o.short_name, o.long_name) : fmt::format("    --{}", o.long_name);
    if (o.arg) left += (o.arg_optional ? "[=" + std::string(o.arg) + "]" : " " + std::string(o.arg));
    out += fmt::format("  {:<32} {}\n", left, o.help);
  }
  out += fmt::format("  {:<32} {}\n", "-h, --help", "show this help and exit");
  if (spec.examples && *spec.examples) out += fmt::format("\nExamples:\n{}", spec.examples);
  return out;
}

int parse_pid_arg(const std::string& text) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v <= 0 || v > 4194304)
    throw UsageError{fmt::format("invalid pid '{}': expected a positive number such as 1234", text)};
  return static_cast<int>(v);
}

ParsedArgs parse_args(const CommandSpec& spec, int argc, char** argv) {
  std::vector<option> longopts;
  std::string shortopts = spec.stop_at_first_operand ? "+:h" : ":h";
  for (size_t i = 0; i < spec.options.size(); ++i) {
    const auto& o = spec.options[i];
    const int has_arg = !o.arg ? no_argument : o.arg_optional ? optional_argument : required_argument;
    longopts.push_back({o.long_name, has_arg, nullptr, 1000 + static_cast<int>(i)});
    if (o.short_name) shortopts += std::string(1, o.short_name) + (o.arg ? ":" : "");
  }
  longopts.push_back({"help", no_argument, nullptr, 'h'});
  longopts.push_back({nullptr, 0, nullptr, 0});

  ParsedArgs parsed;
  parsed.spec = &spec;
  optind = 0;  // full reset, so parse_args can run more than once in a process (tests)
  opterr = 0;
  for (;;) {
    int c = getopt_long(argc, argv, shortopts.c_str(), longopts.data(), nullptr);
    if (c == -1) break;
    if (c == 'h') {
      std::fputs(help_text(spec).c_str(), stdout);
      std::exit(0);
    }
    if (c == '?') {
      std::string bad = optopt ? fmt::format("-{}", static_cast<char>(optopt)) : std::string(argv[optind - 1]);
      std::string hint;
      for (const auto& h : spec.habits)
        if (optopt && h.short_name == optopt) hint = fmt::format(" ({})", h.hint);
      throw UsageError{fmt::format("unknown option '{}'{}", bad, hint)};
    }
    if (c == ':') throw UsageError{fmt::format("option '{}' needs a value", argv[optind - 1])};
    const Option* opt = nullptr;
    if (c >= 1000) opt = &spec.options[static_cast<size_t>(c - 1000)];
    for (const auto& o : spec.options)
      if (!opt && o.short_name == c) opt = &o;
    parsed.options.emplace_back(opt, optarg ? optarg : "");
  }
  for (int i = optind; i < argc; ++i) parsed.operands.emplace_back(argv[i]);
  return parsed;
}

}  // namespace reins::cli
