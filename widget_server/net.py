"""Who is asking: the client address, believing `X-Forwarded-For` only from our proxies."""

from __future__ import annotations

import contextlib
from ipaddress import ip_address

from starlette.requests import Request


def client_ip(request: Request, trusted: frozenset[str]) -> str:
    peer = request.client.host if request.client else "unknown"
    if peer not in trusted:
        return peer
    # Walk the forwarded chain from the right, skipping our own proxies.
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed(hops):
        with contextlib.suppress(ValueError):
            if str(ip_address(hop)) not in trusted:
                return str(ip_address(hop))
    return peer
