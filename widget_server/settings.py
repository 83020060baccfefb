"""One typed settings object, read once from `WIDGET_*` variables and passed explicitly."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from starlette.config import Config
from starlette.requests import Request

from widget_server.logs import FORMATS, LEVELS
from widget_server.upstream.priority import FLOORED, Triple, Use, check


class SettingsError(ValueError):
    """A setting that cannot be used: one line naming the variable and what it expects."""


def _triple(text: str) -> Triple:
    try:
        parts = [int(p) for p in text.replace(" ", "").split(",")]
    except ValueError:
        parts = []
    if len(parts) != 3 or min(parts) < 0:
        raise ValueError("three whole numbers 'minute,hour,day', none negative")
    return parts[0], parts[1], parts[2]


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("true or false (also 1/0, yes/no, on/off)")


def _number(cast: Callable[[str], Any], what: str) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        try:
            return cast(text)
        except ValueError:
            raise ValueError(what) from None
    return read


# The URLs a setting may hold, by field: the schemes each takes (empty: unset is fine).
URLS = {"public_url": ("http", "https"), "upstream_url": ("http", "https"),
        "redis_url": ("redis", "rediss", "unix"), "sms_api_url": ("http", "https"),
        "partner_api_url": ("http", "https")}


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in text.replace(",", " ").split() if w)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("widget-server", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Everything configurable; `from_env` reads the `WIDGET_` environment once."""

    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    upstream_url: str = ""
    # The local GupShup's throttle, per client IP (minute, hour, day), as documented.
    throttle_warn: Triple = (25, 990, 9990)
    throttle_limit: Triple = (30, 1000, 10000)
    trusted_proxies: tuple[str, ...] = ()
    # `serve` calls its embedded GupShup in-process; only with this is its REST API served
    # to the world too (as `widget-server gupshup` always does).
    expose_gupshup: bool = False
    # Addresses (your widget servers, which limit their own visitors) whose SMS the local
    # GupShup does not count against one visitor's allowance: this machine's by default, so
    # a widget server beside `widget-server gupshup` works out of the box. Behind a proxy
    # on this machine, WIDGET_TRUSTED_PROXIES must name it (or every caller is loopback).
    gupshup_clients: tuple[str, ...] = ("127.0.0.1", "::1")
    # The widget server's own upstream budget: below the upstream's warn values.
    budget: Triple = (22, 950, 9500)
    # Floors (minute, hour, day): calls kept for each use, in priority order, whatever the
    # uses below it do (`upstream/priority.py`). Background refreshes get what is left.
    floor_confirm: Triple = (3, 30, 150)
    floor_subscribe: Triple = (6, 60, 300)
    floor_console: Triple = (2, 40, 200)
    floor_view: Triple = (1, 20, 150)
    # The most of any use's room one client (an address, an IPv6 /64) takes in a window.
    client_share: float = 1 / 3
    # How long a console login lasts at most (the local GupShup's tokens last a day).
    console_session: float = 86400.0
    upstream_timeout: float = 5.0
    # How long a client may take to send a request's line and headers.
    header_timeout: float = 10.0
    # How long a client may take to send a request's body, once it has begun.
    body_timeout: float = 10.0
    cache_size: int = 10_000
    min_ttl: float = 60.0
    error_ttl: float = 30.0
    active_horizon: float = 900.0
    # Live widget streams one process holds at most (each costs about 50 KB): beyond, the
    # widgets poll instead.
    live_streams: int = 5000
    # How long the hot path replays a publicly cacheable answer (0 turns it off).
    hot_ttl: float = 1.0
    # DEBUG, INFO, WARNING or ERROR; `text` or `json` lines (for a log shipper).
    log_level: str = "INFO"
    log_format: str = "text"
    # Several instances share the cache and the budget through Redis (`redis://...`).
    redis_url: str = ""
    redis_prefix: str = "widget:"
    # Signs subscription tickets; several keys separated by spaces: the first signs, all
    # are accepted (a rotation). Unset: a key kept in the data directory.
    secret_key: str = ""
    # When set, `/metrics` answers only `Authorization: Bearer <this>`.
    metrics_token: str = ""
    allowed_origins: tuple[str, ...] = ()
    # Names the server answers for besides WIDGET_PUBLIC_URL's and loopback (`*`: any).
    allowed_hosts: tuple[str, ...] = ()
    # The time zone the widgets and the console write times in (readers' browsers turn
    # them into their own); an IANA name.
    time_zone: str = "Asia/Kolkata"
    # How the local GupShup sends SMS: `outbox` (stored only), `sms-api`
    # (docs/protocol/sms-api.txt) or `partner-template`
    # (docs/protocol/partner-template-api.txt); credentials only ever from the environment.
    sms_gateway: str = "outbox"
    sms_api_url: str = "https://api.gupshup.io"
    sms_app_id: str = ""
    sms_api_key: str = ""
    sms_source: str = ""
    partner_api_url: str = "https://partner.gupshup.io"
    partner_app_id: str = ""
    partner_token: str = ""
    partner_app_name: str = ""
    partner_template_id: str = ""
    partner_source: str = ""
    sms_webhook_secret: str = ""
    sms_timeout: float = 15.0
    sms_retry_base: float = 5.0
    sms_max_attempts: int = 6

    def __post_init__(self) -> None:
        wrong = check(self.budget, self.floors())
        if wrong is not None:
            raise SettingsError(f"WIDGET_FLOOR_*: {wrong}")
        if not 0 < self.client_share <= 1:
            raise SettingsError("WIDGET_CLIENT_SHARE: expected a number above 0 and at most "
                                f"1, got {self.client_share}")
        for name, allowed in (("log_level", LEVELS), ("log_format", FORMATS)):
            if getattr(self, name) not in allowed:
                raise SettingsError(f"WIDGET_{name.upper()}: expected one of "
                                    f"{', '.join(allowed)}, got {getattr(self, name)!r}")
        try:
            ZoneInfo(self.time_zone)
        except (ValueError, ZoneInfoNotFoundError):
            raise SettingsError(f"WIDGET_TIME_ZONE: expected an IANA time zone like "
                                f"Asia/Kolkata, got {self.time_zone[:80]!r}") from None
        for name, schemes in URLS.items():
            value: str = getattr(self, name)
            parts = urlsplit(value)
            if value and (parts.scheme not in schemes or not (parts.netloc or parts.path)):
                raise SettingsError(f"WIDGET_{name.upper()}: expected a URL beginning "
                                    f"{' or '.join(s + '://' for s in schemes)}, got "
                                    f"{value[:80]!r}")

    def floors(self) -> dict[Use, Triple]:
        """The budget's floor of each use that has one."""
        return {use: getattr(self, f"floor_{use}") for use in FLOORED}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Each field from `WIDGET_<FIELD>` when set, cast by the field's type; a value
        that cannot be read is a SettingsError naming the variable."""
        config = Config(environ=dict(os.environ if environ is None else environ),
                        env_prefix="WIDGET_")
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = config(f.name.upper(), default=None)
            if raw is not None:
                try:
                    values[f.name] = _CASTS[hints[f.name]](raw)
                except ValueError as error:
                    raise SettingsError(f"WIDGET_{f.name.upper()}: expected {error}, got "
                                        f"{raw[:80]!r}") from None
        return cls(**values)

    @classmethod
    def unknown(cls, environ: Mapping[str, str] | None = None) -> list[str]:
        """A line for each `WIDGET_*` variable that is no setting, with the closest name."""
        known = [f"WIDGET_{f.name.upper()}" for f in fields(cls)]
        lines = []
        for name in sorted(os.environ if environ is None else environ):
            if name.startswith("WIDGET_") and name not in known and name not in IGNORED:
                near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                lines.append(f"{name} is not a setting" + (
                    f": {RENAMED[name]}" if name in RENAMED else
                    f": did you mean {near[0]}?" if near else " (ignored)"))
        return lines

    def to_env(self) -> dict[str, str]:
        """The `WIDGET_*` variables `from_env` reads back as these settings (for workers)."""
        hints = get_type_hints(type(self))
        return {f"WIDGET_{f.name.upper()}": _TEXTS.get(hints[f.name], str)(getattr(self, f.name))
                for f in fields(self)}


_CASTS: dict[Any, Callable[[str], Any]] = {
    Path: Path, str: str, int: _number(int, "a whole number"),
    float: _number(float, "a number"), Triple: _triple, tuple[str, ...]: _words, bool: _bool,
}
RENAMED = {  # settings of earlier versions, and what took their place
    "WIDGET_BUDGET_RESERVE": "replaced by a floor per use (WIDGET_FLOOR_CONFIRM, "
                             "_SUBSCRIBE, _CONSOLE, _VIEW)",
    "WIDGET_CONSOLE_SHARE": "replaced by WIDGET_FLOOR_CONSOLE",
    "WIDGET_MISSES_PER_CLIENT": "replaced by WIDGET_CLIENT_SHARE (of the first views' room)",
}
IGNORED = frozenset({"WIDGET_TEST_REDIS_URL",  # the tests' own
                     "WIDGET_SERVER_PARENT_PID"})  # a worker's parent (`orphans`)
_TEXTS: dict[Any, Callable[[Any], str]] = {
    Triple: lambda t: ",".join(map(str, t)), tuple[str, ...]: " ".join,
}


def settings_of(request: Request) -> Settings:
    """The settings of the widget server serving `request` (`services.Services`)."""
    found: Settings = request.app.state.services.settings
    return found
