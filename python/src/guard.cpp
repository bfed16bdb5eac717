// The memory guard (reins/guard.hpp) in athena's shape: python/reins/guard.py wraps this in MemoryGuard.
#include <atomic>

#include <fmt/format.h>

#include "common.hpp"
#include "reins/guard.hpp"
#include "reins/job.hpp"
#include "reins/process.hpp"

namespace reins::python {

namespace {

// The guard and the switch its decide callback reads (set_no_kill).
struct PyGuard {
  std::shared_ptr<std::atomic<bool>> no_kill = std::make_shared<std::atomic<bool>>(false);
  WithoutGil<MemoryGuard> guard;
  MemoryGuard& get() const { return guard.get(); }
};

GuardTarget target_arg(const std::string& kind, pid_t pid, const Job* job) {
  if (kind == "process") return GuardTarget::process(pid);
  if (kind == "tree") return GuardTarget::tree(pid);
  if (kind == "job" && job) return GuardTarget::job(*job);
  throw py::value_error(fmt::format("target kind '{}': expected 'process', 'tree' or 'job'", kind));
}

GuardAction action_arg(const std::string& a) {
  if (a == "kill") return GuardAction::kill;
  if (a == "report") return GuardAction::report;
  throw py::value_error(fmt::format("action '{}': expected 'kill' or 'report'", a));
}

// Calls a Python callback from the guard thread. An exception it raises ends guarding: wait() raises it.
template <typename T>
std::function<void(const T&)> on_guard_thread(py::object fn) {
  if (fn.is_none()) return {};
  Callback cb(std::move(fn));
  return [cb](const T& value) {
    if (!interpreter_alive()) return;
    py::gil_scoped_acquire gil;
    cb(value);
  };
}

}  // namespace

void bind_guard(py::module_& m) {
  py::class_<GuardBreach>(m, "GuardBreach", "A limit the guard saw exceeded, and what it did about it.")
      .def_readonly("name", &GuardBreach::name)
      .def_readonly("pid", &GuardBreach::pid)
      .def_property_readonly("metric", [](const GuardBreach& b) { return std::string(guard_metric_name(b.metric)); })
      .def_readonly("value", &GuardBreach::value, "bytes measured")
      .def_readonly("limit", &GuardBreach::limit, "bytes allowed")
      .def_readonly("processes", &GuardBreach::processes)
      .def_property_readonly("action", [](const GuardBreach& b) { return std::string(guard_action_name(b.action)); })
      .def_readonly("signal", &GuardBreach::signal, "the first signal sent (0: none)")
      .def_readonly("signalled", &GuardBreach::signalled, "processes that got it")
      .def_property_readonly("time", [](const GuardBreach& b) { return utc_datetime(b.time); })
      .def("__str__", &GuardBreach::describe)
      .def("__repr__", [](const GuardBreach& b) { return fmt::format("<reins.GuardBreach: {}>", b.describe()); });
  py::class_<GuardStats>(m, "GuardStats", "What the guard has measured so far (bytes; None: not yet known).")
      .def_readonly("name", &GuardStats::name)
      .def_property_readonly("metric", [](const GuardStats& s) { return std::string(guard_metric_name(s.metric)); })
      .def_property_readonly("limit", [](const GuardStats& s) { return or_none(s.limit); })
      .def_property_readonly("current", [](const GuardStats& s) { return or_none(s.current); })
      .def_readonly("peak", &GuardStats::peak)
      .def_property_readonly("rss", [](const GuardStats& s) { return or_none(s.rss); })
      .def_readonly("rss_peak", &GuardStats::rss_peak)
      .def_readonly("processes", &GuardStats::processes)
      .def_readonly("samples", &GuardStats::samples)
      .def_readonly("missed_ticks", &GuardStats::missed_ticks)
      .def_readonly("walks", &GuardStats::walks)
      .def_readonly("breaches", &GuardStats::breaches)
      .def_property_readonly("cpu_time", [](const GuardStats& s) { return seconds(s.cpu_time); })
      .def("__str__", &GuardStats::describe);
  py::class_<GuardResult>(m, "GuardResult", "How guarding ended: 'gone', 'killed' or 'cancelled'.")
      .def_property_readonly("end", [](const GuardResult& r) { return std::string(guard_end_name(r.end)); })
      .def_readonly("breach", &GuardResult::breach)
      .def_readonly("stats", &GuardResult::stats);

  py::class_<PyGuard>(m, "_MemoryGuard")
      .def(py::init([](const std::string& kind, pid_t pid, const Job* job, py::object limit, const std::string& metric,
                       py::handle interval, const std::string& action, py::handle grace, bool per_process,
                       const std::string& name, py::object on_breach, py::object on_stats, py::handle stats_interval) {
             auto g = std::make_unique<PyGuard>();
             GuardOptions o;
             o.name = name;
             o.metric = parse_guard_metric(metric);
             o.per_process = per_process;
             if (!limit.is_none()) o.limit = bytes_arg(limit, "limit");
             o.interval = duration_arg(interval, "interval", true);
             o.action = action_arg(action);
             o.grace = duration_arg(grace, "grace");
             o.on_breach = on_guard_thread<GuardBreach>(std::move(on_breach));
             o.on_stats = on_guard_thread<GuardStats>(std::move(on_stats));
             o.stats_interval = duration_arg(stats_interval, "stats_frequency");
             o.decide = [no_kill = g->no_kill](const GuardBreach& b) {
               return no_kill->load() ? GuardAction::report : b.action;
             };
             GuardTarget t = target_arg(kind, pid, job);
             py::gil_scoped_release nogil;
             g->guard.set(std::make_unique<MemoryGuard>(std::move(t), std::move(o)));
             return g;
           }),
           py::arg("kind"), py::arg("pid"), py::arg("job"), py::arg("limit"), py::arg("metric"), py::arg("interval"),
           py::arg("action"), py::arg("grace"), py::arg("per_process"), py::arg("name"), py::arg("on_breach"),
           py::arg("on_stats"), py::arg("stats_interval"))
      .def(
          "set_limit",
          [](PyGuard& g, py::object bytes) {
            g.get().set_limit(bytes.is_none() ? std::nullopt : std::optional<std::uint64_t>(bytes_arg(bytes, "limit")));
          })
      .def("limit", [](PyGuard& g) { return or_none(g.get().limit()); })
      .def("set_no_kill", [](PyGuard& g, bool on) { g.no_kill->store(on); })
      .def("no_kill", [](PyGuard& g) { return g.no_kill->load(); })
      .def(
          "cancel", [](PyGuard& g) { g.get().cancel(); }, py::call_guard<py::gil_scoped_release>())
      .def("stats", [](PyGuard& g) { return g.get().stats(); })
      .def(
          "measure",
          [](PyGuard& g, const std::string& metric, py::handle max_age) {
            auto which = parse_guard_metric(metric);
            auto age = optional_duration_arg(max_age, "max_age");
            py::gil_scoped_release nogil;
            return g.get().measure(which, age);
          },
          py::arg("metric"), py::arg("max_age"))
      .def("running", [](PyGuard& g) { return g.get().running(); })
      .def("end_fd", [](PyGuard& g) { return g.get().end_fd(); })
      .def("result",
           [](PyGuard& g) {
             // Called once end_fd() is readable: returns at once.
             py::gil_scoped_release nogil;
             return g.get().wait(std::chrono::nanoseconds(0));
           })
      .def("close", [](PyGuard& g) { g.guard.reset(); });
}

}  // namespace reins::python
