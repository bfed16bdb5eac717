"""CPython's own Lib/test/test_resource.py (Debian's libpython3.11-testsuite), unchanged, run twice: against
the stock resource module and against reins.resource put in its place. Fails unless every test that passes
for the stock module passes for reins' too (and the run against reins found the tests at all).
Exit 77 (a skip, with the reason) when the test suite is not installed."""

import json
import subprocess
import sys

RUNNER = r"""
import json, sys, unittest
if sys.argv[1] == "reins":
    import reins.resource
    sys.modules["resource"] = reins.resource
try:
    from test import test_resource
except ImportError as e:
    print(json.dumps({"missing": str(e)})); sys.exit(0)
assert (test_resource.resource.__name__ == "reins.resource") == (sys.argv[1] == "reins"), test_resource.resource
result = unittest.TestResult()
unittest.defaultTestLoader.loadTestsFromModule(test_resource).run(result)
bad = {t.id(): tb for t, tb in result.failures + result.errors}
skipped = {t.id(): why for t, why in result.skipped}
print(json.dumps({"run": result.testsRun, "bad": bad, "skipped": skipped}))
"""


def outcome(which):
    out = subprocess.run([sys.executable, "-c", RUNNER, which], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        sys.exit(f"{which}: the runner failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    stock, ours = outcome("stock"), outcome("reins")
    if "missing" in stock:
        print(f"SKIP: CPython's test suite is not installed ({stock['missing']}): apt-get install libpython3.11-testsuite")
        return 77
    if ours["run"] == 0:
        sys.exit("no test ran against reins.resource")
    stock_passed = stock["run"] - len(stock["bad"]) - len(stock["skipped"])
    regressions = {t: tb for t, tb in ours["bad"].items() if t not in stock["bad"]}
    newly_skipped = set(ours["skipped"]) - set(stock["skipped"])
    print(f"test_resource: stock {stock_passed} passed of {stock['run']}; reins.resource "
          f"{ours['run'] - len(ours['bad']) - len(ours['skipped'])} passed, {len(ours['bad'])} failed, "
          f"{len(ours['skipped'])} skipped")
    for t, why in ours["skipped"].items():
        print(f"  skipped (as for the stock module: {t in stock['skipped']}): {t}: {why}")
    for t, tb in regressions.items():
        print(f"FAIL {t}\n{tb}")
    for t in newly_skipped:
        print(f"FAIL {t}: skipped for reins.resource only: {ours['skipped'][t]}")
    return 1 if regressions or newly_skipped else 0


if __name__ == "__main__":
    sys.exit(main())
