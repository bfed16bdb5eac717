"""reins.resource against the stock resource module, call for call: the same value or the same exception
type for each argument, valid or not (CPython's own test_resource runs too: cpython_test_resource.py)."""

import os
import resource as stock
import subprocess
import sys

import pytest

import reins
import reins.resource as ours


def outcome(fn, *args):
    try:
        return ("value", fn(*args))
    except BaseException as e:  # noqa: BLE001 - the exception's type is what is compared
        return ("raises", type(e).__name__, str(e))


def same(name, *args):
    a, b = outcome(getattr(stock, name), *args), outcome(getattr(ours, name), *args)
    assert a[:2] == b[:2], f"{name}{args}: stock {a}, reins {b}"
    return b


NOFILE = stock.RLIMIT_NOFILE


def test_names_and_constants_match():
    missing = {n for n in dir(stock) if not n.startswith("_")} - set(dir(ours))
    assert not missing
    for n in dir(stock):
        if n.startswith(("RLIM", "RUSAGE")):
            assert getattr(ours, n) == getattr(stock, n), n
    assert ours.error is OSError
    assert ours.RLIM_INFINITY == -1


@pytest.mark.parametrize("arg", [NOFILE, stock.RLIMIT_AS, stock.RLIMIT_CPU, 99, -1, 1.0, "1", True, 10**30, None])
def test_getrlimit(arg):
    same("getrlimit", arg)


def test_getrlimit_every_resource():
    for n in dir(stock):
        if n.startswith("RLIMIT_"):
            assert ours.getrlimit(getattr(stock, n)) == stock.getrlimit(getattr(stock, n)), n


def test_argument_counts():
    for name, args in [("getrlimit", ()), ("getrlimit", (1, 2)), ("setrlimit", ()), ("setrlimit", (1,)),
                       ("setrlimit", (1, 2, 3)), ("getrusage", ()), ("prlimit", ()), ("prlimit", (0,)),
                       ("prlimit", (0, 1, (1, 1), 4)), ("getpagesize", (1,))]:
        assert same(name, *args)[:2] == ("raises", "TypeError"), (name, args)


def test_keywords_refused_like_stock():
    with pytest.raises(TypeError):
        ours.prlimit(pid=0, resource=NOFILE)
    with pytest.raises(TypeError):
        ours.getrlimit(resource=NOFILE)


def test_setrlimit_cases_in_a_child():
    # Each case in a fresh child, for both modules: limits changed there cannot affect this test process.
    code = r"""
import resource as stock, sys, json
import reins.resource as ours
mod = ours if sys.argv[1] == "reins" else stock
cur, mx = mod.getrlimit(mod.RLIMIT_NOFILE)
out = []
def t(*args):
    try: mod.setrlimit(*args); out.append(["ok", list(mod.getrlimit(args[0]))])
    except BaseException as e: out.append([type(e).__name__, str(e)])
t(mod.RLIMIT_NOFILE, (cur, mx)); t(mod.RLIMIT_NOFILE, (mx + 1, mx)); t(mod.RLIMIT_NOFILE, (cur, mx + 1))
t(mod.RLIMIT_NOFILE, (cur,)); t(mod.RLIMIT_NOFILE, (1.5, mx)); t(mod.RLIMIT_NOFILE, "ab"); t(mod.RLIMIT_NOFILE, 5)
t(mod.RLIMIT_NOFILE, (-2, mx)); t(99, (1, 1)); t(-1, (1, 1)); t(mod.RLIMIT_FSIZE, (10**50, -1))
t(mod.RLIMIT_FSIZE, (2**63, -1)); t(mod.RLIMIT_CORE, [0, -1]); t(mod.RLIMIT_CORE, (-3, -1)); t(mod.RLIMIT_CORE, (0, 0))
t(mod.RLIMIT_CORE, (0, -1)); t(mod.RLIMIT_NOFILE, (64, 128)); t(mod.RLIMIT_NOFILE, (64, 4096))
print(json.dumps(out))
"""
    results = {}
    for which in ("stock", "reins"):
        p = subprocess.run([sys.executable, "-c", code, which], capture_output=True, text=True, check=True)
        results[which] = p.stdout
    assert results["stock"] == results["reins"]


def test_prlimit_matches_stock():
    same("prlimit", -1, stock.RLIMIT_AS)
    same("prlimit", 0, 99)
    same("prlimit", 0, stock.RLIMIT_AS, None)
    same("prlimit", 0, stock.RLIMIT_AS, (1,))
    same("prlimit", 2**40, NOFILE)
    same("prlimit", 99999999, NOFILE)
    same("prlimit", 0, NOFILE)
    assert same("prlimit", 1, NOFILE)[0] == "value"


def test_prlimit_returns_the_old_limits_of_another_process():
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        before = stock.prlimit(child.pid, NOFILE)
        old = ours.prlimit(child.pid, NOFILE, (64, before[1]))
        assert old == before
        assert stock.prlimit(child.pid, NOFILE) == (64, before[1])
        # Raising the hard limit without CAP_SYS_RESOURCE is PermissionError from prlimit, as in CPython.
        if not reins.has_cap_sys_resource() and before[1] != -1:
            assert same("prlimit", child.pid, NOFILE, (64, before[1] + 1))[1] == "PermissionError"
    finally:
        child.stdin.close()
        child.wait()


def test_getrusage_is_a_struct_rusage_with_16_fields():
    u = ours.getrusage(ours.RUSAGE_SELF)
    s = stock.getrusage(stock.RUSAGE_SELF)
    assert isinstance(u, ours.struct_rusage) and isinstance(u, tuple)
    assert len(u) == 16 and u.n_fields == 16 == s.n_fields
    assert [f for f in dir(s) if f.startswith("ru_")] == [f for f in dir(u) if f.startswith("ru_")]
    # ru_maxrss is KiB in both, and only grows.
    assert s.ru_maxrss <= u.ru_maxrss <= stock.getrusage(stock.RUSAGE_SELF).ru_maxrss
    assert isinstance(u.ru_utime, float) and isinstance(u.ru_maxrss, int)
    assert ours.struct_rusage.__doc__ == stock.struct_rusage.__doc__


@pytest.mark.parametrize("who", [0, -1, 1, -2, 5, 1.0, "0", None])
def test_getrusage_who(who):
    a, b = outcome(stock.getrusage, who), outcome(ours.getrusage, who)
    assert a[0] == b[0] and (a[0] == "value" or a[1] == b[1]), (a, b)  # the figures move between the calls


def test_getrusage_times_are_computed_as_cpython_does():
    # Of a finished child the figures are fixed: both modules must give the very same floats.
    subprocess.run([sys.executable, "-c", "sum(range(1_000_000))"], check=True)
    assert tuple(ours.getrusage(ours.RUSAGE_CHILDREN)) == tuple(stock.getrusage(stock.RUSAGE_CHILDREN))


def test_getrusage_children_counts_a_child():
    before = ours.getrusage(ours.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "sum(range(3_000_000))"], check=True)
    after = ours.getrusage(ours.RUSAGE_CHILDREN)
    assert after.ru_utime + after.ru_stime > before.ru_utime + before.ru_stime
    assert after.ru_maxrss > 0


def test_getpagesize():
    assert ours.getpagesize() == stock.getpagesize() == os.sysconf("SC_PAGE_SIZE")
