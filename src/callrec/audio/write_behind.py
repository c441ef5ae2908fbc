"""Writing tracks from a second thread, so that the disk works while the core computes.

A recording's pass reads media, places samples on tracks and measures them. Writing the tracks
costs time the CPU spends waiting (the copy into the page cache, the kernel holding back a
writer with too much unwritten data, the final ``fsync``), and measuring costs time the disk is
idle. :class:`WriteBehind` overlaps them: the pass hands each finished window of a track to one
thread, which writes it while the pass goes on; numpy and file writes release the interpreter
lock, so on two cores both proceed.

What stays as it was:

- **Order.** One thread, one queue: each file's blocks are written in the order given.
- **Memory.** The queue holds at most ``max_blocks`` windows; a pass faster than the disk waits.
- **Whole or not at all.** A file still appears only when its writer's ``close`` (``fsync``,
  then rename) ran; the thread runs those closes too, and :meth:`wait` returns only when all
  are done, before anything reads a track or writes the report.
- **Errors.** The first error the thread meets (a full disk) stops its work: what is queued
  after it is dropped, and the error is raised in the pass at its next :meth:`submit` or
  :meth:`wait`, where the files are discarded as before.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["WriteBehind"]

_STOP = None


class WriteBehind:
    """One thread running file writes in the order they are submitted (see the module notes).

    Use as a context manager, or call :meth:`close`: leaving it waits for the thread to end, so
    that no write is still running on a file the caller is about to discard.
    """

    def __init__(self, max_blocks: int = 16) -> None:
        self._jobs: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue(
            max_blocks
        )
        self._error: BaseException | None = None
        self._drop = threading.Event()  # set: queued jobs are skipped, not run
        self._thread = threading.Thread(target=self._serve, name="callrec-writes", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[..., Any], *args: Any) -> None:
        """Run ``job(*args)`` on the thread after everything submitted before it.

        Raises the error an earlier job met, if any (the job is then not queued).
        """
        self._raise_error()
        self._jobs.put((job, args))

    def wait(self) -> None:
        """Return when every job submitted so far has run; raise the first error one met."""
        self._jobs.join()
        self._raise_error()

    def close(self) -> None:
        """Skip what is still queued, and end the thread once the job it is running returns.

        Never raises: it runs on the way out of a pass, often with another error. Closing
        again does nothing."""
        if not self._thread.is_alive():
            return
        self._drop.set()
        self._jobs.put(_STOP)
        self._thread.join()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _serve(self) -> None:
        while True:
            item = self._jobs.get()
            try:
                if item is _STOP:
                    return
                job, args = item
                if self._error is None and not self._drop.is_set():
                    job(*args)
            except BaseException as exc:  # raised again in the pass, which owns the files
                self._error = exc
            finally:
                self._jobs.task_done()

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
