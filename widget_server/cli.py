"""`widget-server serve | gupshup | outbox`: the only place that starts servers."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from widget_server.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="widget-server", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the widget server")
    gupshup = commands.add_parser("gupshup", help="run the local GupShup alone")
    for sub in (serve, gupshup):
        sub.add_argument("--host", help="address to bind (default 127.0.0.1)")
        sub.add_argument("--port", type=int, help="port to bind (default 8000)")
        sub.add_argument("--data-dir", type=Path, help="where the local GupShup keeps its data")
    serve.add_argument("--upstream", help="a GupShup-compatible base URL to proxy instead of "
                       "the embedded local GupShup")
    serve.add_argument("--redis", help="redis://... shared by instances: cache and budget")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (more than one needs --redis)")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    outbox = commands.add_parser("outbox", help="list the SMS the local GupShup has sent")
    outbox.add_argument("--phone", help="only the SMS to this phone")
    outbox.add_argument("--limit", type=int, default=50)
    outbox.add_argument("--data-dir", type=Path)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    overrides = {"host": args.host if "host" in args else None,
                 "port": args.port if "port" in args else None,
                 "data_dir": args.data_dir,
                 "upstream_url": getattr(args, "upstream", None),
                 "redis_url": getattr(args, "redis", None)}
    return dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = _settings(args)
    if args.command == "outbox":
        return _print_outbox(settings, args.phone, args.limit)
    if args.command == "gupshup":
        from widget_server.gupshup.app import create_gupshup_app
        uvicorn.run(create_gupshup_app(settings), host=settings.host, port=settings.port)
        return 0
    if args.workers > 1:
        return _serve_workers(settings, args.workers, args.access_log)
    from widget_server.app import create_app
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                access_log=args.access_log)
    return 0


def _serve_workers(settings: Settings, workers: int, access_log: bool) -> int:
    """Several processes: they must share one upstream budget, so only with Redis; and
    one secret, or a ticket signed by one worker would be refused by the next."""
    if not settings.redis_url:
        print("--workers above 1 needs --redis (or WIDGET_REDIS_URL): the workers share one "
              "IP and must share its upstream budget", file=sys.stderr)
        return 2
    os.environ.update(settings.to_env())
    if not settings.secret_key:
        os.environ["WIDGET_SECRET_KEY"] = secrets.token_urlsafe(32)
    uvicorn.run("widget_server.cli:worker_app", factory=True, host=settings.host,
                port=settings.port, workers=workers, access_log=access_log)
    return 0


def worker_app() -> ASGIApp:
    """One worker's app (`--workers`), from the environment the parent wrote."""
    from widget_server.app import create_app
    return create_app(Settings.from_env())


def _print_outbox(settings: Settings, phone: str | None, limit: int) -> int:
    from widget_server.gupshup.store import Database
    from widget_server.phones import indian_mobile
    from widget_server.sms.outbox import Outbox

    national = indian_mobile(phone) if phone else None
    if phone and national is None:
        print(f"not an Indian mobile number: {phone}", file=sys.stderr)
        return 2
    db = Database(settings.data_dir / "gupshup.sqlite3")
    for message in Outbox(db, lambda: 0.0).messages(national, limit):
        print(message.line())
    db.close()
    return 0
