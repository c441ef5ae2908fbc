"""Messages that native decoders print straight to the process's stderr, caught.

libmpg123 (inside libsndfile) writes notes such as "Illegal Audio-MPEG-Header ... Trying to
resync" to file descriptor 2 itself: Python's ``sys.stderr`` and ``--quiet`` never see them, and
they would reach the user's terminal in the middle of a progress bar. While a decoder runs,
descriptor 2 points at a scratch file instead; what it wrote comes back as text, to be reported
as a warning with the file it concerns.

Only decoding calls are wrapped, and only for the formats whose decoder talks (MP3): another
thread's stderr output in those few milliseconds would be caught too.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import BinaryIO

__all__ = ["NativeStderr"]


class NativeStderr:
    """A reusable catcher: ``with catcher: ...`` collects what native code wrote to fd 2 in
    :attr:`messages`. Not reentrant; :meth:`close` frees its scratch file."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._sink: BinaryIO | None = None
        self._saved: int | None = None

    def __enter__(self) -> NativeStderr:
        try:
            sys.stderr.flush()
            self._saved = os.dup(2)
        except (OSError, ValueError, AttributeError):
            self._saved = None  # no descriptor 2 (a detached service): nothing reaches a user
            return self
        if self._sink is None:
            # Kept open across uses: one scratch file per reader, not one per block read.
            self._sink = tempfile.TemporaryFile()
        self._sink.seek(0)
        self._sink.truncate()
        os.dup2(self._sink.fileno(), 2)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is None or self._sink is None:
            return
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._saved = None
        self._sink.seek(0)
        text = self._sink.read().decode("utf-8", "replace")
        self.messages += [line.strip() for line in text.splitlines() if line.strip()]

    def close(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None
