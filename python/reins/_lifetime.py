"""What is still running when the interpreter exits is ended then, in an atexit handler: Python does not
promise to destroy objects at exit, and reins promises to leave nothing running (a child, a job) and to stop
its threads while they can still take the GIL to finish a callback. Threads first, then what they watch."""

import atexit
import weakref

_threads = weakref.WeakSet()  # guards, samplers, reapers: stopped first
_owners = weakref.WeakSet()  # processes and jobs: SIGKILLed and reaped, removed


def track_thread(obj):
    _threads.add(obj)


def track_owner(obj):
    _owners.add(obj)


@atexit.register
def _end_everything():
    for group in (_threads, _owners):
        for obj in list(group):
            try:
                obj._at_exit()
            except Exception:  # noqa: BLE001,S110 - at exit an error has nobody to go to; the next goes on
                pass
