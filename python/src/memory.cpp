// Memory readers: reins.memory(pid) with psutil's field names, trees, the system, cgroups, pressure.
#include <fmt/format.h>

#include "common.hpp"
#include "reins/memory.hpp"

namespace reins::python {

namespace {

MemorySources sources_for(bool detail) {
  // detail: everything /proc has (status and smaps_rollup: pss, uss, swap); otherwise statm's three counters.
  return detail ? MemorySources{.statm = false, .status = true, .smaps_rollup = true} : MemorySources{.statm = true};
}

// psutil's `shared`: resident pages that are file-backed or shared memory (statm's third field).
MaybeBytes shared_of(const ProcessMemory& m) {
  if (!m.rss || !m.rss_anon) return std::nullopt;
  return *m.rss >= *m.rss_anon ? *m.rss - *m.rss_anon : 0;
}

std::string memory_repr(const ProcessMemory& m) {
  auto show = [](MaybeBytes v) { return v ? std::to_string(*v) : std::string("None"); };
  return fmt::format("reins.ProcessMemory(pid={}, rss={}, pss={}, uss={}, swap={}, shared={})", m.pid, show(m.rss),
                     show(m.pss), show(m.uss), show(m.swap), show(shared_of(m)));
}

}  // namespace

void bind_memory(py::module_& m) {
  py::class_<ProcessMemory> pm(m, "ProcessMemory",
                               "One process's memory in bytes, each figure None when it could not be read (never 0 "
                               "for unknown). psutil's names: rss, vms, shared, pss, uss, swap.");
  pm.def_readonly("pid", &ProcessMemory::pid);
  for (const auto& metric : process_memory_metrics()) {
    auto member = metric.member;
    pm.def_property_readonly(metric.name, [member](const ProcessMemory& p) { return or_none(p.*member); });
  }
  pm.def_property_readonly(
      "vms", [](const ProcessMemory& p) { return or_none(p.vm_size); }, "virtual size (psutil's vms)");
  pm.def_property_readonly(
      "shared", [](const ProcessMemory& p) { return or_none(shared_of(p)); },
      "resident file-backed and shared memory (psutil's shared)");
  pm.def_property_readonly("gone", &ProcessMemory::gone, "the process had exited when it was read");
  pm.def_property_readonly(
      "errno", [](const ProcessMemory& p) { return p.first_error(); },
      "the first error met reading it (0: none); ESRCH when it is gone, EACCES for another user's process");
  pm.def("__repr__", &memory_repr);

  py::class_<TreeMemory>(m, "TreeMemory", "A process and its descendants: the sum, and each process.")
      .def_readonly("root", &TreeMemory::root)
      .def_readonly("total", &TreeMemory::total, "the sum over the tree; a figure is None if no process had it")
      .def_readonly("processes", &TreeMemory::processes, "root first, then the descendants")
      .def_readonly("unreadable", &TreeMemory::unreadable, "processes found whose figures could not all be read")
      .def("__repr__", [](const TreeMemory& t) {
        return fmt::format("reins.TreeMemory(root={}, processes={}, total={})", t.root, t.processes.size(),
                           memory_repr(t.total));
      });

  m.def(
      "read_process_memory",
      [](pid_t pid, bool detail) {
        py::gil_scoped_release nogil;
        return read_process_memory(pid, sources_for(detail));
      },
      py::arg("pid"), py::arg("detail") = true);
  m.def(
      "read_tree_memory",
      [](pid_t pid, bool detail) {
        py::gil_scoped_release nogil;
        return read_tree_memory(pid, sources_for(detail));
      },
      py::arg("pid"), py::arg("detail") = true);

  py::class_<SystemMemory>(m, "SystemMemory", "/proc/meminfo in bytes (None: not in this kernel's file).")
      .def_property_readonly("total", [](const SystemMemory& s) { return or_none(s.total); })
      .def_property_readonly("free", [](const SystemMemory& s) { return or_none(s.free); })
      .def_property_readonly("available", [](const SystemMemory& s) { return or_none(s.available); })
      .def_property_readonly("buffers", [](const SystemMemory& s) { return or_none(s.buffers); })
      .def_property_readonly("cached", [](const SystemMemory& s) { return or_none(s.cached); })
      .def_property_readonly("shmem", [](const SystemMemory& s) { return or_none(s.shmem); })
      .def_property_readonly("swap_total", [](const SystemMemory& s) { return or_none(s.swap_total); })
      .def_property_readonly("swap_free", [](const SystemMemory& s) { return or_none(s.swap_free); })
      .def_property_readonly("committed", [](const SystemMemory& s) { return or_none(s.committed); })
      .def_property_readonly("commit_limit", [](const SystemMemory& s) { return or_none(s.commit_limit); });
  m.def("read_system_memory", &read_system_memory);

  py::class_<PressureStats>(m, "PressureStats", "PSI: percent of wall time stalled, and the total since boot.")
      .def_readonly("avg10", &PressureStats::avg10)
      .def_readonly("avg60", &PressureStats::avg60)
      .def_readonly("avg300", &PressureStats::avg300)
      .def_property_readonly(
          "total", [](const PressureStats& p) { return seconds(p.total); }, "seconds");
  py::class_<Pressure>(m, "Pressure")
      .def_readonly("some", &Pressure::some, "some tasks stalled (None: not reported)")
      .def_readonly("full", &Pressure::full, "all non-idle tasks stalled (None: not reported)");

  py::class_<CgroupMemory>(m, "CgroupMemory", "A memory cgroup's figures in bytes (None: unknown; limits: None = max).")
      .def_readonly("path", &CgroupMemory::path)
      .def_property_readonly("version", [](const CgroupMemory& c) { return c.version == CgroupVersion::v1 ? 1 : 2; })
      .def_readonly("errno", &CgroupMemory::error)
      .def_property_readonly("current", [](const CgroupMemory& c) { return or_none(c.current); })
      .def_property_readonly("peak", [](const CgroupMemory& c) { return or_none(c.peak); })
      .def_property_readonly("swap_current", [](const CgroupMemory& c) { return or_none(c.swap_current); })
      .def_property_readonly("max", [](const CgroupMemory& c) { return c.max ? or_none(*c.max) : py::none(); })
      .def_property_readonly("high", [](const CgroupMemory& c) { return c.high ? or_none(*c.high) : py::none(); })
      .def_property_readonly(
          "effective_max",
          [](const CgroupMemory& c) { return c.effective_max ? or_none(*c.effective_max) : py::none(); },
          "the lowest limit of the cgroup and its ancestors")
      .def_property_readonly(
          "limited", [](const CgroupMemory& c) { return c.effective_max && *c.effective_max; },
          "whether some limit (its own or an ancestor's) bounds it")
      .def_property_readonly("headroom", [](const CgroupMemory& c) { return or_none(c.headroom); });
  m.def("read_cgroup_memory", &read_cgroup_memory, py::arg("path"));
  m.def("read_own_cgroup_memory", &read_own_cgroup_memory);
  m.def("memory_headroom", []() { return or_none(memory_headroom()); });
}

}  // namespace reins::python
