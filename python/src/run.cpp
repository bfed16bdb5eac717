// reins.run(): what `reins run` does, as a call, and its report with the keys of the CLI's JSON report
// (schemas/run-report.schema.json; python/tests/test_run.py checks a report against that schema and against
// `reins run --json` for the same command).
#include <fmt/format.h>

#include "process.hpp"
#include "reins/run.hpp"
#include "reins/signals.hpp"

namespace reins::python {

namespace {

py::object signal_or_none(int sig) { return sig ? py::cast("SIG" + signal_name(sig)) : py::none(); }

py::object rlimit_side(RlimitValue v) { return v.is_unlimited() ? py::none() : py::cast(v.value()); }

py::object size_or_none(const std::optional<SizeLimit>& v) { return v && *v ? py::cast(**v) : py::none(); }

py::dict limits_dict(const RunOptions& o, const RunReport& r) {
  const JobLimits l = o.job.enabled ? o.job.limits : JobLimits{};
  const bool capped = l.cpu_quota && l.cpu_quota->quota;
  py::dict d;
  d["memory_max_bytes"] = size_or_none(l.memory_max);
  d["memory_high_bytes"] = size_or_none(l.memory_high);
  d["swap_max_bytes"] = size_or_none(l.swap_max);
  d["cpus"] = capped ? py::cast(static_cast<double>(l.cpu_quota->quota->count()) /
                                static_cast<double>(l.cpu_quota->period.count()))
                     : py::none();
  d["cpu_quota_s"] = capped ? py::cast(seconds(*l.cpu_quota->quota)) : py::none();
  d["cpu_period_s"] = capped ? py::cast(seconds(l.cpu_quota->period)) : py::none();
  d["cpu_weight"] = or_none(l.cpu_weight);
  d["allowed_cpus"] = or_none(l.cpuset_cpus);
  d["allowed_memory_nodes"] = or_none(l.cpuset_mems);
  d["pids_max_count"] = size_or_none(l.pids_max);
  d["io"] = py::list();
  d["timeout_s"] = seconds_or_none(o.timeout);
  d["timeout_signal"] = o.timeout ? signal_or_none(o.timeout_signal) : py::none();
  d["kill_after_s"] = o.timeout ? py::cast(seconds(o.kill_after)) : py::none();
  d["cpu_time_s"] = seconds_or_none(o.cpu_time);
  py::list rl;
  for (const auto& [resource, limit] : r.rlimits)
    rl.append(py::dict(py::arg("name") = std::string(info(resource).name), py::arg("soft") = rlimit_side(limit.soft),
                       py::arg("hard") = rlimit_side(limit.hard)));
  d["rlimits"] = rl;
  d["guard"] = o.guard ? py::object(py::dict(py::arg("metric") = std::string(guard_metric_name(o.guard->metric)),
                                             py::arg("limit_bytes") = or_none(o.guard->limit),
                                             py::arg("action") = std::string(guard_action_name(o.guard->action)),
                                             py::arg("grace_s") = seconds(o.guard->grace)))
                       : py::none();
  return d;
}

py::object job_dict(const RunJobReport& j) {
  if (j.name.empty()) return py::none();
  py::dict d;
  d["name"] = j.name;
  d["cgroup"] = j.cgroup;
  d["unit"] = j.unit.empty() ? py::none() : py::cast(j.unit);
  d["kept"] = j.kept;
  d["peak_memory_bytes"] = or_none(j.peak_memory_bytes);
  d["cpu_s"] = seconds(j.cpu);
  d["cpu_user_s"] = seconds_or_none(j.cpu_user);
  d["cpu_system_s"] = seconds_or_none(j.cpu_system);
  d["oom_kill_count"] = j.oom_kills;
  d["memory_limit_hit_count"] = j.memory_limit_hits;
  d["peak_pids_count"] = or_none(j.pids_peak);
  d["pids_limit_hit_count"] = j.pids_limit_hits;
  d["throttled_period_count"] = or_none(j.throttled_periods);
  d["throttled_s"] = seconds_or_none(j.throttled);
  d["leftovers_killed_count"] = j.leftovers_killed;
  return d;
}

py::object guard_dict(const std::optional<GuardResult>& g) {
  if (!g) return py::none();
  py::dict d;
  d["metric"] = std::string(guard_metric_name(g->stats.metric));
  d["limit_bytes"] = or_none(g->stats.limit);
  d["peak_bytes"] = g->stats.current || g->stats.peak ? py::cast(g->stats.peak) : py::none();
  d["rss_peak_bytes"] = g->stats.rss_peak;
  if (g->breach) {
    const auto& b = *g->breach;
    d["breach"] =
        py::dict(py::arg("event") = "breach", py::arg("time") = utc_datetime(b.time).attr("isoformat")(),
                 py::arg("name") = b.name, py::arg("pid") = b.pid ? py::cast(b.pid) : py::none(),
                 py::arg("metric") = std::string(guard_metric_name(b.metric)), py::arg("value_bytes") = b.value,
                 py::arg("limit_bytes") = b.limit, py::arg("process_count") = b.processes,
                 py::arg("action") = std::string(guard_action_name(b.action)),
                 py::arg("signal") = signal_or_none(b.signal), py::arg("signalled_count") = b.signalled);
  } else {
    d["breach"] = py::none();
  }
  d["sigkill_sent"] = g->sigkill_time.has_value();
  d["sample_count"] = g->stats.samples;
  d["walk_count"] = g->stats.walks;
  return d;
}

py::dict report_dict(const RunReport& r, const RunOptions& o) {
  py::dict d;
  d["schema_version"] = 1;
  d["report"] = "run";
  d["command"] = r.argv;
  d["status"] = r.status.exited() ? "exited" : "signaled";
  d["verdict"] = std::string(verdict_name(r.verdict()));
  d["reins_exit_code"] = r.exit_code();
  d["command_exit_code"] = r.status.exited() ? py::cast(r.status.exit_code()) : py::none();
  d["command_signal"] = r.status.signaled() ? signal_or_none(r.status.signal()) : py::none();
  d["killed_by"] = r.killed_by ? py::cast(std::string(kill_reason_name(*r.killed_by))) : py::none();
  d["kill_detail"] = r.killed_by ? py::cast(r.kill_detail) : py::none();
  d["timeout_sigkilled"] = r.timeout_sigkilled;
  d["error"] = py::none();
  d["wall_s"] = seconds(r.wall);
  d["user_s"] = seconds(r.rusage.user_time);
  d["system_s"] = seconds(r.rusage.system_time);
  d["max_rss_bytes"] = r.rusage.max_rss_bytes;
  d["minor_fault_count"] = r.rusage.minor_faults;
  d["major_fault_count"] = r.rusage.major_faults;
  d["voluntary_context_switch_count"] = r.rusage.voluntary_switches;
  d["involuntary_context_switch_count"] = r.rusage.involuntary_switches;
  d["block_input_count"] = r.rusage.block_inputs;
  d["block_output_count"] = r.rusage.block_outputs;
  py::list sigs;
  for (int s : r.signals_forwarded) sigs.append(signal_or_none(s));
  d["signals_forwarded"] = sigs;
  d["signals_forwarded_count"] = r.signals_forwarded_count;
  d["limits"] = limits_dict(o, r);
  d["job"] = job_dict(r.job);
  d["job_unavailable"] = or_none(r.job.unavailable);
  py::list enclosing;
  for (const auto& l : r.job.enclosing_limits)
    enclosing.append(
        py::dict(py::arg("property") = l.property, py::arg("cgroup") = l.cgroup, py::arg("value") = l.value));
  d["enclosing_limits"] = enclosing;
  d["guard"] = guard_dict(r.guard);
  d["notes"] = r.notes;
  return d;
}

RunOptions run_options(const std::vector<std::string>& argv, const py::kwargs& kw) {
  py::dict spawn, limits;
  RunOptions o;
  RunGuardOptions guard;
  bool guarded = false;
  for (auto item : kw) {
    auto key = item.first.cast<std::string>();
    py::handle v = item.second;
    if (among(key, kLimitKeywords)) {
      limits[item.first] = v;
      continue;
    }
    if (among(key, kSpawnKeywords)) {
      spawn[item.first] = v;
      continue;
    }
    if (v.is_none()) continue;
    if (key == "timeout") {
      o.timeout = duration_arg(v, key, true);
    } else if (key == "kill_after") {
      o.kill_after = duration_arg(v, key);
    } else if (key == "timeout_signal") {
      o.timeout_signal = v.cast<int>();
    } else if (key == "preserve_status") {
      o.preserve_status = v.cast<bool>();
    } else if (key == "cpu_time") {
      o.cpu_time = duration_arg(v, key, true);
    } else if (key == "max_pss" || key == "max_rss" || key == "max_uss") {
      if (guarded) throw py::value_error("give one of max_pss, max_rss, max_uss");
      guarded = true;
      guard.metric = parse_guard_metric(key.substr(4));
      guard.limit = bytes_arg(v, key);
    } else if (key == "guard_action") {
      auto a = v.cast<std::string>();
      if (a != "kill" && a != "report")
        throw py::value_error(fmt::format("guard_action '{}': expected 'kill' or 'report'", a));
      guard.action = a == "kill" ? GuardAction::kill : GuardAction::report;
    } else if (key == "guard_interval") {
      guard.interval = duration_arg(v, key, true);
    } else if (key == "guard_grace") {
      guard.grace = duration_arg(v, key);
    } else if (key == "job") {
      o.job.enabled = v.cast<bool>();
    } else if (key == "keep_job") {
      o.job.keep_name = v.cast<std::string>();
    } else if (key == "in_job") {
      o.job.existing_name = v.cast<std::string>();
    } else if (key == "trace") {
      o.trace_path = py::str(v).cast<std::string>();
    } else if (key == "trace_interval") {
      o.trace_interval = duration_arg(v, key, true);
    } else {
      throw py::type_error(fmt::format(
          "unexpected keyword argument '{}' (valid: the job limits {}; the spawn keywords {}; and timeout, kill_after, "
          "timeout_signal, preserve_status, cpu_time, max_pss, max_rss, max_uss, guard_action, guard_interval, "
          "guard_grace, job, keep_job, in_job, trace, trace_interval)",
          key, keyword_list(kLimitKeywords), keyword_list(kSpawnKeywords)));
    }
  }
  o.command = command_arg(argv, py::kwargs(spawn));
  o.job.limits = limits_arg(limits);
  if (guarded) o.guard = guard;
  check_run_options(o);
  return o;
}

}  // namespace

void bind_run(py::module_& m) {
  m.def(
      "run",
      [](const std::vector<std::string>& argv, const py::kwargs& kw) {
        RunOptions o = run_options(argv, kw);
        RunReport r;
        {
          py::gil_scoped_release nogil;
          r = run(o);
        }
        return report_dict(r, o);
      },
      py::arg("argv"));
}

}  // namespace reins::python
