// A run's timeline: memory, CPU and pids sampled over time, and the events that happened (limit hit, OOM
// kill, guard breach, exit). `reins run --trace FILE` records one; `reins plot` draws it as a self-contained
// SVG, the picture a user needs to pick a limit.
//
// File format: JSON lines. The first line is the header, then one line per sample or event, in time order:
//   {"type":"header","version":1,"command":["make","-j2"],"interval_s":0.1,"memory_limit_bytes":1073741824}
//   {"type":"sample","t":0.1,"memory_bytes":5234688,"pss_bytes":4100000,"cpu_s":0.08,"pids":3}
//   {"type":"event","t":2.4,"event":"oom","detail":"memory.events oom_kill 1"}
// A file whose name ends in .csv holds the same as CSV: "t,kind,memory_bytes,pss_bytes,cpu_s,pids,event".
// Unknown keys are ignored and absent metrics are null, so old readers read new files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reins {

struct TimelineSample {
  double t = 0;                               // seconds since the command started
  std::optional<std::uint64_t> memory_bytes;  // the job's memory (cgroup), or the tree's RSS without a job
  std::optional<std::uint64_t> pss_bytes;     // the tree's PSS, when a guard measured it
  std::optional<double> cpu_s;                // CPU time used so far (user + system)
  std::optional<std::uint64_t> pids;          // processes in the job
};

// What a supervisor records. A file may hold kinds a later version added: readers keep them as text.
enum class TimelineEventKind { memory_limit, oom, guard, pids_limit, timeout, cpu_time, exit };
// "memory-limit", "oom", "guard", "pids-limit", "timeout", "cpu-time", "exit": the names in trace files.
std::string_view timeline_event_name(TimelineEventKind kind) noexcept;

struct TimelineEvent {
  double t = 0;
  std::string event;   // a timeline_event_name(), or a kind this version does not know
  std::string detail;  // free text for people
};

// How much of a trace a read keeps, whatever the file's size: reading a 97 MB trace takes memory for at most
// 2 × kMaxPlottedSamples points, and the SVG drawn from it is bounded the same way.
inline constexpr std::size_t kMaxPlottedSamples = 10000;
inline constexpr std::size_t kMaxPlottedEvents = 1000;

struct Timeline {
  std::vector<std::string> command;
  double interval_s = 0.1;
  std::optional<std::uint64_t> memory_limit_bytes;
  std::vector<TimelineSample> samples;
  std::vector<TimelineEvent> events;
  // From reading a file: samples merged into each point (largest memory and processes, last CPU time), events
  // beyond kMaxPlottedEvents not kept, and whether an incomplete last line was left out.
  std::size_t samples_per_point = 1;
  std::size_t events_left_out = 0;
  bool last_line_cut = false;
};

// Appends records to a trace file as they happen, so a run that is killed still leaves its trace behind.
class TimelineWriter {
 public:
  // Creates (truncates) `path`; CSV if it ends in ".csv", JSON lines otherwise. Throws reins::Error.
  TimelineWriter(const std::string& path, const Timeline& header);
  ~TimelineWriter();
  TimelineWriter(TimelineWriter&&) noexcept;
  TimelineWriter& operator=(TimelineWriter&&) noexcept;

  void sample(const TimelineSample& s);
  void event(const TimelineEvent& e);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a trace file (JSON lines or CSV), thinned to kMaxPlottedSamples-ish points (see Timeline). Throws
// reins::Error if it cannot be read, InvalidArgument naming the line if one does not parse (but a last line
// cut short, what a killed run leaves, is left out: Timeline::last_line_cut).
Timeline read_timeline(const std::string& path);
// The same from text in memory; `source` names it in error messages.
Timeline parse_timeline(std::string_view text, bool csv, const std::string& source = "trace");

// Draws memory over time (with the limit as a line and events marked) and CPU use beneath, as a standalone
// SVG document. Throws InvalidArgument if the timeline has no samples.
std::string render_svg(const Timeline& timeline);

}  // namespace reins
