"""A worker process (`--workers`) ends when its parent does, even by `kill -9`: otherwise
the orphans keep the listening port and a restarted server cannot bind it."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1
PARENT = "WIDGET_SERVER_PARENT_PID"  # set by the parent: a worker slow to start still knows


def die_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent dies (Linux); elsewhere, a thread that
    watches the parent's pid does the same. A parent that died before this worker got here
    (its pid is in the environment) ends it at once."""
    parent = int(os.environ.get(PARENT) or os.getppid())
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        threading.Thread(target=_watch, args=(parent,), daemon=True,
                         name="parent-watch").start()
    if os.getppid() != parent:  # it died before the kernel was asked
        os.kill(os.getpid(), signal.SIGTERM)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)
