"""What `widget-server check` prints and `serve` checks before it listens: the state store
takes a write (and, on Redis, whether the budget's windows would survive a restart or be
evicted), the secret is shared where it must be, the upstream can be reached (a TCP
connect: it costs no call). A `fail` stops `serve`; a `warn` is logged."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from widget_server.logs import masked_url
from widget_server.migrations import NewerSchema
from widget_server.settings import Settings
from widget_server.state import StateFileError, open_state
from widget_server.state.base import StoreDown
from widget_server.version import VERSION

CONNECT_TIMEOUT = 3.0


@dataclass(frozen=True)
class Finding:
    level: Literal["ok", "warn", "fail"]
    what: str
    text: str

    def line(self) -> str:
        return f"{self.level:4}  {self.what}: {self.text}"


async def findings(settings: Settings) -> list[Finding]:
    found = [await _store(settings), await _upstream(settings)]
    if settings.redis_url and not settings.secret_key:
        found.append(Finding("warn", "secret", "several hosts on one Redis need one "
                             "WIDGET_SECRET_KEY: without it each host signs with its own, "
                             "and a code started on one host is refused on another"))
    return found


async def _store(settings: Settings) -> Finding:
    where = "Redis at " + masked_url(settings.redis_url) if settings.redis_url \
        else "the SQLite file in " + str(settings.data_dir)
    try:
        state = open_state(settings, time.time)
    except StateFileError as error:
        return Finding("fail", "state store", str(error))
    try:
        await asyncio.wait_for(state.put("preflight", str(time.time()), 60.0), 5.0)
        notes = await _redis_notes(state) if settings.redis_url else []
    except (StoreDown, TimeoutError) as error:
        return Finding("fail", "state store", f"{where} cannot be written: "
                       f"{str(error)[:160] or 'no answer in 5 s'}")
    except NewerSchema as error:
        return Finding("fail", "state store", str(error))
    finally:
        await state.aclose()
    if notes:
        return Finding("warn", "state store", f"{where}: " + "; ".join(notes))
    return Finding("ok", "state store", f"{where} takes writes")


async def _redis_notes(state: object) -> list[str]:
    """What about this Redis could lose or evict the budget's windows."""
    from redis.exceptions import RedisError

    from widget_server.state.redis import RedisState
    assert isinstance(state, RedisState)
    await state.schema()  # NewerSchema: refused, as a newer SQLite file is
    notes = []
    try:
        info = await state.redis.info("persistence")
        saves = (await state.redis.config_get("save")).get("save", "")
        if not int(info.get("aof_enabled", 0)) and not saves:
            notes.append("it keeps nothing across its restart (no AOF, no RDB saves): the "
                         "budget's hour and day windows would restart empty")
        policy = (await state.redis.config_get("maxmemory-policy")).get("maxmemory-policy")
        if str(policy).startswith("allkeys"):
            notes.append(f"its maxmemory-policy {policy} may evict the budget's windows: "
                         "use noeviction or a volatile-* policy")
    except RedisError as error:  # CONFIG may be refused by an ACL: say so, go on
        notes.append(f"its persistence and eviction policy could not be read ({error})")
    return notes


async def _upstream(settings: Settings) -> Finding:
    if not settings.upstream_url:
        return Finding("ok", "upstream", "the embedded local GupShup")
    parts = urlsplit(settings.upstream_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        await asyncio.get_running_loop().getaddrinfo(parts.hostname, port)
    except socket.gaierror as error:
        return Finding("fail", "upstream", f"{parts.hostname} does not resolve ({error}): "
                       "check WIDGET_UPSTREAM_URL")
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname, port), CONNECT_TIMEOUT)
        writer.close()
    except (OSError, TimeoutError) as error:
        return Finding("warn", "upstream", f"{parts.hostname}:{port} does not accept a "
                       f"connection now ({error or 'timeout'}): stale data is served until "
                       "it does")
    return Finding("ok", "upstream", f"{parts.hostname}:{port} accepts connections")


def start_line(settings: Settings, workers: int) -> str:
    """What this server runs with, secrets left out: the first thing an operator reads."""
    store = "redis " + masked_url(settings.redis_url) if settings.redis_url \
        else f"sqlite {settings.data_dir}"
    return (f"widget-server {VERSION} on {settings.host}:{settings.port} ({workers} worker"
            f"{'s' if workers > 1 else ''}): store {store}; upstream "
            f"{settings.upstream_url or 'the embedded local GupShup'}; public URL "
            f"{settings.public_url or '(from each request)'}; budget "
            f"{'/'.join(map(str, settings.budget))} a minute/hour/day, floors "
            + ", ".join(f"{use} {'/'.join(map(str, floor))}"
                        for use, floor in settings.floors().items()))


def run_checks(settings: Settings, verbose: bool) -> bool:
    """The checks of `preflight`: printed (`check`) or logged; False if one failed."""
    found = asyncio.run(findings(settings))
    log = logging.getLogger("widget_server")
    for finding in found:
        if verbose:
            print(finding.line())
        elif finding.level == "fail":
            print(f"widget-server: {finding.what}: {finding.text}", file=sys.stderr)
        elif finding.level == "warn":
            log.warning("%s: %s", finding.what, finding.text)
    return all(f.level != "fail" for f in found)
