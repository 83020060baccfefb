"""A Redis of the tests' own: `WIDGET_TEST_REDIS_URL` when given, else a `redis-server`
started on a free loopback port at first use and stopped when the tests end. Never a skip:
without redis-server the tests that need it fail and say how to install it."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import tempfile
import time

DB = 15  # the tests' own database, when the server is someone else's


@functools.cache
def redis_url() -> str:
    """The base URL of the tests' Redis (database 15)."""
    given = os.environ.get("WIDGET_TEST_REDIS_URL")
    return given or f"redis://127.0.0.1:{_start()}/{DB}"


def redis_address() -> tuple[str, int]:
    host, port = redis_url().split("//")[1].split("/")[0].split(":")
    return host, int(port)


def _start() -> int:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: apt-get install redis-server "
                           "(or set WIDGET_TEST_REDIS_URL to a Redis the tests may use)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    folder = tempfile.mkdtemp(prefix="test-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", folder, "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(_stop, proc, folder)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return port
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"redis-server did not listen on port {port}")


def _stop(proc: subprocess.Popen[bytes], folder: str) -> None:
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(folder, ignore_errors=True)
