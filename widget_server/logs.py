"""What the logs may show: request targets with every secret-looking query value masked."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

SECRET_NAMES = ("secret", "token", "key")
MASK = "…"


def masked_target(target: str) -> str:
    """`target` (a path and query) with the value of every query parameter whose name
    contains secret, token or key replaced by `…`. One pass over the text, split rather
    than searched: a hostile 16 KB query costs microseconds, not a regex's quadratic
    backtracking."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    parts = []
    for pair in query.split("&"):
        name, equals, _ = pair.partition("=")
        secret = equals and any(word in name.lower() for word in SECRET_NAMES)
        parts.append(f"{name}={MASK}" if secret else pair)
    return f"{path}?{'&'.join(parts)}"


class NoSecretsInLog(logging.Filter):
    """uvicorn's access log never holds a `secret=` query value (a webhook's, say)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = masked_target(str(args[2]))
            record.args = tuple(args)
        return True


def masked_url(url: str) -> str:
    """A URL with its password, if any, replaced by ***: fit for a log line."""
    parts = urlsplit(url)
    if parts.password:
        url = url.replace(f":{parts.password}@", ":***@", 1)
    return url
