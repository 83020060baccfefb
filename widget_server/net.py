"""Who is asking: the client address, believing `X-Forwarded-For` only from our proxies."""

from __future__ import annotations

import contextlib
from ipaddress import IPv6Address, ip_address, ip_network

from starlette.requests import Request

from widget_server.settings import settings_of


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


def cross_site(request: Request, *ours: str) -> bool:
    """A browser request made by another site's page: by Fetch Metadata, or else by an
    `Origin` that is neither this request's own nor one of `ours`. A request with neither
    header is not a browser's: there is nothing to forge on anyone's behalf."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin.rstrip("/") not in (str(request.base_url).rstrip("/"), *ours)


def visitor(request: Request) -> str:
    """The client address of a request to the widget server, by its settings."""
    return client_ip(request, frozenset(settings_of(request).trusted_proxies))


def client_key(address: str) -> str:
    """Who counts as one client for limits and shares: an IPv4 address, or an IPv6 /64
    (one subscriber's network: a host may take any address in it at will)."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if not isinstance(parsed, IPv6Address):
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ip_network(f"{parsed}/64", strict=False))


def client_of(request: Request) -> str:
    """The client a request counts against (`client_key` of its `visitor`)."""
    return client_key(visitor(request))


def is_loopback(address: str) -> bool:
    """An address of this machine (a name such as "localhost" is not an address)."""
    try:
        return ip_address(address).is_loopback
    except ValueError:
        return False
