// The reaper (reins/reaper.hpp) in go-reaper's shape; python/reins/reaper.py wraps it.
#include <fmt/format.h>

#include "common.hpp"
#include "reins/reaper.hpp"

namespace reins::python {

using PyReaper = WithoutGil<Reaper>;

void bind_reaper(py::module_& m) {
  py::class_<ReapedChild>(m, "ReapedChild", "A child the reaper collected: its pid, exit status and rusage.")
      .def_readonly("pid", &ReapedChild::pid)
      .def_readonly("status", &ReapedChild::status)
      .def_readonly("rusage", &ReapedChild::rusage)
      .def("__repr__", [](const ReapedChild& c) {
        return fmt::format("<reins.ReapedChild pid {}: {}>", c.pid, c.status.describe());
      });
  py::class_<Reaper::Claim>(m, "_Claim")
      .def("release", &Reaper::Claim::release)
      .def_property_readonly("pid", &Reaper::Claim::pid);
  py::class_<Reaper::SpawnGuard>(m, "_SpawnGuard").def("end", &Reaper::SpawnGuard::end);

  py::class_<PyReaper>(m, "_Reaper")
      .def(py::init([](pid_t pid, bool clone_children, bool subreaper, bool run_when_not_pid1, py::object on_reaped) {
             ReaperOptions o;
             o.pid = pid;
             o.clone_children = clone_children;
             o.subreaper = subreaper;
             o.run_when_not_pid1 = run_when_not_pid1;
             if (!on_reaped.is_none()) {
               Callback cb(std::move(on_reaped));
               o.on_reaped = [cb](const ReapedChild& c) {
                 if (!interpreter_alive()) return;
                 py::gil_scoped_acquire gil;
                 try {
                   cb(c);
                 } catch (py::error_already_set& e) {
                   // A reaper must go on reaping whatever its callback does: the error is shown, not raised.
                   e.discard_as_unraisable("reins.Reaper on_reaped");
                 }
               };
             }
             return std::make_unique<PyReaper>(std::make_unique<Reaper>(std::move(o)));
           }),
           py::arg("pid"), py::arg("clone_children"), py::arg("subreaper"), py::arg("run_when_not_pid1"),
           py::arg("on_reaped"))
      .def_static("receives_orphans", &Reaper::receives_orphans)
      .def_static("has_children", &Reaper::has_children)
      .def("active", [](PyReaper& r) { return r.get().active(); })
      .def("fileno", [](PyReaper& r) { return r.get().fd(); })
      .def("reap", [](PyReaper& r) { return r.get().reap(); })
      .def("start", [](PyReaper& r) { r.get().start(); })
      .def(
          "stop",
          [](PyReaper& r) {
            if (r) r.get().stop();
          },
          py::call_guard<py::gil_scoped_release>())
      .def(
          "claim", [](PyReaper& r, pid_t pid) { return r.get().claim(pid); }, py::arg("pid"))
      .def("guard_spawn", [](PyReaper& r) { return r.get().guard_spawn(); })
      .def("close", [](PyReaper& r) { r.reset(); });
}

}  // namespace reins::python
