"""Worker processes that can neither take a batch down nor outlive it.

Decoders of compressed audio are native code: a damaged file can crash the process that reads
it (a segmentation fault is not an exception). Each task therefore runs in a worker process;
when a worker dies in the middle of a task, that task alone is reported as crashed, a new
worker takes its place, and the other tasks go on. ``concurrent.futures.ProcessPoolExecutor``
would instead mark every pending task failed (``BrokenProcessPool``).

A worker also never outlives the process that started it: on Linux the kernel kills it when
its parent dies (``PR_SET_PDEATHSIG``), ``kill -9`` of the command included; elsewhere a
thread in the worker notices the new parent within a fraction of a second and exits. A worker
ignores Ctrl-C: the parent, which gets it too, stops the workers itself.

::

    parent ── task ──▶ worker 1 ── result ──▶ parent
           ── task ──▶ worker 2 ✖ (signal 11) ──▶ crash(task): "the process died (SIGSEGV)"
           ── task ──▶ worker 2' (a new one) ...
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from .atomic import process_alive

__all__ = ["WorkerPool", "crash_reason"]

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1
_WATCH_S = 0.2
_STOP_S = 2.0


def crash_reason(exitcode: int | None) -> str:
    """Why a worker ended in the middle of a task, in words."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the process working on it died ({name})"
    return f"the process working on it exited with status {exitcode}"


def _die_with(parent: int) -> None:
    """End this process as soon as ``parent`` (the process that made the pool) is gone.

    Started by fork or spawn, the worker is ``parent``'s child: the kernel can be told to kill
    it (Linux), and its parent id changes the moment ``parent`` dies. Started through a fork
    server (Python 3.14's default on Linux) its parent is the server, so only watching
    ``parent`` itself works there.
    """
    direct = os.getppid() == parent
    if direct and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the kernel was told
            os._exit(1)

    def gone() -> bool:
        return os.getppid() != parent if direct else not process_alive(parent)

    def watch() -> None:
        while not gone():
            threading.Event().wait(_WATCH_S)
        os._exit(1)

    threading.Thread(target=watch, name="callrec-parent-watch", daemon=True).start()


def _serve(connection: Connection, parent: int, work: Callable[[Any], Any]) -> None:
    """A worker's life: take a task, send back its result, until told to stop."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crash is reported as the task's outcome; a Python stack dump on the terminal (when the
    # parent enabled faulthandler) would only bury the summary.
    faulthandler.disable()
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        connection.send(work(task))


class _Worker(Generic[T]):
    def __init__(self, context: Any, work: Callable[[T], Any]) -> None:
        self.connection, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs, os.getpid(), work), name="callrec-worker", daemon=True
        )
        self.process.start()
        theirs.close()
        self.task: T | None = None

    def give(self, task: T) -> None:
        self.task = task
        self.connection.send(task)

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.connection.close()


class WorkerPool(Generic[T, R]):
    """Run ``work(task)`` for each task in ``workers`` processes, results as they come.

    ``work`` must return (never raise) a result; a task whose worker died gets
    ``crashed(task, reason)`` instead. ``work`` and the tasks must pickle.
    """

    def __init__(
        self,
        workers: int,
        work: Callable[[T], R],
        crashed: Callable[[T, str], R],
        *,
        start_method: str | None = None,
    ) -> None:
        self._count = max(1, workers)
        self._work = work
        self._crashed = crashed
        self._context = multiprocessing.get_context(start_method)

    def run(self, tasks: Iterable[T]) -> Iterator[R]:
        pending: deque[T] = deque(tasks)
        busy: list[_Worker[T]] = []
        started: list[_Worker[T]] = []  # all of them are gone when this returns
        try:
            for _ in range(min(self._count, len(pending))):
                worker: _Worker[T] = _Worker(self._context, self._work)
                started.append(worker)
                worker.give(pending.popleft())
                busy.append(worker)
            while busy:
                waiting = {w.connection: w for w in busy} | {w.process.sentinel: w for w in busy}
                for ready in wait(list(waiting)):
                    worker = waiting[ready]
                    if worker not in busy:
                        continue  # both its pipe and its sentinel were ready
                    result, alive = self._collect(worker)
                    yield result
                    alive = alive and worker.process.is_alive()
                    if alive and pending:
                        worker.give(pending.popleft())
                        continue
                    busy.remove(worker)
                    worker.stop()
                    if not alive:
                        worker.process.join()
                        if pending:
                            fresh: _Worker[T] = _Worker(self._context, self._work)
                            started.append(fresh)
                            fresh.give(pending.popleft())
                            busy.append(fresh)
        finally:
            # Stopped early (Ctrl-C, an exception, the caller gave up): a busy worker would
            # finish its recording first, and a worker ignores Ctrl-C, so it is killed now. Its
            # half-written files are removed by the next run in that folder.
            for worker in busy:
                worker.process.kill()
                worker.stop()
            # Joined, so that nothing of this run (an open file, the output folder's lock that
            # a forked worker shares) is left when it returns.
            for worker in started:
                worker.process.join(_STOP_S)
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join()

    def _collect(self, worker: _Worker[T]) -> tuple[R, bool]:
        """The finished task's result, and whether the worker is still alive."""
        assert worker.task is not None
        task, worker.task = worker.task, None
        try:
            if worker.connection.poll():
                return worker.connection.recv(), True
        except (EOFError, OSError):
            pass
        worker.process.join()
        return self._crashed(task, crash_reason(worker.process.exitcode)), False
