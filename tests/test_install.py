"""`pip install <checkout>` (not editable) gives a server that runs from any directory:
templates and static files ship inside the package."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CHECKOUT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_installed_package_serves_from_an_empty_directory(tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(CHECKOUT)], check=True, timeout=300)
    assert (site / "widget_server" / "templates" / "group.html").is_file()
    assert (site / "widget_server" / "static" / "embed.js").is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(site), "WIDGET_DATA_DIR": str(tmp_path / "data")}
    server = subprocess.Popen([sys.executable, "-m", "widget_server", "serve", "--port",
                               str(port)], cwd=empty, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        info = httpx.get(base + "/GupshupAPI/rest", params={
            "method": "groups.getInfo", "group": "jumpy", "v": "1.0", "format": "json"}).json()
        assert info["response"]["group"]["name"] == "jumpy"
        widget = httpx.get(base + "/widget/groups/jumpy")
        assert widget.status_code == 200 and "Jumpy" in widget.text
        css = re.search(r'href="(/static/[^"]+\.css)"', widget.text)
        assert css and httpx.get(base + css.group(1)).status_code == 200
        assert not list(empty.iterdir())  # nothing written to the working directory
    finally:
        server.terminate()
        server.wait(10)
