// Processes: spawned with a pidfd held from birth (no pid reuse), waited, signalled; their exit status and
// rusage; the Command every spawn takes, built from Python arguments in one place.
#include "process.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "reins/process.hpp"
#include "reins/rlimit.hpp"
#include "reins/signals.hpp"

namespace reins::python {

namespace {

Resource resource_key(py::handle key) {
  if (py::isinstance<py::str>(key)) {
    std::string name = key.cast<std::string>();
    if (name.rfind("RLIMIT_", 0) == 0) name = name.substr(7);
    return parse_resource(name);
  }
  if (PyLong_Check(key.ptr())) {
    int native = key.cast<int>();
    if (auto r = resource_of_native(native)) return *r;
    throw py::value_error(fmt::format("rlimits: {} is not an RLIMIT_* number of this system", native));
  }
  throw py::type_error("rlimits: keys are names ('nofile') or resource.RLIMIT_* numbers");
}

std::optional<RlimitValue> side(Resource r, py::handle v) {
  if (v.is_none()) return std::nullopt;
  if (py::isinstance<py::str>(v)) return parse_rlimit_value(r, v.cast<std::string>());
  long long n = v.cast<long long>();
  if (n == -1) return RlimitValue::unlimited();
  if (n < 0) throw py::value_error(fmt::format("rlimits: {} is not a limit (0 or more, or -1 for unlimited)", n));
  return RlimitValue(static_cast<std::uint64_t>(n));
}

py::object rlimit_py(RlimitValue v) { return v.is_unlimited() ? py::none() : py::cast(v.value()); }

// {"nofile": 1024} (both sides), {"nofile": (1024, None)} (soft only), {"as": "1G"}, {"nofile": "1024:4096"}.
RlimitSetting rlimit_setting(py::handle key, py::handle value) {
  Resource r = resource_key(key);
  if (py::isinstance<py::str>(value)) {
    auto text = value.cast<std::string>();
    return parse_rlimit_setting(fmt::format("{}={}", info(r).name, text));
  }
  if (py::isinstance<py::tuple>(value) || py::isinstance<py::list>(value)) {
    auto seq = value.cast<py::sequence>();
    if (seq.size() != 2) throw py::value_error("rlimits: a pair is (soft, hard), either side None to keep it");
    RlimitSetting s{r, side(r, seq[0]), side(r, seq[1])};
    if (!s.soft && !s.hard) throw py::value_error("rlimits: (None, None) sets nothing");
    return s;
  }
  auto both = side(r, value);
  return RlimitSetting{r, both, both};
}

}  // namespace

std::vector<RlimitSetting> rlimit_settings(py::handle rlimits) {
  std::vector<RlimitSetting> out;
  if (rlimits.is_none()) return out;
  for (auto item : rlimits.cast<py::dict>()) out.push_back(rlimit_setting(item.first, item.second));
  return out;
}

const std::vector<std::string_view> kSpawnKeywords = {"env",
                                                      "cwd",
                                                      "stdin",
                                                      "stdout",
                                                      "stderr",
                                                      "pass_fds",
                                                      "rlimits",
                                                      "new_session",
                                                      "new_process_group",
                                                      "parent_death_signal",
                                                      "user",
                                                      "group"};

bool among(std::string_view key, const std::vector<std::string_view>& keywords) {
  return std::find(keywords.begin(), keywords.end(), key) != keywords.end();
}

std::string keyword_list(const std::vector<std::string_view>& keywords) {
  return fmt::format("{}", fmt::join(keywords, ", "));
}

Command command_arg(const std::vector<std::string>& argv, const py::kwargs& kw) {
  if (argv.empty()) throw py::value_error("argv is empty: give the program and its arguments, e.g. ['ls', '-l']");
  Command c;
  c.argv = argv;
  for (auto item : kw) {
    auto key = item.first.cast<std::string>();
    py::handle v = item.second;
    if (v.is_none()) continue;
    if (key == "env") {
      std::vector<std::string> env;
      for (auto e : v.cast<py::dict>())
        env.push_back(fmt::format("{}={}", e.first.cast<std::string>(), e.second.cast<std::string>()));
      c.env = std::move(env);
    } else if (key == "cwd") {
      c.cwd = py::str(v).cast<std::string>();
    } else if (key == "stdin") {
      c.stdin_fd = v.cast<int>();
    } else if (key == "stdout") {
      c.stdout_fd = v.cast<int>();
    } else if (key == "stderr") {
      c.stderr_fd = v.cast<int>();
    } else if (key == "pass_fds") {
      c.keep_fds = v.cast<std::vector<int>>();
    } else if (key == "rlimits") {
      c.rlimits = rlimit_settings(v);
    } else if (key == "new_session") {
      c.new_session = v.cast<bool>();
    } else if (key == "new_process_group") {
      c.new_process_group = v.cast<bool>();
    } else if (key == "parent_death_signal") {
      c.parent_death_signal = v.cast<int>();
    } else if (key == "user") {
      c.user_id = v.cast<std::uint32_t>();
    } else if (key == "group") {
      c.group_id = v.cast<std::uint32_t>();
    } else {
      throw py::type_error(
          fmt::format("unexpected keyword argument '{}' (valid: {})", key, keyword_list(kSpawnKeywords)));
    }
  }
  return c;
}

void bind_process(py::module_& m) {
  py::class_<Rusage>(m, "Rusage", "getrusage(2) with units: times in seconds (float), max_rss in bytes.")
      .def_property_readonly("user_time", [](const Rusage& r) { return seconds(r.user_time); })
      .def_property_readonly("system_time", [](const Rusage& r) { return seconds(r.system_time); })
      .def_readonly("max_rss", &Rusage::max_rss_bytes)
      .def_readonly("minor_faults", &Rusage::minor_faults)
      .def_readonly("major_faults", &Rusage::major_faults)
      .def_readonly("block_inputs", &Rusage::block_inputs)
      .def_readonly("block_outputs", &Rusage::block_outputs)
      .def_readonly("voluntary_switches", &Rusage::voluntary_switches)
      .def_readonly("involuntary_switches", &Rusage::involuntary_switches)
      .def("__repr__", [](const Rusage& r) {
        return fmt::format("reins.Rusage(user_time={:.6f}, system_time={:.6f}, max_rss={})", seconds(r.user_time),
                           seconds(r.system_time), r.max_rss_bytes);
      });
  m.def(
      "get_rusage",
      [](const std::string& who) {
        if (who == "self") return get_rusage(RusageWho::self);
        if (who == "children") return get_rusage(RusageWho::children);
        if (who == "thread") return get_rusage(RusageWho::thread);
        throw py::value_error(fmt::format("who: '{}' is none of 'self', 'children', 'thread'", who));
      },
      py::arg("who") = "self");

  py::class_<ExitStatus>(m, "ExitStatus", "How a process ended: an exit code, or the signal that ended it.")
      .def_property_readonly("exited", &ExitStatus::exited)
      .def_property_readonly("signaled", &ExitStatus::signaled)
      .def_property_readonly("exit_code",
                             [](const ExitStatus& s) { return s.exited() ? py::cast(s.value) : py::none(); })
      .def_property_readonly("signal",
                             [](const ExitStatus& s) { return s.signaled() ? py::cast(s.value) : py::none(); })
      .def_readonly("core_dumped", &ExitStatus::core_dumped)
      .def_property_readonly("shell_code", &ExitStatus::shell_code, "the code, or 128+N for signal N, as a shell shows")
      .def_property_readonly(
          "returncode", [](const ExitStatus& s) { return s.exited() ? s.value : -s.value; },
          "subprocess' convention: the code, or -N for signal N")
      .def("__str__", &ExitStatus::describe)
      .def("__repr__", [](const ExitStatus& s) { return fmt::format("<reins.ExitStatus: {}>", s.describe()); });
  py::class_<ProcessResult>(m, "ProcessResult")
      .def_readonly("status", &ProcessResult::status)
      .def_readonly("rusage", &ProcessResult::rusage, "of the process and the descendants it waited for");

  py::class_<Process>(m, "_Process")
      .def_property_readonly("pid", &Process::pid)
      .def("fileno", &Process::pidfd)
      .def_property_readonly("is_child", &Process::is_child)
      .def("send_signal", &Process::signal, py::arg("signal"))
      .def("try_wait", &Process::try_wait)
      .def("close", [](Process& p) {
        py::gil_scoped_release nogil;
        p = Process();  // a child still running is SIGKILLed and reaped: nothing is left
      });
  m.def(
      "spawn",
      [](const std::vector<std::string>& argv, const py::kwargs& kw) {
        Command c = command_arg(argv, kw);
        py::gil_scoped_release nogil;
        return Process::spawn(c);
      },
      py::arg("argv"));
  m.def("open_process", &Process::open, py::arg("pid"));
  m.def("has_cap_sys_resource", &has_cap_sys_resource);
  // reins' typed rlimits: a resource by name or RLIMIT_* number, None for unlimited, "1G"/"10s" accepted.
  auto pair = [](const Rlimit& r) { return py::make_tuple(rlimit_py(r.soft), rlimit_py(r.hard)); };
  m.def(
      "get_rlimit", [pair](py::handle resource, pid_t pid) { return pair(get_rlimit(resource_key(resource), pid)); },
      py::arg("resource"), py::arg("pid") = 0);
  m.def(
      "set_rlimit",
      [pair](py::handle resource, py::handle soft, py::handle hard, pid_t pid) {
        Resource r = resource_key(resource);
        RlimitSetting s{r, soft.is_none() ? RlimitValue::unlimited() : *side(r, soft),
                        hard.is_none() ? RlimitValue::unlimited() : *side(r, hard)};
        return pair(set_rlimit(r, resolve(s, pid), pid));
      },
      py::arg("resource"), py::arg("soft"), py::arg("hard"), py::arg("pid") = 0);
}

}  // namespace reins::python
