"""What both ends of the GupShup wire share (docs/protocol/wire.md): the REST path, what a
group name and a message's text may be, the login digest, the throttle's windows. The
upstream client, the console and the local GupShup all take them from here."""

from __future__ import annotations

import base64
import hashlib
import re

REST_PATH = "/GupshupAPI/rest"
GROUP_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# A message id as the console takes it in a reply's address.
MESSAGE_ID = re.compile(r"[0-9A-Za-z_-]{1,32}")
# What GupShup takes as a message: printable ASCII (and line breaks), one SMS long.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 160
# The throttle's windows (and so the budget's), by the names its warn tag uses.
WINDOWS = (("minute", 60.0), ("hour", 3600.0), ("day", 86400.0))
# Not in the docs (the local GupShup's, listed in the README): no SMS was sent, the calling
# address's SMS allowance is used up. Its own code, never the call throttle's 113, so that
# a refused SMS stops no other call.
SMS_REFUSED = 130


def b64md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def password_secret(password: str, salt: str) -> str:
    """base64(md5(password + salt)): what the server keeps, the inner half of `rand`."""
    return b64md5((password + salt).encode())


def login_rand(password: str, salt: str, challenge: str) -> str:
    """`rand` for `users.login`: base64(md5(base64(md5(password + salt)) + challenge))."""
    return b64md5((password_secret(password, salt) + challenge).encode())
