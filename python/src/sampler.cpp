// The sampler (reins/sampler.hpp): periodic memory samples to a Python callback on reins' sampling thread,
// serial, ticks coalesced. python/reins/sampler.py builds watch() (memctl's shape) on it.
#include <fmt/format.h>

#include "common.hpp"
#include "reins/sampler.hpp"

namespace reins::python {

namespace {

using PySampler = WithoutGil<Sampler>;

}  // namespace

void bind_sampler(py::module_& m) {
  py::class_<MemorySample>(m, "MemorySample", "One sample: what was asked for, each part None when not asked for.")
      .def_readonly("index", &MemorySample::index, "0 for the first sample")
      .def_readonly("missed_ticks", &MemorySample::missed_ticks,
                    "ticks dropped just before this one because the previous sample ran late")
      .def_property_readonly("time", [](const MemorySample& s) { return utc_datetime(s.time); })
      .def_readonly("self", &MemorySample::self)
      .def_readonly("processes", &MemorySample::processes)
      .def_readonly("trees", &MemorySample::trees)
      .def_readonly("cgroups", &MemorySample::cgroups)
      .def_readonly("own_cgroup", &MemorySample::own_cgroup)
      .def_readonly("system", &MemorySample::system)
      .def_readonly("pressure", &MemorySample::pressure)
      .def_property_readonly("headroom", [](const MemorySample& s) { return or_none(s.headroom); });

  py::class_<PySampler>(m, "_Sampler")
      .def(py::init([](py::handle interval, bool immediate, py::object callback, bool self,
                       const std::vector<pid_t>& pids, const std::vector<pid_t>& trees,
                       const std::vector<std::string>& cgroups, bool own_cgroup, bool system, bool pressure,
                       bool detail) {
             SamplerOptions o;
             o.interval = duration_arg(interval, "interval", true);
             o.immediate = immediate;
             o.targets.self = self;
             o.targets.processes = pids;
             o.targets.trees = trees;
             o.targets.cgroups = cgroups;
             o.targets.own_cgroup = own_cgroup;
             o.targets.system = system;
             o.targets.pressure = pressure;
             o.targets.sources = detail ? MemorySources{.statm = false, .status = true, .smaps_rollup = true}
                                        : MemorySources{.statm = false, .status = true};
             if (callback.is_none() || !PyCallable_Check(callback.ptr()))
               throw py::type_error("callback: expected a callable taking one sample");
             Callback cb(std::move(callback));
             py::gil_scoped_release nogil;
             return std::make_unique<PySampler>(
                 std::make_unique<Sampler>(std::move(o), [cb](const MemorySample& sample) {
                   if (!interpreter_alive()) return;
                   py::gil_scoped_acquire gil;
                   cb(sample);
                 }));
           }),
           py::arg("interval"), py::arg("immediate"), py::arg("callback"), py::arg("self"), py::arg("pids"),
           py::arg("trees"), py::arg("cgroups"), py::arg("own_cgroup"), py::arg("system"), py::arg("pressure"),
           py::arg("detail"))
      .def(
          "stop",
          [](PySampler& s) {
            if (s) s.get().stop();
          },
          py::call_guard<py::gil_scoped_release>())
      .def("running", [](const PySampler& s) { return s && s.get().running(); });
}

}  // namespace reins::python
