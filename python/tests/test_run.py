"""reins.run(): its report has the keys of `reins run --json` (validated against the schema) and the same
figures the CLI reports for the same command."""

import json
import os
import pathlib
import shutil
import subprocess

import pytest

import reins

SCHEMA = pathlib.Path(__file__).resolve().parents[2] / "schemas" / "run-report.schema.json"


def validate(report):
    jsonschema = pytest.importorskip("jsonschema", reason="python3-jsonschema validates the report")
    jsonschema.validate(report.as_dict(), json.loads(SCHEMA.read_text()))


def test_exit_code_verdict_and_schema():
    report = reins.run(["sh", "-c", "exit 3"], job=False)
    assert report.verdict == "exited-nonzero" and report.command_exit_code == 3 and report.reins_exit_code == 3
    assert report.job is None and not report.ok
    validate(report)


def test_timeout_is_reported_as_timeout_s():
    report = reins.run(["sleep", "30"], timeout=0.2, kill_after=1, job=False)
    assert report.verdict == "timeout" and report.killed_by == "timeout" and report.reins_exit_code == 124
    assert report.limits.timeout_s == pytest.approx(0.2) and report.limits.timeout_signal == "SIGTERM"
    validate(report)


def test_rlimits_as_applied_are_in_the_report():
    report = reins.run(["true"], rlimits={"nofile": (64, None)}, job=False)
    (nofile,) = report.limits.rlimits
    assert nofile["name"] == "nofile" and nofile["soft"] == 64
    validate(report)


def test_with_a_job_the_report_has_its_figures(job_factory):
    job_factory()  # skips where no job can be made
    report = reins.run(["sh", "-c", "sleep 0.01 & sleep 0.01 & wait"], pids_max=16)
    assert report.ok and report.job.name and report.limits.pids_max_count == 16
    assert report.job.peak_pids_count in (None, 3) or report.job.peak_pids_count >= 1
    validate(report)


def test_the_same_keys_and_verdict_as_the_cli(tmp_path):
    cli = shutil.which("reins", path=os.environ.get("REINS_CLI_DIR") or None)
    if not cli:
        pytest.skip("the reins CLI is not on PATH (REINS_CLI_DIR names its directory under ctest)")
    out = tmp_path / "report.json"
    subprocess.run([cli, "run", "--no-job", "--timeout", "5", "--json", str(out), "--", "sh", "-c", "exit 4"],
                   check=False, capture_output=True)
    theirs = json.loads(out.read_text())
    ours = reins.run(["sh", "-c", "exit 4"], timeout=5, job=False).as_dict()

    def shape(d):
        return {k: shape(v) if isinstance(v, dict) else type(v).__name__ for k, v in d.items()}

    assert shape(ours) == shape(theirs)
    for key in ("verdict", "reins_exit_code", "command_exit_code", "status", "limits", "job", "notes"):
        assert ours[key] == theirs[key], key


def test_bad_options():
    with pytest.raises(TypeError, match="valid: the job limits"):
        reins.run(["true"], memory_maximum="1G")
    with pytest.raises(ValueError, match="timeout"):
        reins.run(["true"], timeout=-1)
    with pytest.raises(reins.InvalidArgument):
        reins.run(["true"], job=False, memory_max="1G")
    with pytest.raises(reins.SpawnError) as e:
        reins.run(["/nonexistent"], job=False)
    assert e.value.shell_code == 127


def test_every_spawn_keyword_reaches_run():
    # run() sorts its keywords by the lists the spawn and the job limits parse: each spawn keyword is taken.
    r, w = os.pipe()
    report = reins.run(["sh", "-c", "ulimit -n; pwd"], job=False, stdout=w, cwd="/", rlimits={"nofile": 99},
                       parent_death_signal=9, new_process_group=True, env={"PATH": os.environ["PATH"]})
    os.close(w)
    assert os.read(r, 100).split() == [b"99", b"/"] and report.ok
    os.close(r)
