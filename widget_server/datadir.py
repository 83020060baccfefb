"""The data directory holds owners' live GupShup tokens, password digests, pending codes
and the signing secret: the directory is 0700 and every file in it 0600, created so, and
tightened (with a log line) where an older install left them readable by others."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("widget_server.data")
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_file(path: Path) -> Path:
    """`path` existing as a private file (created so), in a directory made 0700 if new.
    SQLite gives its -wal and -shm files the mode of the database file, so they are
    private too. Only the file and those siblings are tightened: the folder may be
    anyone's (a test's /tmp); the data directory itself is `private_dir`'s."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    _said([p for p in (path, *(Path(f"{path}{s}") for s in ("-wal", "-shm")))
           if p.exists() and _tighten(p)])
    return path


def private_dir(folder: Path) -> Path:
    """The data directory: made 0700 if new; else tightened, and every file in it, if
    looser (an older install's)."""
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _said([p for p in (folder, *folder.iterdir()) if _tighten(p)])
    return folder


def _said(tightened: list[Path]) -> None:
    if tightened:
        log.warning("made private (others could read them): %s",
                    ", ".join(map(str, tightened)))


def _tighten(path: Path) -> bool:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        return False
    wanted = DIR_MODE if stat.S_ISDIR(mode) else FILE_MODE
    if stat.S_IMODE(mode) & ~wanted:
        path.chmod(stat.S_IMODE(mode) & wanted)
        return True
    return False
