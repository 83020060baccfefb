"""`widget-server serve | gupshup | outbox`: the only place that starts servers."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import logging.config
import os
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn.supervisors import Multiprocess

from widget_server.head_limits import GuardedHttpTools
from widget_server.logs import log_config
from widget_server.metrics import SHARED
from widget_server.orphans import PARENT
from widget_server.preflight import run_checks, start_line
from widget_server.settings import Settings, SettingsError
from widget_server.version import VERSION


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="widget-server", description=__doc__)
    parser.add_argument("--version", action="version", version=f"widget-server {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the widget server")
    gupshup = commands.add_parser("gupshup", help="run the local GupShup alone")
    for sub in (serve, gupshup):
        sub.add_argument("--host", help="address to bind (default 127.0.0.1)")
        sub.add_argument("--port", type=int, help="port to bind (default 8000)")
        sub.add_argument("--data-dir", type=Path,
                         help="where data is kept: the local GupShup's, the state, the secret")
    serve.add_argument("--upstream", help="a GupShup-compatible API to proxy instead of the "
                       "embedded local GupShup: http://host/GupshupAPI/rest or http://host")
    serve.add_argument("--redis", help="redis://... shared by instances on several machines: "
                       "cache, budget, limits (default: the state file in the data directory)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes, sharing the state store")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    from widget_server.gupshup import admin
    admin.add_commands(gupshup)
    saved = commands.add_parser("backup", help="copy the data directory's files, consistently "
                                "while the server runs, into DEST")
    saved.add_argument("dest", type=Path)
    saved.add_argument("--data-dir", type=Path)
    check = commands.add_parser("check", help="try the state store and the upstream with "
                                "this configuration, and say what was found")
    check.add_argument("--data-dir", type=Path)
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
    try:
        settings = _settings(args)
    except SettingsError as error:
        print(f"widget-server: {error}", file=sys.stderr)
        return 2
    logging.config.dictConfig(log_config(settings.log_level, settings.log_format))
    for line in Settings.unknown():
        logging.getLogger("widget_server").warning("%s", line)
    if args.command == "backup":
        from widget_server.backup import backup
        for path in backup(settings.data_dir, args.dest):
            print(path)
        return 0
    if args.command == "outbox":
        return _print_outbox(settings, args.phone, args.limit)
    if args.command == "gupshup":
        return _gupshup(args, settings)
    problem = _check_state(settings)
    if problem:
        print(f"widget-server: {problem}", file=sys.stderr)
        return 2
    if not run_checks(settings, verbose=args.command == "check"):
        return 2
    if args.command == "check":
        return 0
    logging.getLogger("widget_server").info("%s", start_line(settings, args.workers))
    if args.workers > 1:
        return _serve_workers(settings, args.workers, args.access_log)
    from widget_server.app import create_app
    try:
        app = create_app(settings)
    except (OSError, sqlite3.Error) as error:
        print(f"widget-server: cannot use the data directory {settings.data_dir}: {error}. "
              "Make it writable (and give it free space), or point WIDGET_DATA_DIR "
              "elsewhere.", file=sys.stderr)
        return 2
    _stop_cleanly_on_sigterm()
    uvicorn.run(app, **_server_options(settings, args.access_log))
    return 0


def _server_options(settings: Settings, access_log: bool) -> dict[str, Any]:
    """uvicorn believes `X-Forwarded-*` only from WIDGET_TRUSTED_PROXIES (by default it
    would from any local process), and bounds a request's head in size and time."""
    GuardedHttpTools.head_seconds = settings.header_timeout
    return {"host": settings.host, "port": settings.port, "access_log": access_log,
            "log_config": log_config(settings.log_level, settings.log_format),
            "log_level": settings.log_level.lower(),
            "forwarded_allow_ips": list(settings.trusted_proxies), "http": GuardedHttpTools}


def _stop_cleanly_on_sigterm() -> None:
    """uvicorn stops gracefully on SIGTERM, then raises the signal again for whatever
    handler was there before: with this one, the process then exits with 0, as a clean
    stop should, rather than being killed by it (143). SIGHUP is the same clean stop, as
    with `--workers`: a supervisor starts the server again."""
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    signal.signal(signal.SIGHUP, lambda signum, frame: os.kill(os.getpid(), signal.SIGTERM))


def _gupshup(args: argparse.Namespace, settings: Settings) -> int:
    if args.action:
        import time

        from widget_server.gupshup import admin
        from widget_server.gupshup.store import Database
        db = Database(settings.data_dir / "gupshup.sqlite3")
        try:
            return admin.run(args, db, time.time())
        finally:
            db.close()
    from widget_server.gupshup.app import create_gupshup_app
    _stop_cleanly_on_sigterm()
    uvicorn.run(create_gupshup_app(settings), **_server_options(settings, False))
    return 0


def _check_state(settings: Settings) -> str | None:
    """Why the state store or the secret cannot be used, in words, before serving."""
    from widget_server.state import StateFileError, check_state
    from widget_server.state.secret import stored_secret

    try:
        check_state(settings)
        if not settings.secret_key:
            stored_secret(settings.data_dir)
    except StateFileError as error:
        return str(error)
    except (OSError, ValueError) as error:
        return (f"cannot keep the ticket secret in {settings.data_dir}: {error}. Make the "
                "directory writable, or set WIDGET_SECRET_KEY.")
    return None


def _serve_workers(settings: Settings, workers: int, access_log: bool) -> int:
    """Several processes on one port: they share the state store (the SQLite file in the
    data directory, or Redis), so one upstream budget, and the stored secret."""
    os.environ.update(settings.to_env())
    with tempfile.TemporaryDirectory(prefix="widget-metrics-") as shared:
        os.environ[SHARED] = shared  # the workers' metrics add up (`metrics`)
        os.environ[PARENT] = str(os.getpid())  # the workers end with this process
        config = uvicorn.Config("widget_server.cli:worker_app", factory=True, workers=workers,
                                **_server_options(settings, access_log))
        _Supervisor(config, sockets=[config.bind_socket()]).run()
    return 0


class _Supervisor(Multiprocess):
    """uvicorn's, but at SIGTERM this process lets go of the listening socket at once:
    when the workers stop accepting, new connections are refused (a client or balancer
    tries elsewhere) instead of waiting in a queue nobody reads, to be reset at exit."""

    def handle_term(self) -> None:
        for sock in self.sockets:
            sock.close()
        super().handle_term()

    def handle_hup(self) -> None:
        """A clean stop, as without `--workers`: the supervisor (systemd's `Restart=`)
        starts the server again, which reads its settings anew."""
        self.handle_term()


def worker_app() -> ASGIApp:
    """One worker's app (`--workers`), from the environment the parent wrote."""
    from widget_server.app import create_app
    from widget_server.orphans import die_with_parent
    die_with_parent()
    settings = Settings.from_env()
    GuardedHttpTools.head_seconds = settings.header_timeout  # in this worker's process
    return create_app(settings)


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
