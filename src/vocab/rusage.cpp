#include "reins/rusage.hpp"

#include <sys/resource.h>
#include <unistd.h>

namespace reins {

namespace {
std::chrono::nanoseconds to_duration(const timeval& tv) {
  return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}
}  // namespace

Rusage Rusage::from_native(const ::rusage& ru) noexcept {
  Rusage r;
  r.user_time = to_duration(ru.ru_utime);
  r.system_time = to_duration(ru.ru_stime);
  r.max_rss_bytes = static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
  r.shared_memory_integral = ru.ru_ixrss;
  r.unshared_data_integral = ru.ru_idrss;
  r.unshared_stack_integral = ru.ru_isrss;
  r.minor_faults = ru.ru_minflt;
  r.major_faults = ru.ru_majflt;
  r.swaps = ru.ru_nswap;
  r.block_inputs = ru.ru_inblock;
  r.block_outputs = ru.ru_oublock;
  r.messages_sent = ru.ru_msgsnd;
  r.messages_received = ru.ru_msgrcv;
  r.signals = ru.ru_nsignals;
  r.voluntary_switches = ru.ru_nvcsw;
  r.involuntary_switches = ru.ru_nivcsw;
  return r;
}

Rusage get_rusage(RusageWho who) noexcept {
  int native = who == RusageWho::self ? RUSAGE_SELF : who == RusageWho::children ? RUSAGE_CHILDREN : RUSAGE_THREAD;
  ::rusage ru{};
  ::getrusage(native, &ru);  // cannot fail with a valid `who` and buffer
  return Rusage::from_native(ru);
}

std::size_t page_size() noexcept { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

}  // namespace reins
