#include "support/seccomp_refuse.hpp"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <stdexcept>

namespace reins::test {
namespace {

#if defined(__x86_64__)
constexpr unsigned kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kArch = AUDIT_ARCH_AARCH64;
#else
#error "seccomp_refuse: add this architecture's AUDIT_ARCH"
#endif

struct Named {
  const char* name;
  long value;
};
constexpr Named kCalls[] = {{"clone3", SYS_clone3},         {"clone", SYS_clone},
                            {"pidfd_open", SYS_pidfd_open}, {"pidfd_send_signal", SYS_pidfd_send_signal},
                            {"waitid", SYS_waitid},         {"close_range", SYS_close_range}};
constexpr Named kErrnos[] = {{"ENOSYS", ENOSYS}, {"EPERM", EPERM}, {"EINVAL", EINVAL}, {"EACCES", EACCES}};

long lookup(const Named* table, std::size_t n, std::string_view name, const char* what) {
  for (std::size_t i = 0; i < n; ++i)
    if (name == table[i].name) return table[i].value;
  throw std::invalid_argument(std::string("seccomp_refuse: unknown ") + what + " '" + std::string(name) + "'");
}

sock_filter stmt(unsigned short code, unsigned k) { return sock_filter{code, 0, 0, k}; }
sock_filter jump(unsigned short code, unsigned k, unsigned char jt, unsigned char jf) {
  return sock_filter{code, jt, jf, k};
}

}  // namespace

std::vector<Refusal> parse_refusals(std::string_view text) {
  std::vector<Refusal> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    auto colon = item.find(':');
    if (colon == std::string_view::npos) throw std::invalid_argument("seccomp_refuse: expected CALL:ERRNO");
    std::string_view call = item.substr(0, colon);
    if (call != "clone_pidfd") lookup(kCalls, std::size(kCalls), call, "system call");
    out.push_back(
        {std::string(call), static_cast<int>(lookup(kErrnos, std::size(kErrnos), item.substr(colon + 1), "errno"))});
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

void refuse_syscalls(const std::vector<Refusal>& refusals) {
  constexpr unsigned kNr = offsetof(seccomp_data, nr), kArchOff = offsetof(seccomp_data, arch);
  constexpr unsigned kFlags = offsetof(seccomp_data, args);  // clone's flags: the low word of args[0]
  std::vector<sock_filter> prog{
      stmt(BPF_LD | BPF_W | BPF_ABS, kArchOff), jump(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
      stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),  // another ABI: not ours to judge
  };
  for (const auto& r : refusals) {
    const unsigned answer = SECCOMP_RET_ERRNO | (static_cast<unsigned>(r.err) & SECCOMP_RET_DATA);
    prog.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, kNr));
    if (r.call == "clone_pidfd") {
      // nr == clone && (flags & CLONE_PIDFD) → errno; else go on.
      prog.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3));
      prog.push_back(stmt(BPF_LD | BPF_W | BPF_ABS, kFlags));
      prog.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_PIDFD, 0, 1));
      prog.push_back(stmt(BPF_RET | BPF_K, answer));
    } else {
      prog.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K,
                          static_cast<unsigned>(lookup(kCalls, std::size(kCalls), r.call, "system call")), 0, 1));
      prog.push_back(stmt(BPF_RET | BPF_K, answer));
    }
  }
  prog.push_back(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0)
    throw std::runtime_error("seccomp_refuse: the kernel refused the filter");
}

const std::vector<Refusal>& refusals_in_force() {
  static const std::vector<Refusal> refusals = [] {
    const char* spec = std::getenv("REINS_TEST_REFUSE");
    std::vector<Refusal> r = spec ? parse_refusals(spec) : std::vector<Refusal>{};
    if (!r.empty()) refuse_syscalls(r);
    return r;
  }();
  return refusals;
}

// Installed before main() runs a test, in every test program linked with the support library (an object
// library, so this file is always linked in).
[[maybe_unused]] const bool kInstalledAtStart = (refusals_in_force(), true);

}  // namespace reins::test
