"""What idle live widgets cost: `widget-server serve` (one process) holding N open
Server-Sent Events streams that nothing happens on, against the same process with none,
in the same run.

    python -m benchmarks.live_idle [--streams 5000] [--idle 60] [--deaf 500]

Opens N streams on `/api/groups/{group}/events` (over six groups) from raw sockets, waits
for every `hello`, then measures the server's resident memory and the CPU it uses over
`--idle` seconds; then opens `--deaf` more streams whose clients never read, posts news to
every group (so every stream is written to), and checks the server still answers at once.
Prints RSS before and after (and per stream), CPU at idle with none and with N (in % of
one core), and the answer time of `/healthz` with the deaf clients attached.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import httpx

from tests.helpers import post_over_http
from tests.live import running_server

GROUPS = ["jumpy", "cricketbuzz", "mumbaifood", "delhimetro", "techjobs", "shayari"]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _cpu_percent(pid: int, seconds: float) -> float:
    start = _cpu_seconds(pid)
    await asyncio.sleep(seconds)
    return round(100 * (_cpu_seconds(pid) - start) / seconds, 2)


async def _open(port: int, group: str, read: bool) -> asyncio.StreamWriter:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**16)
    writer.write(f"GET /api/groups/{group}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    if read:
        while b"event: hello" not in await reader.readline():
            pass
    return writer


async def measure(base: str, pid: int, streams: int, idle: float, deaf: int) -> dict[str, object]:
    port = int(base.rsplit(":", 1)[1])
    for group in GROUPS:  # each group's page once: its key is held
        httpx.get(f"{base}/api/groups/{group}/messages")
    await asyncio.sleep(2)
    rss_before = _rss_mb(pid)
    cpu_none = await _cpu_percent(pid, idle)
    writers = []
    for start in range(0, streams, 250):  # in batches: the accept queue is finite
        writers += await asyncio.gather(*[_open(port, GROUPS[i % len(GROUPS)], True)
                                          for i in range(start, min(streams, start + 250))])
    await asyncio.sleep(2)
    rss_after = _rss_mb(pid)
    cpu_streams = await _cpu_percent(pid, idle)
    writers += await asyncio.gather(*[_open(port, GROUPS[i % len(GROUPS)], False)
                                      for i in range(deaf)])
    await asyncio.to_thread(post_over_http, base, "jumpy", "News for every open widget")
    await asyncio.sleep(3)
    started = time.monotonic()
    healthy = httpx.get(base + "/healthz").status_code
    answer_ms = round(1000 * (time.monotonic() - started), 1)
    open_streams = next((line.split()[1] for line in httpx.get(base + "/metrics").text
                         .splitlines() if line.startswith("widget_live_streams ")), "?")
    for writer in writers:
        writer.close()
    return {"streams": streams, "rss_before_mb": round(rss_before, 1),
            "rss_after_mb": round(rss_after, 1),
            "kb_per_stream": round(1024 * (rss_after - rss_before) / streams, 1),
            "rss_ratio": round(rss_after / rss_before, 2),
            "cpu_idle_none_pct": cpu_none, "cpu_idle_streams_pct": cpu_streams,
            "deaf_clients": deaf, "healthz": healthy, "healthz_ms": answer_ms,
            "open_streams_metric": open_streams}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=5000)
    parser.add_argument("--idle", type=float, default=60)
    parser.add_argument("--deaf", type=int, default=500)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGET_")}
    with tempfile.TemporaryDirectory() as data, running_server(
            ["serve"], {**env, "WIDGET_DATA_DIR": data, "WIDGET_EXPOSE_GUPSHUP": "true"}
    ) as server:
        result = asyncio.run(measure(server.base, server.proc.pid, args.streams, args.idle,
                                     args.deaf))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
