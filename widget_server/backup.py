"""`widget-server backup DEST`: every SQLite file of the data directory copied with SQLite's
online backup (a consistent copy while the server runs, its `-wal` included, which a
plain copy of the file would miss), and the kept secret; DEST private like the data
directory. Restoring is copying the files back while the server is stopped."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from widget_server.datadir import private_dir, private_file
from widget_server.state.secret import FILE_NAME


def backup(data_dir: Path, dest: Path) -> list[Path]:
    """The files written to `dest`."""
    private_dir(dest)
    written = []
    for source in sorted(data_dir.glob("*.sqlite3")):
        target = private_file(dest / source.name)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        written.append(target)
    secret = data_dir / FILE_NAME
    if secret.exists():
        shutil.copyfile(secret, private_file(dest / FILE_NAME))
        written.append(dest / FILE_NAME)
    return written
