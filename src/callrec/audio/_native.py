"""Messages that native decoders print straight to the process's stderr, caught.

libmpg123 (inside libsndfile) writes notes such as "Illegal Audio-MPEG-Header ... Trying to
resync" to file descriptor 2 itself: Python's ``sys.stderr`` and ``--quiet`` never see them, and
they would reach the user's terminal in the middle of a progress bar. While a decoder runs,
descriptor 2 points at a scratch file instead; what it wrote comes back as text, to be reported
as a warning with the file it concerns.

Only decoding calls are wrapped, and only for the formats whose decoder talks (MP3). Descriptor
2 belongs to the whole process, so one lock serialises the redirections of all threads (a Dask
worker runs tasks in threads): each one restores what it found. Another thread's own stderr
output during those milliseconds is caught too.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from typing import BinaryIO

__all__ = ["NativeStderr"]

_DESCRIPTOR_2 = threading.Lock()


class NativeStderr:
    """A reusable catcher: ``with catcher: ...`` collects what native code wrote to fd 2 in
    :attr:`messages`. Not reentrant; :meth:`close` frees its scratch file."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._sink: BinaryIO | None = None
        self._saved: int | None = None

    def __enter__(self) -> NativeStderr:
        _DESCRIPTOR_2.acquire()
        self._saved = None
        try:
            if self._sink is None:
                # Kept open across uses: one scratch file per reader, not one per block read.
                self._sink = tempfile.TemporaryFile()
            self._sink.seek(0)
            self._sink.truncate()
            sys.stderr.flush()
            self._saved = os.dup(2)
            os.dup2(self._sink.fileno(), 2)
        except (OSError, ValueError, AttributeError):
            # No descriptor 2 (a detached service), or no room for a scratch file: decode
            # without catching anything rather than not at all.
            if self._saved is not None:
                os.close(self._saved)
                self._saved = None
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._saved is None or self._sink is None:
                return
            os.dup2(self._saved, 2)
            os.close(self._saved)
            self._saved = None
            self._sink.seek(0)
            text = self._sink.read().decode("utf-8", "replace")
            self.messages += [line.strip() for line in text.splitlines() if line.strip()]
        finally:
            _DESCRIPTOR_2.release()

    def close(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None
