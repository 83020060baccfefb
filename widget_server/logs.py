"""What the logs may show: request targets with every secret-looking query value masked."""

from __future__ import annotations

import logging
from typing import Any
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


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")
TEXT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"


def log_config(level: str, form: str) -> dict[str, Any]:
    """One logging setup, for this process and every worker uvicorn starts (it is handed
    to uvicorn as its `log_config`): the app's lines and uvicorn's alike, as text or as
    JSON (time, level, logger, pid, message, and whatever a line adds with `extra=`)."""
    formatter: dict[str, Any] = {"format": TEXT} if form == "text" else {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger",
                          "process": "pid"}}
    handler = {"class": "logging.StreamHandler", "formatter": "main",
               "stream": "ext://sys.stderr"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "filters": {"secrets": {"()": NoSecretsInLog}},
        "handlers": {"main": handler, "access": {**handler, "filters": ["secrets"]}},
        "loggers": {
            "uvicorn": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
            "httpx": {"level": "WARNING"}},  # one line per upstream call is the metrics' job
        "root": {"handlers": ["main"], "level": level},
    }
