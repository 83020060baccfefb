"""Day two: a consistent backup of a running server's files, schema versions that refuse a
newer file rather than guess, the version, and the start line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.live import free_port, running_server, server_env
from widget_server.app import create_app
from widget_server.backup import backup
from widget_server.settings import Settings
from widget_server.state import state_file
from widget_server.version import VERSION


def _run(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "widget_server", *args], capture_output=True,
                          text=True, timeout=60, env=server_env(data))


def test_a_backup_of_a_running_server_holds_what_is_only_in_its_wal(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    app = create_app(settings)  # its files open, as while it serves
    gupshup = app.state.services.local
    with gupshup.db.write() as conn:  # a write still in the -wal, not in the main file
        conn.execute("INSERT INTO messages (group_id, user_id, text, time) SELECT id, 1, "
                     "'kept in the backup', 0 FROM groups WHERE name = 'jumpy'")
    written = backup(settings.data_dir, tmp_path / "saved")
    assert {p.name for p in written} >= {"gupshup.sqlite3", "state.sqlite3", "secret_key"}
    copy = sqlite3.connect(tmp_path / "saved" / "gupshup.sqlite3")
    assert copy.execute("SELECT COUNT(*) FROM messages WHERE text = 'kept in the backup'"
                        ).fetchone()[0] == 1
    assert copy.execute("PRAGMA user_version").fetchone()[0] == 1
    assert all(p.stat().st_mode & 0o077 == 0 for p in written)
    gupshup.close()


def test_a_file_from_a_newer_version_is_refused_with_words(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Settings(data_dir=data)
    data.mkdir()
    with sqlite3.connect(state_file(Settings(data_dir=data))) as conn:
        conn.execute("PRAGMA user_version = 99")
    done = _run(["serve", "--port", str(free_port())], data)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "schema version 99" in done.stderr and "knows 1" in done.stderr


def test_the_version_and_the_start_line(tmp_path: Path) -> None:
    done = _run(["--version"], tmp_path)
    assert done.returncode == 0 and done.stdout.startswith(f"widget-server {VERSION}")
    env = server_env(tmp_path / "data", WIDGET_REDIS_URL="redis://user:hunter2@127.0.0.1:1/0")
    refused = subprocess.run([sys.executable, "-m", "widget_server", "serve"],
                             capture_output=True, text=True, timeout=60, env=env)
    assert "hunter2" not in refused.stderr  # a secret never printed, even in a refusal
    with running_server(["serve"], server_env(tmp_path / "d2")) as srv:
        logged = srv.logged()
    assert f"widget-server {VERSION} on 127.0.0.1:" in logged
    assert "store sqlite" in logged and "upstream the embedded local GupShup" in logged
