"""Files that hold people's data (the embedded database, export archives): created readable and
writable by their owner only (mode 0600), whatever the process's umask allows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

PRIVATE_MODE = 0o600


def create_private_file(path: Path) -> bool:
    """Create ``path``, empty and 0600, unless it exists; True when it was created.

    Create a SQLite database file this way before SQLite opens it: SQLite gives its ``-wal`` and
    ``-shm`` files the database file's mode.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def open_private(path: Path) -> BinaryIO:
    """A new, empty 0600 file at ``path`` open for writing (a file already there is replaced)."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    return os.fdopen(descriptor, "wb")
