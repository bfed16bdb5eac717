// What every file of the binding shares: the conversions between reins' C++ types and Python's conventions
// (bytes as int, unknown as None, durations as float seconds, accepted as int, float or timedelta), and
// Python callables called from reins' own threads.
#pragma once

#include <pybind11/chrono.h>
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

namespace reins::python {

namespace py = pybind11;

// Each concept's part of the module, in its own file.
void bind_errors(py::module_& m);
void bind_resource(py::module_& m);
void bind_memory(py::module_& m);
void bind_process(py::module_& m);
void bind_job(py::module_& m);
void bind_guard(py::module_& m);
void bind_sampler(py::module_& m);
void bind_run(py::module_& m);
void bind_reaper(py::module_& m);

inline double seconds(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e9; }

// A duration from Python: int or float seconds, or a datetime.timedelta. ValueError (quoting it) when it is
// negative, not finite, or, with `positive`, zero; TypeError for anything else.
std::chrono::nanoseconds duration_arg(py::handle value, std::string_view what, bool positive = false);
std::optional<std::chrono::nanoseconds> optional_duration_arg(py::handle value, std::string_view what,
                                                              bool positive = false);
// A byte count from Python: a non-negative int, or a string reins parses ("512M"). ValueError quoting it.
std::uint64_t bytes_arg(py::handle value, std::string_view what);

template <typename T>
py::object or_none(const std::optional<T>& v) {
  return v ? py::cast(*v) : py::none();
}
inline py::object seconds_or_none(const std::optional<std::chrono::nanoseconds>& v) {
  return v ? py::cast(seconds(*v)) : py::none();
}
// A wall-clock time as a timezone-aware datetime (UTC), as Python's own APIs give them.
py::object utc_datetime(std::chrono::system_clock::time_point t);

// A Python callable that reins calls on one of its threads (a guard's, a sampler's, a reaper's). Calling
// takes the GIL; once the interpreter is finalizing it does nothing (the thread is about to be stopped, and
// Python can no longer run code). Dropping the last reference takes the GIL too, whichever thread does it.
class Callback {
 public:
  Callback() = default;
  explicit Callback(py::object fn);
  explicit operator bool() const noexcept { return static_cast<bool>(fn_); }
  // Calls with the GIL held and returns the result; a Python exception comes back as error_already_set.
  template <typename... Args>
  py::object operator()(Args&&... args) const {
    return (*fn_)(std::forward<Args>(args)...);
  }
  py::object get() const { return fn_ ? *fn_ : py::none(); }

 private:
  std::shared_ptr<py::object> fn_;
};

// Owns an object whose destructor waits for a thread of reins' (a guard's, a sampler's, a reaper's), which may
// itself be waiting for the GIL to finish a callback: it is destroyed with the GIL released.
template <typename T>
class WithoutGil {
 public:
  WithoutGil() = default;
  explicit WithoutGil(std::unique_ptr<T> object) noexcept : object_(std::move(object)) {}
  WithoutGil(const WithoutGil&) = delete;
  WithoutGil& operator=(const WithoutGil&) = delete;
  ~WithoutGil() { reset(); }
  void reset() {
    if (!object_) return;
    py::gil_scoped_release nogil;
    object_.reset();
  }
  void set(std::unique_ptr<T> object) {
    reset();
    object_ = std::move(object);
  }
  explicit operator bool() const noexcept { return static_cast<bool>(object_); }
  // ValueError once closed: a Python object outlives what it wrapped.
  T& get() const {
    if (!object_) throw py::value_error("it was closed");
    return *object_;
  }

 private:
  std::unique_ptr<T> object_;
};

// Whether Python code can still run: false once the interpreter has begun to finalize.
bool interpreter_alive() noexcept;

}  // namespace reins::python
