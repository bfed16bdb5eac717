#!/usr/bin/python3
"""Every --json output of every reins command, validated against its schema in schemas/.

Usage: check_json_schemas.py REINS TESTPROC processes|jobs
  processes: run (ok, timeout, guard, failure), init, mem (pid, tree, system, watch), limit, watch
  jobs:      job stat, list, events, clean, and a run with job limits (needs a cgroup job: exits 77 without)

Each document is also mutated (a key renamed, schema_version removed) and must then fail: the negative
control that shows the schemas are strict (additionalProperties: false, required keys).
"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REINS, TESTPROC, PART = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []
checked = 0


def schema(name):
    with open(os.path.join(ROOT, "schemas", name + ".schema.json")) as f:
        s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s)


def run(args, **kw):
    return subprocess.run([REINS] + args, capture_output=True, text=True, timeout=60, **kw)


def lines_of(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def check(what, validator, doc):
    global checked
    checked += 1
    errors = sorted(validator.iter_errors(doc), key=str)
    if errors:
        failures.append(f"{what}: {errors[0].message} at {list(errors[0].absolute_path)}")
        return
    # Negative controls: the same document with schema_version gone, and with a key no schema knows.
    broken = dict(doc)
    broken.pop("schema_version", None)
    if validator.is_valid(broken):
        failures.append(f"{what}: still valid without schema_version (the schema is not strict)")
    broken = dict(doc, exit_code=0)
    if validator.is_valid(broken):
        failures.append(f"{what}: still valid with an unknown key 'exit_code' (the schema is not strict)")


def check_output(what, validator, proc, want_lines=None):
    docs = lines_of(proc.stdout)
    if not docs:
        failures.append(f"{what}: no JSON on stdout (exit {proc.returncode}; stderr: {proc.stderr[:300]})")
        return
    if want_lines is not None and len(docs) != want_lines:
        failures.append(f"{what}: {len(docs)} JSON lines, expected {want_lines}")
    for d in docs:
        check(what, validator, d)


def processes():
    report = schema("run-report")
    check_output("run ok", report, run(["run", "--no-job", "--json", "-", "--", "true"]), 1)
    check_output("run with a report of the job", report, run(["run", "--json", "-", "--", "true"]), 1)
    check_output("run timeout", report,
                 run(["run", "--no-job", "--timeout", "100ms", "-k", "100ms", "--rlimit", "nofile=64",
                      "--json", "-", "--", TESTPROC, "ignore-term"]), 1)
    check_output("run guard", report,
                 run(["run", "--no-job", "--max-rss", "40M", "--guard-grace", "0", "--json", "-", "--",
                      TESTPROC, "memhog", "100"]), 1)
    check_output("run failure", report, run(["run", "--json", "-", "--", "/nonexistent/program"]), 1)
    check_output("init", report, run(["init", "--subreaper", "--no-job", "--json", "-", "--", "true"]), 1)
    mem = schema("mem")
    me = str(os.getpid())
    check_output("mem PID", mem, run(["mem", "--json", "-", me]), 1)
    check_output("mem --tree", mem, run(["mem", "--tree", "--json", "-", me]), 1)
    check_output("mem --system", mem, run(["mem", "--system", "--json", "-"]), 1)
    check_output("mem --watch", mem, run(["mem", "--watch", "10ms", "--count", "2", "--json", "-", me]), 2)
    check_output("limit", schema("limit"), run(["limit", "--json", "-"]), 1)
    watch = schema("watch")
    hog = subprocess.Popen([TESTPROC, "memhog", "64", "5"], stdout=subprocess.PIPE)
    hog.stdout.readline()  # "ready"
    check_output("watch breach and end", watch,
                 run(["watch", "--pid", str(hog.pid), "--max-rss", "32M", "--grace", "0", "--json", "-"]), 2)
    hog.wait()


def jobs():
    name = f"reins-schema-{os.getpid()}"
    if run(["job", "create", name, "-m", "64M", "--pids", "20"]).returncode != 0:
        print("SKIP: no cgroup job can be made here")
        sys.exit(77)
    try:
        check_output("job stat", schema("job-stat"), run(["job", "stat", name, "--json", "-"]), 1)
        check_output("job list", schema("job-list"), run(["job", "list", "--json", "-"]), 1)
        events = subprocess.Popen([REINS, "job", "events", name, "--json", "-", "--until-empty"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        events.stderr.readline()  # "reins: watching job ...": from here on nothing is missed
        run(["job", "exec", name, "--", "true"])
        out, _ = events.communicate(timeout=30)
        check_output("job events", schema("job-event"), subprocess.CompletedProcess([], 0, out, ""))
        check_output("job clean", schema("job-list"), run(["job", "clean", "--json", "-"]), 1)
        check_output("run with job limits", schema("run-report"),
                     run(["run", "-m", "64M", "--pids", "20", "--cpus", "0.5", "--cpu-time", "5s", "--json", "-",
                          "--", "true"]), 1)
    finally:
        run(["job", "rm", name])


processes() if PART == "processes" else jobs()
for f in failures:
    print("FAIL:", f)
print(f"{checked} documents checked, {len(failures)} failures")
sys.exit(1 if failures else 0)
