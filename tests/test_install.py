"""`pip install <checkout>` (not editable) gives a server that runs from any directory:
templates and static files ship inside the package."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.live import server_process

CHECKOUT = Path(__file__).resolve().parent.parent


def test_installed_package_serves_from_an_empty_directory(tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(CHECKOUT)], check=True, timeout=300)
    assert (site / "widget_server" / "templates" / "group.html").is_file()
    assert (site / "widget_server" / "static" / "embed.js").is_file()
    assert (site / "widget_server" / "locales" / "ta" / "LC_MESSAGES" / "messages.po").is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "WIDGET_DATA_DIR": str(tmp_path / "data"),
           "WIDGET_EXPOSE_GUPSHUP": "true"}
    with server_process(["serve"], env, cwd=empty) as base:
        info = httpx.get(base + "/GupshupAPI/rest", params={
            "method": "groups.getInfo", "group": "jumpy", "v": "1.0", "format": "json"}).json()
        assert info["response"]["group"]["name"] == "jumpy"
        widget = httpx.get(base + "/widget/groups/jumpy")
        assert widget.status_code == 200 and "Jumpy" in widget.text
        tamil = httpx.get(base + "/widget/groups/jumpy?lang=ta")  # compiled on first use
        assert "சமீபத்திய செய்திகள்" in tamil.text
        css = re.search(r'href="(/static/[^"]+\.css)"', widget.text)
        assert css and httpx.get(base + css.group(1)).status_code == 200
        assert not list(empty.iterdir())  # nothing written to the working directory
