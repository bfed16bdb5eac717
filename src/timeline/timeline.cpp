// Trace files: writing as the run goes (one flushed line per record) and reading them back for the plot.
#include "reins/timeline.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reins/error.hpp"

namespace reins {
namespace {

using json = nlohmann::ordered_json;

bool is_csv(const std::string& path) { return path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0; }

template <typename T>
json maybe(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

template <typename T>
std::string csv_maybe(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

template <typename T>
std::optional<T> opt(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

// Splits one CSV line; quoted fields may contain commas and doubled quotes.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
      fields.back() += '"', ++i;
    else if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      fields.emplace_back();
    else
      fields.back() += c;
  }
  return fields;
}

// Times and CPU seconds must be finite: "nan" or "inf" in a hand-edited file would make an axis endless.
double finite(double v) {
  if (!std::isfinite(v)) throw InvalidArgument("a time or CPU value is not a finite number");
  return v;
}

std::optional<double> finite(std::optional<double> v) {
  if (v) finite(*v);
  return v;
}

// Reads records into a Timeline of bounded size: samples are merged into points of `stride` samples each (the
// largest memory, PSS and process count, the last CPU time: peaks are never thinned away), and the stride
// doubles whenever there are 2 × kMaxPlottedSamples points; events past kMaxPlottedEvents are only counted.
struct Reader {
  Timeline tl;
  std::size_t pending = 0;  // samples merged into the last point so far

  static void merge(TimelineSample& into, const TimelineSample& s) {
    auto larger = [](auto& a, const auto& b) {
      if (b && (!a || *b > *a)) a = b;
    };
    larger(into.memory_bytes, s.memory_bytes);
    larger(into.pss_bytes, s.pss_bytes);
    larger(into.pids, s.pids);
    if (s.cpu_s) into.cpu_s = s.cpu_s;
  }
  void sample(const TimelineSample& s) {
    if (pending > 0)
      merge(tl.samples.back(), s);
    else
      tl.samples.push_back(s);
    if (++pending == tl.samples_per_point) pending = 0;
    if (pending == 0 && tl.samples.size() >= 2 * kMaxPlottedSamples) halve();
  }
  void halve() {
    auto& v = tl.samples;
    std::size_t out = 0;
    for (std::size_t i = 0; i < v.size(); i += 2, ++out) {
      v[out] = v[i];
      if (i + 1 < v.size()) merge(v[out], v[i + 1]);
    }
    v.resize(out);
    tl.samples_per_point *= 2;
  }
  void event(TimelineEvent e) {
    if (tl.events.size() < kMaxPlottedEvents)
      tl.events.push_back(std::move(e));
    else
      ++tl.events_left_out;
  }
};

void parse_json_line(Reader& r, const json& j) {
  Timeline& tl = r.tl;
  std::string type = j.value("type", "");
  if (type == "header") {
    tl.command = j.value("command", std::vector<std::string>{});
    tl.interval_s = finite(j.value("interval_s", 0.1));
    tl.memory_limit_bytes = opt<std::uint64_t>(j, "memory_limit_bytes");
  } else if (type == "sample") {
    r.sample({finite(j.at("t").get<double>()), opt<std::uint64_t>(j, "memory_bytes"),
              opt<std::uint64_t>(j, "pss_bytes"), finite(opt<double>(j, "cpu_s")), opt<std::uint64_t>(j, "pids")});
  } else if (type == "event") {
    r.event({finite(j.at("t").get<double>()), j.value("event", ""), j.value("detail", "")});
  }
}

template <typename T>
std::optional<T> csv_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  if constexpr (std::is_same_v<T, double>)
    return std::stod(s);
  else
    return static_cast<T>(std::stoull(s));
}

void parse_csv_line(Reader& r, const std::string& line) {
  Timeline& tl = r.tl;
  auto f = split_csv(line);
  if (f.size() < 7) throw InvalidArgument("expected 7 comma-separated fields");
  if (f[1] == "header") {
    tl.interval_s = finite(csv_number<double>(f[0])).value_or(0.1);
    tl.memory_limit_bytes = csv_number<std::uint64_t>(f[2]);
    std::istringstream words(f[6]);
    for (std::string w; words >> w;) tl.command.push_back(w);
  } else if (f[1] == "sample") {
    r.sample({finite(std::stod(f[0])), csv_number<std::uint64_t>(f[2]), csv_number<std::uint64_t>(f[3]),
              finite(csv_number<double>(f[4])), csv_number<std::uint64_t>(f[5])});
  } else if (f[1] == "event") {
    auto colon = f[6].find(": ");
    r.event({finite(std::stod(f[0])), f[6].substr(0, colon), colon == std::string::npos ? "" : f[6].substr(colon + 2)});
  }
}

}  // namespace

struct TimelineWriter::Impl {
  struct Close {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Close> file;
  bool csv = false;
  std::string path;
  void line(const std::string& text) {
    std::FILE* f = file.get();
    if (std::fputs(text.c_str(), f) < 0 || std::fputc('\n', f) < 0 || std::fflush(f) != 0)
      throw_errno("write trace", path);
  }
};

TimelineWriter::TimelineWriter(const std::string& path, const Timeline& header) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->csv = is_csv(path);
  impl_->file.reset(std::fopen(path.c_str(), "we"));
  if (!impl_->file) {
    int err = errno;
    throw Error(err, "create trace file", "'" + path + "'");
  }
  if (impl_->csv) {
    std::string cmd;
    for (const auto& a : header.command) cmd += (cmd.empty() ? "" : " ") + a;
    impl_->line("t,kind,memory_bytes,pss_bytes,cpu_s,pids,event");
    impl_->line(
        fmt::format("{},header,{},,,,{}", header.interval_s, csv_maybe(header.memory_limit_bytes), csv_field(cmd)));
  } else {
    impl_->line(json{{"type", "header"},
                     {"version", 1},
                     {"command", header.command},
                     {"interval_s", header.interval_s},
                     {"memory_limit_bytes", maybe(header.memory_limit_bytes)}}
                    .dump(-1, ' ', false, json::error_handler_t::replace));
  }
}

TimelineWriter::~TimelineWriter() = default;
TimelineWriter::TimelineWriter(TimelineWriter&&) noexcept = default;
TimelineWriter& TimelineWriter::operator=(TimelineWriter&&) noexcept = default;

void TimelineWriter::sample(const TimelineSample& s) {
  if (impl_->csv)
    impl_->line(fmt::format("{:.3f},sample,{},{},{},{},", s.t, csv_maybe(s.memory_bytes), csv_maybe(s.pss_bytes),
                            csv_maybe(s.cpu_s), csv_maybe(s.pids)));
  else
    impl_->line(json{{"type", "sample"},
                     {"t", s.t},
                     {"memory_bytes", maybe(s.memory_bytes)},
                     {"pss_bytes", maybe(s.pss_bytes)},
                     {"cpu_s", maybe(s.cpu_s)},
                     {"pids", maybe(s.pids)}}
                    .dump(-1, ' ', false, json::error_handler_t::replace));
}

void TimelineWriter::event(const TimelineEvent& e) {
  if (impl_->csv)
    impl_->line(
        fmt::format("{:.3f},event,,,,,{}", e.t, csv_field(e.event + (e.detail.empty() ? "" : ": " + e.detail))));
  else
    impl_->line(json{{"type", "event"}, {"t", e.t}, {"event", e.event}, {"detail", e.detail}}.dump(
        -1, ' ', false, json::error_handler_t::replace));
}

namespace {

// A line quoted in an error: control characters and non-ASCII bytes as \xNN.
std::string quoted_bytes(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 80)) {
    auto b = static_cast<unsigned char>(c);
    out += b < 0x20 || b >= 0x7f ? fmt::format("\\x{:02x}", b) : std::string(1, c);
  }
  return out;
}

