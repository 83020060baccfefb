"""`widget-server gupshup add-user | add-group`: the operator's own accounts and groups,
for a local GupShup that sends real SMS (where no demo accounts are made)."""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys

from widget_server.gupshup.demo import ensure_salt
from widget_server.gupshup.store import Database
from widget_server.phones import indian_mobile
from widget_server.protocol import GROUP_NAME, password_secret

MIN_PASSWORD = 8


def add_commands(gupshup: argparse.ArgumentParser) -> None:
    actions = gupshup.add_subparsers(dest="action")
    user = actions.add_parser("add-user", help="create an account (asks for its password)")
    user.add_argument("--phone", required=True, help="the account's Indian mobile number")
    user.add_argument("--name", required=True)
    group = actions.add_parser("add-group", help="create a group owned by an account")
    group.add_argument("--name", required=True, help="the group name ([A-Za-z0-9_-]{1,64})")
    group.add_argument("--title", required=True)
    group.add_argument("--description", default="")
    group.add_argument("--owner", required=True, help="the owner's phone")
    group.add_argument("--private", action="store_true")
    group.add_argument("--adult", action="store_true")


def run(args: argparse.Namespace, db: Database, now: float) -> int:
    ensure_salt(db)
    try:
        if args.action == "add-user":
            return _add_user(db, args.phone, args.name)
        return _add_group(db, args, now)
    except sqlite3.IntegrityError:
        return _fail("that already exists")


def _add_user(db: Database, phone_text: str, name: str) -> int:
    phone = indian_mobile(phone_text)
    if phone is None:
        return _fail(f"not an Indian mobile number: {phone_text}")
    password = _password()
    if len(password) < MIN_PASSWORD:
        return _fail(f"the password needs at least {MIN_PASSWORD} characters")
    with db.write() as conn:
        salt = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]
        conn.execute("INSERT INTO users (phone, name, secret) VALUES (?, ?, ?)",
                     (phone, name, password_secret(password, salt)))
    print(f"account {phone} created")
    return 0


def _add_group(db: Database, args: argparse.Namespace, now: float) -> int:
    if not GROUP_NAME.fullmatch(args.name):
        return _fail(f"not a group name: {args.name!r}")
    owner = indian_mobile(args.owner)
    with db.write() as conn:
        row = conn.execute("SELECT id FROM users WHERE phone = ?", (owner,)).fetchone()
        if row is None:
            return _fail(f"no account {args.owner}: add it first with add-user")
        conn.execute("INSERT INTO groups (name, title, description, public, adult, owner_id, "
                     "created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (args.name, args.title, args.description, int(not args.private),
                      int(args.adult), row[0], now))
    print(f"group {args.name} created")
    return 0


def _password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\n")  # piped: never on the command line


def _fail(why: str) -> int:
    print(f"widget-server gupshup: {why}", file=sys.stderr)
    return 2
