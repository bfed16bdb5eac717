// reins._reins: the extension module under the `reins` package (python/reins/ wraps it in Python's idioms).
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "common.hpp"
#include "reins/error.hpp"
#include "reins/process.hpp"
#include "reins/units.hpp"

namespace reins::python {

namespace {

std::string_view stage_name(SpawnStage stage) {
  constexpr std::string_view names[] = {"start", "pdeathsig", "session", "pgroup", "join",     "rlimit", "user",
                                        "chdir", "signals",   "stdio",   "fds",    "terminal", "exec"};
  return names[static_cast<int>(stage)];
}

// reins::Error as the OSError subclass reins.errors picks for its errno (PermissionError for EPERM, ...);
// InvalidArgument is also a ValueError, SpawnError carries the stage that failed.
void translate(std::exception_ptr error) {  // NOLINT(performance-unnecessary-value-param): pybind11 takes it so
  try {
    std::rethrow_exception(error);
  } catch (const SpawnError& e) {
    py::object cls = py::module_::import("reins.errors").attr("SpawnError");
    PyErr_SetObject(cls.ptr(), cls(e.errno_value(), e.what(), stage_name(e.stage()), e.step(), e.shell_code()).ptr());
  } catch (const InvalidArgument& e) {
    py::object cls = py::module_::import("reins.errors").attr("InvalidArgument");
    PyErr_SetObject(cls.ptr(), cls(e.errno_value(), e.what()).ptr());
  } catch (const Error& e) {
    py::object made = py::module_::import("reins.errors").attr("_from_errno")(e.errno_value(), e.what());
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(made.ptr())), made.ptr());
  }
}

}  // namespace

void bind_errors(py::module_& m) {
  py::register_exception_translator(translate);
  // reins' own size units, for Python users' input and output ("1.5G" both ways).
  m.def("parse_size", [](const std::string& text) { return parse_size(text); });
  m.def("format_size", &format_size);
}

std::chrono::nanoseconds duration_arg(py::handle value, std::string_view what, bool positive) {
  double s = 0;
  // Kept for the life of the process (released, never destroyed: a static py::object would be decref'd by
  // the C runtime's exit handlers, after Python has gone).
  static const py::handle timedelta = py::module_::import("datetime").attr("timedelta").cast<py::object>().release();
  if (py::isinstance(value, timedelta)) {
    s = value.attr("total_seconds")().cast<double>();
  } else if (PyLong_Check(value.ptr()) || PyFloat_Check(value.ptr())) {
    if (PyBool_Check(value.ptr())) throw py::type_error(fmt::format("{}: expected seconds, got a bool", what));
    s = value.cast<double>();
  } else {
    throw py::type_error(fmt::format("{}: expected seconds (int or float) or a datetime.timedelta, got {}", what,
                                     std::string(py::str(value.get_type().attr("__name__")))));
  }
  if (!std::isfinite(s) || s < 0 || (positive && s == 0) || s > 1e9)
    throw py::value_error(fmt::format("{}: {} is not a valid duration (expected {} seconds, e.g. 0.5)", what,
                                      std::string(py::repr(value)), positive ? "a positive number of" : "0 or more"));
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(s * 1e9)));
}

std::optional<std::chrono::nanoseconds> optional_duration_arg(py::handle value, std::string_view what, bool positive) {
  if (value.is_none()) return std::nullopt;
  return duration_arg(value, what, positive);
}

std::uint64_t bytes_arg(py::handle value, std::string_view what) {
  if (py::isinstance<py::str>(value)) return parse_size(value.cast<std::string>());
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr()))
    throw py::type_error(fmt::format("{}: expected a number of bytes (int, or a string such as '512M'), got {}", what,
                                     std::string(py::str(value.get_type().attr("__name__")))));
  if (value.cast<py::int_>() < py::int_(0))
    throw py::value_error(
        fmt::format("{}: {} is not a size (expected 0 or more bytes)", what, std::string(py::repr(value))));
  return value.cast<std::uint64_t>();
}

py::object utc_datetime(std::chrono::system_clock::time_point t) {
  static const py::handle from_timestamp =
      py::module_::import("datetime").attr("datetime").attr("fromtimestamp").cast<py::object>().release();
  static const py::handle utc =
      py::module_::import("datetime").attr("timezone").attr("utc").cast<py::object>().release();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  return from_timestamp(static_cast<double>(us) / 1e6, utc);
}

bool interpreter_alive() noexcept {
#if PY_VERSION_HEX >= 0x030D0000
  return !Py_IsFinalizing();
#else
  return !_Py_IsFinalizing();
#endif
}

Callback::Callback(py::object fn)
    : fn_(new py::object(std::move(fn)), [](py::object* p) {
        if (!interpreter_alive()) {
          p->release();  // Python is gone or going: nothing may be touched, the reference is left
        } else {
          py::gil_scoped_acquire gil;
          p->dec_ref();
          p->release();
        }
        delete p;
      }) {}

}  // namespace reins::python

PYBIND11_MODULE(_reins, m) {
  namespace rp = reins::python;
  m.doc() = "reins' extension module: use the `reins` package, which wraps it.";
  rp::bind_errors(m);
  rp::bind_resource(m);
  rp::bind_memory(m);
  rp::bind_process(m);
  rp::bind_job(m);
  rp::bind_guard(m);
  rp::bind_sampler(m);
  rp::bind_run(m);
  rp::bind_reaper(m);
}
