"""Real servers on loopback ports for tests that need real HTTP."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import httpx
import uvicorn


@contextlib.contextmanager
def live_server(app: Any, lifespan: Literal["auto", "on", "off"] = "auto",
                port: int = 0) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on a loopback port (a free one unless given:
    a restart serves on the port it had); yield its base URL. The app's lifespan runs in
    the server's loop (its background tasks, as in production) when it has one."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan,
                                            timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a server process a test starts: the caller's, without any
    `WIDGET_*` setting of its own, with its data in `data_dir` and the given settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WIDGET_")}
    return {**clean, "WIDGET_DATA_DIR": str(data_dir), **settings}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Running:
    """A server process: its base URL, and the process to kill."""

    base: str
    proc: subprocess.Popen[bytes]
    log: IO[bytes]

    def logged(self) -> str:
        """What the server has written to its log so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """`kill -9`: no shutdown, no flushing, whatever it was doing."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(15)


@contextlib.contextmanager
def running_server(args: list[str], env: dict[str, str], cwd: Path | None = None,
                   port: int = 0,
                   preexec: Callable[[], None] | None = None) -> Iterator[Running]:
    """`python -m widget_server ARGS --port P` in a process of its own (on a free port
    unless given; `preexec` runs in it first: a resource limit), once its `/healthz`
    answers."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    # Logs to a file: a pipe nobody reads would fill and stall the server.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "widget_server", *args, "--port", str(port)],
            cwd=cwd, env=env, stdout=log, stderr=log, preexec_fn=preexec)
        try:
            _wait_healthy(base, proc, log)
            yield Running(base, proc, log)
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(15)


@contextlib.contextmanager
def server_process(args: list[str], env: dict[str, str],
                   cwd: Path | None = None) -> Iterator[str]:
    """`running_server`, for tests that need only its base URL."""
    with running_server(args, env, cwd) as server:
        yield server.base


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    for _ in range(200):
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return
        except httpx.TransportError:
            if proc.poll() is not None:
                log.seek(0)
                raise AssertionError(log.read().decode(errors="replace")) from None
            time.sleep(0.05)
    raise AssertionError(f"{base} never answered /healthz")
