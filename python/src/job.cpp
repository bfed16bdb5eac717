// Jobs: a group of processes limited, measured and ended as one (reins/job.hpp). python/reins/job.py adds
// the waiting (poll on event_fd, so Ctrl-C interrupts it), iteration, callbacks and await.
#include <fmt/format.h>

#include "process.hpp"
#include "reins/job.hpp"

namespace reins::python {

namespace {

constexpr JobEventKind kEventKinds[] = {JobEventKind::all_exited, JobEventKind::oom_kill, JobEventKind::memory_limit,
                                        JobEventKind::memory_high, JobEventKind::pids_limit};

JobEventKind event_kind(const std::string& name) {
  std::string valid;
  for (auto k : kEventKinds) {
    if (event_name(k) == name) return k;
    valid += fmt::format("{}'{}'", valid.empty() ? "" : ", ", event_name(k));
  }
  throw py::value_error(fmt::format("event '{}': expected one of {}", name, valid));
}

// A size limit: bytes (int or "512M"), or "max"/"infinity" for explicitly none.
SizeLimit size_limit(py::handle v, std::string_view what) {
  if (py::isinstance<py::str>(v)) return parse_size_limit(v.cast<std::string>());
  return bytes_arg(v, what);
}

py::object size_limit_py(const std::optional<SizeLimit>& v) {
  if (!v) return py::none();
  return *v ? py::cast(**v) : py::str("max");
}

}  // namespace

const std::vector<std::string_view> kLimitKeywords = {
    "memory_max", "memory_high", "swap_max", "pids_max", "cpus", "cpu_weight", "allowed_cpus", "allowed_memory_nodes"};

JobLimits limits_arg(const py::dict& kw) {
  JobLimits l;
  for (auto item : kw) {
    auto key = item.first.cast<std::string>();
    py::handle v = item.second;
    if (v.is_none()) continue;
    if (key == "memory_max") {
      l.memory_max = size_limit(v, key);
    } else if (key == "memory_high") {
      l.memory_high = size_limit(v, key);
    } else if (key == "swap_max") {
      l.swap_max = size_limit(v, key);
    } else if (key == "pids_max") {
      l.pids_max =
          py::isinstance<py::str>(v) ? parse_size_limit(v.cast<std::string>()) : SizeLimit(v.cast<std::uint64_t>());
    } else if (key == "cpus") {
      l.cpu_quota = CpuQuota::cpus(v.cast<double>());
    } else if (key == "cpu_weight") {
      l.cpu_weight = v.cast<std::uint32_t>();
    } else if (key == "allowed_cpus") {
      l.cpuset_cpus = parse_cpu_list(v.cast<std::string>());
    } else if (key == "allowed_memory_nodes") {
      l.cpuset_mems = parse_cpu_list(v.cast<std::string>());
    } else {
      throw py::type_error(fmt::format("unexpected limit '{}' (valid: {})", key, keyword_list(kLimitKeywords)));
    }
  }
  return l;
}

py::dict limits_py(const JobLimits& l) {
  py::dict d;
  d["memory_max"] = size_limit_py(l.memory_max);
  d["memory_high"] = size_limit_py(l.memory_high);
  d["swap_max"] = size_limit_py(l.swap_max);
  d["pids_max"] = size_limit_py(l.pids_max);
  d["cpus"] = l.cpu_quota && l.cpu_quota->quota ? py::cast(static_cast<double>(l.cpu_quota->quota->count()) /
                                                           static_cast<double>(l.cpu_quota->period.count()))
                                                : py::none();
  d["cpu_weight"] = or_none(l.cpu_weight);
  d["allowed_cpus"] = or_none(l.cpuset_cpus);
  d["allowed_memory_nodes"] = or_none(l.cpuset_mems);
  return d;
}

namespace {

py::dict stats_py(const JobStats& s) {
  py::dict d;
  if (s.memory) {
    const auto& m = *s.memory;
    py::dict stat;
    for (const auto& [k, v] : m.stat) stat[py::str(k)] = v;
    d["memory"] = py::dict(py::arg("current") = or_none(m.current), py::arg("peak") = or_none(m.peak),
                           py::arg("swap") = or_none(m.swap), py::arg("anon") = or_none(m.anon),
                           py::arg("file") = or_none(m.file), py::arg("kernel") = or_none(m.kernel),
                           py::arg("oom_kills") = m.oom_kills, py::arg("limit_hits") = m.limit_hits,
                           py::arg("high_hits") = m.high_hits, py::arg("stat") = stat);
  } else {
    d["memory"] = py::none();
  }
  d["cpu"] = py::dict(py::arg("usage") = seconds(s.cpu.usage), py::arg("user") = seconds_or_none(s.cpu.user),
                      py::arg("system") = seconds_or_none(s.cpu.system), py::arg("periods") = or_none(s.cpu.periods),
                      py::arg("throttled_periods") = or_none(s.cpu.throttled_periods),
                      py::arg("throttled") = seconds_or_none(s.cpu.throttled));
  if (s.io) {
    py::list io;
    for (const auto& dev : *s.io)
      io.append(py::dict(py::arg("device") = fmt::format("{}:{}", dev.major, dev.minor),
                         py::arg("read_bytes") = dev.read_bytes, py::arg("write_bytes") = dev.write_bytes,
                         py::arg("read_ios") = dev.read_ios, py::arg("write_ios") = dev.write_ios));
    d["io"] = io;
  } else {
    d["io"] = py::none();
  }
  d["pids"] =
      s.pids ? py::object(py::dict(py::arg("current") = or_none(s.pids->current),
                                   py::arg("peak") = or_none(s.pids->peak), py::arg("limit_hits") = s.pids->limit_hits))
             : py::none();
  return d;
}

JobOptions job_options(const py::dict& limits, bool best_effort, const std::string& systemd, bool outlive) {
  JobOptions o;
  o.limits = limits_arg(limits);
  o.best_effort = best_effort;
  o.outlive_process = outlive;
  // Statistics need the controllers: a Python user asks for stats() far more often than the CLI's user.
  o.accounting = JobAccounting{.memory = true, .pids = true, .io = false, .cpu_throttling = false};
  if (systemd == "when-needed")
    o.systemd = SystemdScope::when_needed;
  else if (systemd == "never")
    o.systemd = SystemdScope::never;
  else if (systemd == "always")
    o.systemd = SystemdScope::always;
  else
    throw py::value_error(fmt::format("systemd: '{}' is none of 'when-needed', 'never', 'always'", systemd));
  return o;
}

}  // namespace

void bind_job(py::module_& m) {
  py::class_<JobEvent>(m, "JobEvent", "Something that happened in a job, and how many times since the last report.")
      .def_property_readonly("kind", [](const JobEvent& e) { return std::string(event_name(e.kind)); })
      .def_readonly("count", &JobEvent::count)
      .def("__repr__",
           [](const JobEvent& e) { return fmt::format("<reins.JobEvent {} ×{}>", event_name(e.kind), e.count); })
      .def("__eq__", [](const JobEvent& a, const JobEvent& b) { return a.kind == b.kind && a.count == b.count; });

  py::class_<Job>(m, "_Job")
      .def_static(
          "create",
          [](const std::string& name, const py::dict& limits, bool best_effort, const std::string& systemd,
             bool outlive) {
            JobOptions o = job_options(limits, best_effort, systemd, outlive);
            py::gil_scoped_release nogil;
            return name.empty() ? Job::create(o) : Job::create(name, o);
          },
          py::arg("name"), py::arg("limits"), py::arg("best_effort"), py::arg("systemd"), py::arg("outlive"))
      .def_static(
          "open",
          [](const std::string& name, bool adopt) {
            py::gil_scoped_release nogil;
            return Job::open(name, nullptr, adopt ? JobOpen::adopt : JobOpen::own_jobs);
          },
          py::arg("name"), py::arg("adopt"))
      .def_static("list", []() { return Job::list(); })
      .def_property_readonly("name", &Job::name)
      .def_property_readonly("paths", &Job::paths)
      .def_property_readonly("unit", &Job::unit)
      .def("describe", &Job::describe)
      .def_property_readonly("skipped",
                             [](const Job& j) {
                               py::list out;
                               for (const auto& s : j.skipped()) out.append(py::make_tuple(s.property, s.reason));
                               return out;
                             })
      .def("enclosing_limits",
           [](const Job& j) {
             py::list out;
             for (const auto& l : j.enclosing_limits()) out.append(py::make_tuple(l.property, l.cgroup, l.value));
             return out;
           })
      .def_property("kill_on_close", &Job::kill_on_close, &Job::set_kill_on_close)
      .def("release", &Job::release)
      .def("assign", &Job::assign, py::arg("pid"), py::call_guard<py::gil_scoped_release>())
      .def(
          "spawn",
          [](Job& j, const std::vector<std::string>& argv, const py::kwargs& kw) {
            Command c = command_arg(argv, kw);
            py::gil_scoped_release nogil;
            return j.spawn(c);
          },
          py::arg("argv"))
      .def("pids", &Job::pids)
      .def("populated", &Job::populated)
      .def("freeze", &Job::freeze, py::call_guard<py::gil_scoped_release>())
      .def("thaw", &Job::thaw, py::call_guard<py::gil_scoped_release>())
      .def("frozen", &Job::frozen)
      .def("signal", &Job::signal, py::arg("signal"))
      .def(
          "terminate",
          [](Job& j, py::handle timeout) {
            auto t = duration_arg(timeout, "timeout");
            py::gil_scoped_release nogil;
            j.terminate(t);
          },
          py::arg("timeout"))
      .def(
          "remove",
          [](Job& j, py::handle timeout) {
            auto t = duration_arg(timeout, "timeout");
            py::gil_scoped_release nogil;
            j.remove(t);
          },
          py::arg("timeout"))
      .def(
          "set_limits",
          [](Job& j, const py::dict& kw, bool best_effort) {
            JobLimits l = limits_arg(kw);
            py::gil_scoped_release nogil;
            j.set_limits(l, best_effort);
          },
          py::arg("limits"), py::arg("best_effort"))
      .def("limits", [](const Job& j) { return limits_py(j.limits()); })
      .def(
          "set_accounting",
          [](Job& j, bool memory, bool pids, bool io, bool cpu_throttling) {
            j.set_accounting(JobAccounting{.memory = memory, .pids = pids, .io = io, .cpu_throttling = cpu_throttling});
          },
          py::arg("memory"), py::arg("pids"), py::arg("io"), py::arg("cpu_throttling"))
      .def("accounting",
           [](const Job& j) {
             auto a = j.accounting();
             return py::dict(py::arg("memory") = a.memory, py::arg("pids") = a.pids, py::arg("io") = a.io,
                             py::arg("cpu_throttling") = a.cpu_throttling);
           })
      .def("stats", [](const Job& j) { return stats_py(j.stats()); })
      .def("cpu_usage", [](const Job& j) { return seconds(j.cpu_usage()); })
      .def("memory_current", [](const Job& j) { return or_none(j.memory_current()); })
      .def("memory_headroom", [](const Job& j) { return or_none(j.memory_headroom()); })
      .def("reopen", &Job::reopen)
      .def(
          "select_events",
          [](Job& j, const std::vector<std::string>& names) {
            std::vector<JobEventKind> kinds;
            for (const auto& n : names) kinds.push_back(event_kind(n));
            j.select_events(kinds);
          },
          py::arg("kinds"))
      .def("event_fd", &Job::event_fd)
      .def("read_events", &Job::read_events);
}

}  // namespace reins::python
