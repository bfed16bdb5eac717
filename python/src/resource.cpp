// reins.resource: Python's resource module on reins' rlimits and rusage, argument for argument. Written on
// the C API rather than pybind11's dispatch: CPython's own module is METH_O/METH_FASTCALL functions, and a
// drop-in must match both its argument rules (positional only, __index__, the same exception for each
// mistake) and its call cost (pybind11's overload dispatch alone costs more than the getrlimit(2) call).
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstring>

#include "common.hpp"
#include "process.hpp"
#include "reins/error.hpp"
#include "reins/rlimit.hpp"
#include "reins/rusage.hpp"

namespace reins::python {

namespace {

// RLIMIT_* number → reins::Resource; unset entries are numbers Linux does not have.
struct ResourceTable {
  std::array<std::optional<Resource>, RLIM_NLIMITS> by_native{};
  ResourceTable() {
    for (const auto& r : all_resources()) by_native.at(static_cast<std::size_t>(r.native)) = r.resource;
  }
};
const ResourceTable& table() {
  static const ResourceTable t;
  return t;
}

// A C int from a Python int (or anything with __index__), as CPython's argument clinic converts one; its
// OverflowError says what CPython's says for that kind of argument.
bool as_int(PyObject* o, int* out, const char* too_large = "Python int too large to convert to C int",
            const char* too_small = "Python int too large to convert to C int") {
  long v = PyLong_AsLong(o);
  if (v == -1 && PyErr_Occurred()) return false;
  if (v > INT_MAX || v < INT_MIN) {
    PyErr_SetString(PyExc_OverflowError, v > 0 ? too_large : too_small);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool resource_arg(PyObject* o, Resource* out) {
  int native = 0;
  if (!as_int(o, &native)) return false;
  auto r = resource_of_native(native);
  if (!r) {
    PyErr_SetString(PyExc_ValueError, "invalid resource specified");
    return false;
  }
  *out = *r;
  return true;
}

// As CPython on Linux: a limit is a C long; -1 (or any value whose bits are all ones) is RLIM_INFINITY, and
// other negative numbers are taken modulo 2**64, as the C cast does.
bool limit_value(PyObject* o, RlimitValue* out) {
  long v = PyLong_AsLong(o);
  if (v == -1 && PyErr_Occurred()) return false;
  auto bits = static_cast<rlim_t>(v) & RLIM_INFINITY;
  *out = bits == RLIM_INFINITY ? RlimitValue::unlimited() : RlimitValue(bits);
  return true;
}

bool limits_arg(PyObject* limits, Rlimit* out) {
  PyObject* tuple = PySequence_Tuple(limits);
  if (!tuple) return false;
  bool ok = false;
  if (PyTuple_GET_SIZE(tuple) != 2) {
    PyErr_SetString(PyExc_ValueError, "expected a tuple of 2 integers");
  } else {
    ok = limit_value(PyTuple_GET_ITEM(tuple, 0), &out->soft) && limit_value(PyTuple_GET_ITEM(tuple, 1), &out->hard);
  }
  Py_DECREF(tuple);
  return ok;
}

PyObject* value_to_py(RlimitValue v) {
  return PyLong_FromLongLong(v.is_unlimited() ? -1LL : static_cast<long long>(v.value()));
}

PyObject* limits_to_py(const Rlimit& r) {
  PyObject* t = PyTuple_New(2);
  if (!t) return nullptr;
  PyTuple_SET_ITEM(t, 0, value_to_py(r.soft));
  PyTuple_SET_ITEM(t, 1, value_to_py(r.hard));
  return t;
}

PyObject* os_error(int err) {
  errno = err;
  return PyErr_SetFromErrno(PyExc_OSError);
}

// A limit that could not be set, as CPython reports it: soft above hard (reins checks first, the kernel says
// EINVAL) is ValueError; EPERM is ValueError from setrlimit and PermissionError from prlimit, as in CPython.
PyObject* set_failed(const Error& e, bool eperm_is_value_error) {
  if (dynamic_cast<const InvalidArgument*>(&e) || e.errno_value() == EINVAL)
    PyErr_SetString(PyExc_ValueError, "current limit exceeds maximum limit");
  else if (e.errno_value() == EPERM && eperm_is_value_error)
    PyErr_SetString(PyExc_ValueError, "not allowed to raise maximum limit");
  else
    os_error(e.errno_value());
  return nullptr;
}

PyObject* getrlimit(PyObject*, PyObject* arg) {
  Resource r{};
  if (!resource_arg(arg, &r)) return nullptr;
  try {
    return limits_to_py(get_rlimit(r));
  } catch (const Error& e) {
    return os_error(e.errno_value());
  }
}

bool check_count(Py_ssize_t n, Py_ssize_t min, Py_ssize_t max, const char* name) {
  if (n >= min && n <= max) return true;
  if (min == max)
    PyErr_Format(PyExc_TypeError, "%s expected %zd arguments, got %zd", name, min, n);
  else
    PyErr_Format(PyExc_TypeError, "resource.%s requires %zd to %zd arguments", name, min, max);
  return false;
}

PyObject* setrlimit(PyObject*, PyObject* const* args, Py_ssize_t n) {
  if (!check_count(n, 2, 2, "setrlimit")) return nullptr;
  Resource r{};
  Rlimit limit{RlimitValue::unlimited(), RlimitValue::unlimited()};
  if (!resource_arg(args[0], &r) || !limits_arg(args[1], &limit)) return nullptr;
  try {
    set_rlimit(r, limit);
  } catch (const Error& e) {
    return set_failed(e, true);
  }
  Py_RETURN_NONE;
}

bool pid_arg(PyObject* o, pid_t* out) {
  return as_int(o, out, "signed integer is greater than maximum", "signed integer is less than minimum");
}

// prlimit(pid, resource[, limits]): returns the limits in force before, read in the same call.
PyObject* prlimit(PyObject*, PyObject* const* args, Py_ssize_t n, PyObject* kwnames) {
  if (kwnames && PyTuple_GET_SIZE(kwnames)) {
    PyErr_SetString(PyExc_TypeError, "prlimit() takes no keyword arguments");
    return nullptr;
  }
  if (!check_count(n, 2, 3, "prlimit")) return nullptr;
  pid_t pid = 0;
  Resource r{};
  if (!pid_arg(args[0], &pid) || !resource_arg(args[1], &r)) return nullptr;
  try {
    if (n == 2) return limits_to_py(get_rlimit(r, pid));
    Rlimit limit{RlimitValue::unlimited(), RlimitValue::unlimited()};
    if (!limits_arg(args[2], &limit)) return nullptr;
    return limits_to_py(set_rlimit(r, limit, pid));
  } catch (const Error& e) {
    return set_failed(e, false);
  }
}

PyStructSequence_Field rusage_fields[] = {{"ru_utime", "user time used"},
                                          {"ru_stime", "system time used"},
                                          {"ru_maxrss", "max. resident set size"},
                                          {"ru_ixrss", "shared memory size"},
                                          {"ru_idrss", "unshared data size"},
                                          {"ru_isrss", "unshared stack size"},
                                          {"ru_minflt", "page faults not requiring I/O"},
                                          {"ru_majflt", "page faults requiring I/O"},
                                          {"ru_nswap", "number of swap outs"},
                                          {"ru_inblock", "block input operations"},
                                          {"ru_oublock", "block output operations"},
                                          {"ru_msgsnd", "IPC messages sent"},
                                          {"ru_msgrcv", "IPC messages received"},
                                          {"ru_nsignals", "signals received"},
                                          {"ru_nvcsw", "voluntary context switches"},
                                          {"ru_nivcsw", "involuntary context switches"},
                                          {nullptr, nullptr}};
char rusage_doc[] =
    "struct_rusage: Result from getrusage.\n\n"
    "This object may be accessed either as a tuple of\n"
    "    (utime,stime,maxrss,ixrss,idrss,isrss,minflt,majflt,\n"
    "    nswap,inblock,oublock,msgsnd,msgrcv,nsignals,nvcsw,nivcsw)\n"
    "or via the attributes ru_utime, ru_stime, ru_maxrss, and so on.";
char rusage_name[] = "reins.resource.struct_rusage";
PyStructSequence_Desc rusage_desc = {rusage_name, rusage_doc, rusage_fields, 16};
PyTypeObject* rusage_type = nullptr;

// RUSAGE_BOTH is absent: Linux' getrusage(2) has no such `who` (CPython leaves it out there too).
PyObject* getrusage(PyObject*, PyObject* arg) {
  if (PyFloat_Check(arg)) {
    PyErr_SetString(PyExc_TypeError, "'float' object cannot be interpreted as an integer");
    return nullptr;
  }
  int who = 0;
  if (!as_int(arg, &who)) return nullptr;
  RusageWho w{};
  if (who == RUSAGE_SELF)
    w = RusageWho::self;
  else if (who == RUSAGE_CHILDREN)
    w = RusageWho::children;
  else if (who == RUSAGE_THREAD)
    w = RusageWho::thread;
  else {
    PyErr_SetString(PyExc_ValueError, "invalid who parameter");
    return nullptr;
  }
  const Rusage u = get_rusage(w);
  PyObject* r = PyStructSequence_New(rusage_type);
  if (!r) return nullptr;
  auto set = [r](Py_ssize_t i, PyObject* v) { PyStructSequence_SET_ITEM(r, i, v); };
  // Seconds as CPython computes them from a timeval (tv_sec + tv_usec * 0.000001), to the last bit.
  auto secs = [](std::chrono::nanoseconds d) {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(d);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(d - s);
    return PyFloat_FromDouble(static_cast<double>(s.count()) + static_cast<double>(us.count()) * 0.000001);
  };
  set(0, secs(u.user_time));
  set(1, secs(u.system_time));
  set(2, PyLong_FromUnsignedLongLong(u.max_rss_bytes / 1024));  // KiB, as ru_maxrss is
  set(3, PyLong_FromLongLong(u.shared_memory_integral));
  set(4, PyLong_FromLongLong(u.unshared_data_integral));
  set(5, PyLong_FromLongLong(u.unshared_stack_integral));
  set(6, PyLong_FromLongLong(u.minor_faults));
  set(7, PyLong_FromLongLong(u.major_faults));
  set(8, PyLong_FromLongLong(u.swaps));
  set(9, PyLong_FromLongLong(u.block_inputs));
  set(10, PyLong_FromLongLong(u.block_outputs));
  set(11, PyLong_FromLongLong(u.messages_sent));
  set(12, PyLong_FromLongLong(u.messages_received));
  set(13, PyLong_FromLongLong(u.signals));
  set(14, PyLong_FromLongLong(u.voluntary_switches));
  set(15, PyLong_FromLongLong(u.involuntary_switches));
  if (PyErr_Occurred()) {
    Py_DECREF(r);
    return nullptr;
  }
  return r;
}

PyObject* getpagesize(PyObject*, PyObject*) { return PyLong_FromSize_t(page_size()); }

PyMethodDef methods[] = {
    {"getrlimit", getrlimit, METH_O,
     "getrlimit(resource, /)\n--\n\nThe (soft, hard) limits of `resource` for this process; RLIM_INFINITY (-1) "
     "for no limit."},
    {"setrlimit", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(setrlimit)), METH_FASTCALL,
     "setrlimit(resource, limits, /)\n--\n\nSets `resource` to `limits`, a (soft, hard) pair. ValueError when "
     "soft exceeds hard or the hard limit would rise without CAP_SYS_RESOURCE."},
    {"prlimit", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(prlimit)), METH_FASTCALL | METH_KEYWORDS,
     "prlimit(pid, resource, [limits])\n\nThe limits of process `pid` (0: this one); with `limits`, sets them. "
     "Returns the limits in force before, read in the same prlimit(2) call."},
    {"getrusage", getrusage, METH_O,
     "getrusage(who, /)\n--\n\nResource usage of RUSAGE_SELF, RUSAGE_CHILDREN or RUSAGE_THREAD, as a "
     "struct_rusage (ru_maxrss in KiB, as the kernel reports it)."},
    {"getpagesize", getpagesize, METH_NOARGS, "getpagesize($module, /)\n--\n\nThe page size in bytes."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

std::optional<Resource> resource_of_native(int native) noexcept {
  if (native < 0 || native >= RLIM_NLIMITS) return std::nullopt;
  return table().by_native[static_cast<std::size_t>(native)];
}

void bind_resource(py::module_& m) {
  py::module_ r = m.def_submodule("resource", "Python's resource module, on reins.");
  if (PyModule_AddFunctions(r.ptr(), methods) != 0) throw py::error_already_set();
  rusage_type = PyStructSequence_NewType(&rusage_desc);
  if (!rusage_type) throw py::error_already_set();
  r.attr("struct_rusage") = py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(rusage_type));
  r.attr("RLIM_INFINITY") = -1;
  for (const auto& info : all_resources()) {
    std::string name(info.name);
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    py::setattr(r, py::str("RLIMIT_" + name), py::int_(info.native));
  }
  r.attr("RLIMIT_OFILE") = static_cast<int>(RLIMIT_NOFILE);  // the BSD name glibc keeps, as CPython does
  r.attr("RUSAGE_SELF") = static_cast<int>(RUSAGE_SELF);
  r.attr("RUSAGE_CHILDREN") = static_cast<int>(RUSAGE_CHILDREN);
  r.attr("RUSAGE_THREAD") = static_cast<int>(RUSAGE_THREAD);
}

}  // namespace reins::python
