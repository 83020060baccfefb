"""Configuration checked at start: a misspelt name is warned about with the right one, a
bad value is one line naming its variable (exit 2, no traceback), `check` says what it
found, and `serve` refuses a store it cannot use rather than failing its first visitor."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import free_port, server_env
from widget_server.settings import Settings, SettingsError


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "widget_server", *args], capture_output=True,
                          text=True, timeout=60, env=server_env(tmp_path / "data", **env))


def test_a_misspelt_name_is_warned_about_with_the_right_one(tmp_path: Path) -> None:
    done = _run(["check"], tmp_path, WIDGET_REDIS_ULR="redis://127.0.0.1:6379")
    assert done.returncode == 0
    assert "WIDGET_REDIS_ULR is not a setting: did you mean WIDGET_REDIS_URL?" in done.stderr
    assert "ok    state store: the SQLite file" in done.stdout


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("WIDGET_PORT", "80OO", "expected a whole number"),
    ("WIDGET_EXPOSE_GUPSHUP", "ture", "expected true or false"),
    ("WIDGET_PUBLIC_URL", "widgets.example.com", "expected a URL beginning http://"),
    ("WIDGET_BUDGET", "22,950", "expected three whole numbers"),
])
def test_a_bad_value_is_one_line_naming_its_variable(tmp_path: Path, name: str, value: str,
                                                     expected: str) -> None:
    done = _run(["serve"], tmp_path, **{name: value})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [f"widget-server: {name}: {expected}" + lines[0].split(expected)[1]]
    assert repr(value) in lines[0]


def test_serve_refuses_a_store_it_cannot_reach(tmp_path: Path) -> None:
    done = _run(["serve", "--port", str(free_port())], tmp_path,
                WIDGET_REDIS_URL=f"redis://127.0.0.1:{free_port()}")
    assert done.returncode == 2 and "state store: Redis at redis://" in done.stderr
    assert "cannot be written" in done.stderr and "Traceback" not in done.stderr


def test_an_upstream_that_does_not_resolve_is_refused(tmp_path: Path) -> None:
    done = _run(["check"], tmp_path, WIDGET_UPSTREAM_URL="http://no-such-host.invalid")
    assert done.returncode == 2  # `check` prints what it found; `serve` would refuse
    assert "fail  upstream: no-such-host.invalid does not resolve" in done.stdout


def test_settings_read_strictly() -> None:
    assert Settings.from_env({"WIDGET_EXPOSE_GUPSHUP": "off"}).expose_gupshup is False
    assert Settings.from_env({"WIDGET_EXPOSE_GUPSHUP": "Yes"}).expose_gupshup is True
    with pytest.raises(SettingsError, match="WIDGET_MIN_TTL: expected a number"):
        Settings.from_env({"WIDGET_MIN_TTL": "a minute"})
    with pytest.raises(SettingsError, match="WIDGET_REDIS_URL"):
        Settings(redis_url="localhost:6379")
    # every time written would fail to render: refused at start, not on the first page
    with pytest.raises(SettingsError, match="WIDGET_TIME_ZONE: expected an IANA time zone"):
        Settings.from_env({"WIDGET_TIME_ZONE": "IST"})
    assert Settings.from_env({"WIDGET_TIME_ZONE": "Asia/Dubai"}).time_zone == "Asia/Dubai"


@pytest.mark.redis
def test_a_redis_written_by_a_newer_version_is_refused(tmp_path: Path) -> None:
    import uuid

    import redis

    from tests.redis_server import redis_url

    prefix = f"test:{uuid.uuid4().hex}:"
    direct = redis.Redis.from_url(redis_url())
    direct.set(prefix + "schema", 99)
    try:
        done = _run(["check"], tmp_path, WIDGET_REDIS_URL=redis_url(),
                    WIDGET_REDIS_PREFIX=prefix, WIDGET_SECRET_KEY="k")
        assert done.returncode == 2 and "schema version 99" in done.stdout
    finally:
        direct.delete(prefix + "schema")
        direct.close()


def test_settings_of_earlier_versions_are_named_with_what_replaced_them() -> None:
    lines = Settings.unknown({"WIDGET_BUDGET_RESERVE": "10,150,800",
                              "WIDGET_MISSES_PER_CLIENT": "30"})
    assert lines == [
        "WIDGET_BUDGET_RESERVE is not a setting: replaced by a floor per use "
        "(WIDGET_FLOOR_CONFIRM, _SUBSCRIBE, _CONSOLE, _VIEW)",
        "WIDGET_MISSES_PER_CLIENT is not a setting: replaced by WIDGET_CLIENT_SHARE (of the "
        "first views' room)"]


@pytest.mark.parametrize(("name", "value", "said"), [
    ("WIDGET_FLOOR_SUBSCRIBE", "20,60,300", "must stay below the budget"),
    ("WIDGET_FLOOR_VIEW", "-1,0,0", "none negative"),
    ("WIDGET_CLIENT_SHARE", "0", "above 0 and at most 1"),
])
def test_floors_and_shares_that_cannot_work_are_refused(name: str, value: str,
                                                        said: str) -> None:
    with pytest.raises(SettingsError, match=said):
        Settings.from_env({name: value})
