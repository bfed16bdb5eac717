// Signal names both ways, as kill(1) spells them.
#include <signal.h>
#include <string.h>

#include <array>
#include <cctype>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "reins/error.hpp"
#include "reins/signals.hpp"

namespace reins {
namespace {

struct Named {
  const char* name;
  int number;
};

constexpr std::array<Named, 31> kSignals{{
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},     {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV},     {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
}};

std::optional<int> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string signal_name(int sig) {
  for (const auto& s : kSignals)
    if (s.number == sig) return s.name;
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return fmt::format("RTMIN+{}", sig - SIGRTMIN);
  return std::to_string(sig);
}

int parse_signal(std::string_view text) {
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view s = upper;
  if (s.substr(0, 3) == "SIG") s.remove_prefix(3);
  if (auto n = parse_number(s); n && *n >= 1 && *n < NSIG) return *n;
  for (const auto& sig : kSignals)
    if (s == sig.name) return sig.number;
  if (s.substr(0, 6) == "RTMIN+") {
    if (auto n = parse_number(s.substr(6)); n && SIGRTMIN + *n <= SIGRTMAX) return SIGRTMIN + *n;
  }
  if (s == "RTMIN") return SIGRTMIN;
  if (s == "RTMAX") return SIGRTMAX;
  throw InvalidArgument(
      fmt::format("unknown signal '{}' (valid: a name such as TERM, SIGKILL, USR1, RTMIN+2, "
                  "or a number from 1 to {})",
                  text, NSIG - 1));
}

}  // namespace reins
