"""The shipped deployment files: nginx's passes `nginx -t` and serves the widget server
with the real client's address and a cache; the systemd units pass `systemd-analyze
verify`."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import free_port, running_server, server_env

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _certificate(where: Path) -> tuple[Path, Path]:
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def _rendered(tmp: Path, backend: int, http: int, https: int) -> Path:
    """The shipped file as an operator would edit it: their names, ports and paths."""
    cert, key = _certificate(tmp)
    text = (DEPLOY / "nginx" / "widget-server.conf").read_text()
    for old, new in [("server 127.0.0.1:8000;", f"server 127.0.0.1:{backend};"),
                     ("/var/cache/nginx/widget-server", str(tmp / "cache")),
                     ("/etc/ssl/certs/widgets.example.com.pem", str(cert)),
                     ("/etc/ssl/private/widgets.example.com.key", str(key)),
                     ("listen 80;", f"listen 127.0.0.1:{http};"),
                     ("listen [::]:80;", ""), ("listen [::]:443 ssl http2;", ""),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")]:
        assert old in text, old
        text = text.replace(old, new)
    (tmp / "widget-server.conf").write_text(text)
    main = tmp / "nginx.conf"
    # Workers as the test's own user: they write the cache under the test's private tmp.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(f"{user}daemon off; pid {tmp}/nginx.pid; error_log {tmp}/error.log;\n"
                    "events {}\n"
                    f"http {{ access_log off; client_body_temp_path {tmp}/body; "
                    f"proxy_temp_path {tmp}/proxy; include {tmp}/widget-server.conf; }}\n")
    return main


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    backend, http, https = free_port(), free_port(), free_port()
    config = _rendered(tmp_path, backend, http, https)
    checked = subprocess.run(["nginx", "-t", "-c", str(config), "-p", str(tmp_path)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(["nginx", "-c", str(config), "-p", str(tmp_path)],
                            stderr=subprocess.DEVNULL)
    try:
        yield f"https://127.0.0.1:{https}", tmp_path
    finally:
        proc.terminate()
        proc.wait(10)


def test_nginx_serves_the_real_client_and_caches(nginx: tuple[str, Path],
                                                 tmp_path: Path) -> None:
    base, tmp = nginx
    port = int((tmp / "widget-server.conf").read_text().split("server 127.0.0.1:")[1]
               .split(";")[0])
    env = server_env(tmp / "data", WIDGET_TRUSTED_PROXIES="127.0.0.1")
    with running_server(["serve", "--access-log"], env, port=port) as server:
        with httpx.Client(verify=False, timeout=10) as client:
            first = client.get(base + "/api/groups/jumpy",
                               headers={"X-Forwarded-For": "203.0.113.99"})  # a lie
            again = client.get(base + "/api/groups/jumpy")
            metrics = client.get(base + "/metrics")
        time.sleep(0.5)
        logged = server.logged()
    assert first.status_code == 200 and first.headers["x-cache-status"] == "MISS"
    assert again.headers["x-cache-status"] == "HIT"
    assert metrics.status_code == 200  # this machine: nginx lets it through
    lines = [line for line in logged.splitlines() if "/api/groups/jumpy" in line]
    assert lines and all("127.0.0.1" in line for line in lines)
    assert "203.0.113.99" not in logged  # the client's claim never reached the server


@pytest.mark.parametrize("unit", ["widget-server.service", "widget-server-gupshup.service"])
def test_the_systemd_units_verify(tmp_path: Path, unit: str) -> None:
    installed = Path(sys.executable).parent / "widget-server"
    text = (DEPLOY / "systemd" / unit).read_text().replace(
        "/opt/widget-server/.venv/bin/widget-server", str(installed))
    (tmp_path / unit).write_text(text)
    assert shutil.which("systemd-analyze"), "systemd-analyze (Debian's systemd) is needed"
    checked = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)],
                             capture_output=True, text=True)
    problems = [line for line in checked.stderr.splitlines()
                if not re.search(r"Failed to (connect|open)|bus|No such file or directory: "
                                 r"'?/etc/widget-server", line)]
    assert checked.returncode == 0 and not problems, checked.stderr


def _port_free(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/livez", timeout=0.5)
    except httpx.TransportError:
        return True
    return False


def test_workers_die_with_their_parent_and_free_the_port(tmp_path: Path) -> None:
    """Operators' trial: `kill -9` of the `--workers` parent left the workers holding the
    port, and the supervisor's restart failed "Address already in use"."""
    port = free_port()
    env = server_env(tmp_path / "data")
    with running_server(["serve", "--workers", "2"], env, port=port) as server:
        server.kill()
        deadline = time.monotonic() + 5
        while not _port_free(port):
            assert time.monotonic() < deadline, "the workers outlived their parent"
            time.sleep(0.1)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sighup_is_the_same_clean_stop_in_both_modes(tmp_path: Path, workers: str) -> None:
    with running_server(["serve", "--workers", workers], server_env(tmp_path / "data")) as server:
        server.proc.send_signal(signal.SIGHUP)
        assert server.proc.wait(20) == 0


def test_every_line_is_json_with_workers_when_asked(tmp_path: Path) -> None:
    env = server_env(tmp_path / "data", WIDGET_LOG_FORMAT="json", WIDGET_LOG_LEVEL="INFO")
    with running_server(["serve", "--workers", "2", "--access-log"], env) as server:
        for path in ("/api/groups/jumpy", "/api/groups/nosuch", "/widget/groups/jumpy"):
            httpx.get(server.base + path)
        server.proc.terminate()
        server.proc.wait(20)
        logged = server.logged()
    lines = [line for line in logged.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line: the app's and uvicorn's
    assert all({"time", "level", "logger", "pid", "message"} <= r.keys() for r in records)
    assert {r["logger"] for r in records} >= {"uvicorn.access", "uvicorn.error",
                                              "widget_server"}
    assert len({r["pid"] for r in records}) >= 3  # the parent and both workers