// One line into the reader. A last line without its newline that does not parse is what a killed run or a
// full disk leaves: it is left out (last_line_cut); any other bad line is an error naming it.
void read_line(Reader& r, const std::string& line, bool csv, std::size_t number, bool last_without_newline,
               const std::string& source) {
  if (line.empty() || (csv && number == 1)) return;
  try {
    if (csv)
      parse_csv_line(r, line);
    else
      parse_json_line(r, json::parse(line));
  } catch (const std::exception& e) {
    if (last_without_newline) {
      r.tl.last_line_cut = true;
      return;
    }
    throw InvalidArgument(
        fmt::format("{}:{}: not a trace record ({}): '{}'", source, number, e.what(), quoted_bytes(line)));
  }
}

}  // namespace

Timeline parse_timeline(std::string_view text, bool csv, const std::string& source) {
  Reader r;
  std::size_t number = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    read_line(r, line, csv, ++number, nl == std::string_view::npos, source);
  }
  return std::move(r.tl);
}

Timeline read_timeline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(errno ? errno : ENOENT, "open trace file", "'" + path + "'");
  // Line by line, so that memory follows the bounded timeline, not the file's size.
  Reader r;
  const bool csv = is_csv(path);
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) read_line(r, line, csv, ++number, in.eof(), path);
  if (in.bad()) throw Error(EIO, "read trace file", "'" + path + "'");
  return std::move(r.tl);
}

std::string_view timeline_event_name(TimelineEventKind kind) noexcept {
  switch (kind) {
    case TimelineEventKind::memory_limit:
      return "memory-limit";
    case TimelineEventKind::oom:
      return "oom";
    case TimelineEventKind::guard:
      return "guard";
    case TimelineEventKind::pids_limit:
      return "pids-limit";
    case TimelineEventKind::cpu_time:
      return "cpu-time";
    case TimelineEventKind::timeout:
      return "timeout";
    case TimelineEventKind::exit:
      return "exit";
  }
  return "?";
}

}  // namespace reins
