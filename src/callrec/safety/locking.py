"""One run at a time per output folder.

Two runs writing to one folder would remove each other's temporary files and replace each
other's reports half way. A run therefore holds an exclusive lock on the output folder itself
(``flock`` on the directory: no lock file is left behind, and the kernel releases the lock when
the process ends, ``kill -9`` included). A second run does not wait: it stops at once with
:class:`~callrec.errors.OutputInUseError`, naming the folder, so that a scheduled job that
overlaps the previous one says so instead of queueing behind it.

Where ``fcntl`` does not exist (Windows) there is no lock.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputInUseError, UsageError

__all__ = ["output_lock"]


@contextlib.contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder`` (which must exist) for this run, or raise :class:`OutputInUseError`."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows)
        yield
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise UsageError(
            f"{folder}: cannot be used as the output folder: {exc.strerror or exc}"
        ) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputInUseError(
                "another callrec run is writing to this folder; wait for it to finish, or "
                "write to another folder",
                file=folder,
            ) from None
        yield
    finally:
        os.close(handle)  # releases the lock
