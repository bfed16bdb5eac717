"""Waiting on a file descriptor the way every blocking call of the package does: in poll(2), with the GIL
released, so other threads run and Ctrl-C (KeyboardInterrupt) ends the wait at once."""

import math
import select
import time


def seconds(timeout, what="timeout"):
    """A timeout in seconds (int, float or timedelta), or None for none; ValueError when negative."""
    if timeout is None:
        return None
    if hasattr(timeout, "total_seconds"):
        timeout = timeout.total_seconds()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{what}: expected seconds (int or float) or a timedelta, got {type(timeout).__name__}")
    if not math.isfinite(timeout) or timeout < 0:
        raise ValueError(f"{what}: {timeout!r} is not a valid duration (0 or more seconds)")
    return float(timeout)


def readable(fds, timeout=None):
    """Blocks until one of `fds` polls readable or `timeout` seconds pass; returns the readable ones."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN | select.POLLPRI)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready = poller.poll(None if left is None else math.ceil(left * 1000))
        if ready or (left is not None and left <= 0):
            return [fd for fd, _ in ready]
