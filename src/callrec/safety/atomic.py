"""Files that appear whole or not at all: written under a temporary name beside the target,
renamed over it when complete (:class:`PendingFile`); what a killed run left is cleared by the
next (:func:`clear_partials`)."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

__all__ = [
    "PendingFile",
    "clear_partials",
    "process_alive",
    "temporary_beside",
    "write_bytes",
    "write_text",
]

_ATTEMPTS = 100


def temporary_beside(path: Path) -> tuple[int, Path]:
    """A new, empty ``.<name>.<random>.partial`` file in ``path``'s folder, open for writing.

    Created with the mode the umask gives any new file (``tempfile.mkstemp`` would make it 0600,
    and the rename would carry that to the result, unreadable by anyone else). ``O_EXCL`` makes
    the name ours alone. Returns the descriptor and the path.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_ATTEMPTS):
        # The writer's process id in the name: see clear_partials.
        temp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.partial"
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path} after {_ATTEMPTS} attempts")


class PendingFile:
    """A file being written under a temporary name beside ``target`` (:func:`temporary_beside`).

    :meth:`commit` renames it over the target; :meth:`discard` removes it and leaves the target
    as it was. ``descriptor`` is open for writing; whoever writes through it closes it.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.descriptor, self.temp = temporary_beside(target)

    def commit(self) -> Path:
        os.replace(self.temp, self.target)
        return self.target

    def discard(self) -> None:
        """Never raises an OSError: it runs while another error is on its way out."""
        with contextlib.suppress(OSError):
            self.temp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (see :class:`PendingFile`)."""
    pending = PendingFile(path)
    try:
        with os.fdopen(pending.descriptor, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        pending.commit()
    except BaseException:
        pending.discard()
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (see :class:`PendingFile`)."""
    pending = PendingFile(path)
    try:
        with os.fdopen(pending.descriptor, "wb") as out:
            out.write(data)
        pending.commit()
    except BaseException:
        pending.discard()
        raise


def clear_partials(*folders: Path) -> None:
    """Remove temporary files a killed run left behind (``.<name>.<pid>-<random>.partial``).

    A file whose writer is still running is left alone: temporary files belong to the run that
    made them (the output folder's lock keeps a second run out; this is the second line).
    """
    for folder in folders:
        if folder.is_dir():
            for stale in folder.glob(".*.partial"):
                if not _writer_alive(stale.name):
                    with contextlib.suppress(OSError):
                        stale.unlink(missing_ok=True)


_PID = re.compile(r"\.(\d+)-[0-9a-f]+\.partial$")


def _writer_alive(name: str) -> bool:
    found = _PID.search(name)
    if found is None:
        return False  # an older callrec's name, without its writer: stale
    pid = int(found.group(1))
    if pid == os.getpid():
        return False  # this process starts over: its own leftovers are stale
    return process_alive(pid)


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (ours to signal or not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # there, or not a question the system answers: assume it is
    return True
