"""The secret that signs subscription tickets and console sessions, when
`WIDGET_SECRET_KEY` is not set: made on first start and kept in the data directory (mode
0600), so tickets and sessions survive restarts and every worker on the machine signs with
the same one."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from widget_server.datadir import private_dir

FILE_NAME = "secret_key"


def stored_secret(data_dir: Path) -> str:
    """The kept secret, made now if there is none. Created by a hard link from a private
    temporary file, so concurrent first starts agree on one secret."""
    path = data_dir / FILE_NAME
    with contextlib.suppress(FileNotFoundError):
        return _read(path)
    private_dir(data_dir)
    draft = data_dir / f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
        with contextlib.suppress(FileExistsError):  # another process was first: use theirs
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    text = path.read_text().strip()
    if len(text) < 16:
        raise ValueError(f"{path} holds no usable secret: delete it to make a new one")
    return text
