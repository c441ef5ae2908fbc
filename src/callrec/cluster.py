"""Tasks on a Dask cluster: the ``distributed`` counterpart of :class:`~callrec.safety.workers.WorkerPool`.

``callrec process --scheduler ADDRESS`` (``callrec.process(..., scheduler=...)``) hands each
recording to a worker of a ``distributed`` cluster. The task carries what discovery found (chunk
metadata and paths, never audio) and returns the recording's outcome; the worker reads the media
and writes the outputs itself, so the paths must mean the same on every machine.

Two things differ from a local pool, and are handled here:

- **A worker that dies** (a native decoder crashing on damaged media) makes Dask try the task on
  another worker, up to the scheduler's ``allowed-failures``, then fail it with ``KilledWorker``.
  That becomes ``crashed(task, reason)``, as a dead local worker does, and the batch goes on.
- **Blame.** When a worker dies, the scheduler counts a failure against *every* task assigned to
  it, running or waiting. So the pool keeps no more tasks on the cluster than it has threads:
  each worker holds the one recording it is running, and a crash is held against that one only.
  The next task is submitted when one finishes (a round trip of milliseconds against a
  recording's seconds), and the count of threads is read again each time, so workers that join
  or leave are used.
- **Results live on the workers** until the client fetches them (at once, as each finishes).
  A worker that dies before its last result was fetched makes Dask run that recording again;
  its folder is complete by then, so the second run reports it ``skipped`` (already done)
  rather than ``done``. The files are the same either way.

``distributed`` is the ``dask`` extra: it is imported when a cluster is used, never before, and
missing it is a :class:`~callrec.errors.MissingExtraError` naming the install command.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union, cast

from ._version import __version__
from .errors import MissingExtraError, UsageError

if TYPE_CHECKING:
    # In a try, as every import of the extra is (tests/test_engines.py holds the base install
    # to the imports outside one).
    try:  # noqa: SIM105
        from distributed import Client, Future, as_completed
    except ImportError:  # pragma: no cover
        pass

__all__ = ["ClusterPool", "Scheduler", "check_workers", "connect"]

T = TypeVar("T")
R = TypeVar("R")

Scheduler = Union[str, "Client"]
"""A ``distributed`` scheduler's address (``tcp://10.0.0.5:8786``), or a connected ``Client``."""

_FEATURE = "running recordings on a Dask cluster (--scheduler)"


def _distributed() -> ModuleType:
    """The ``distributed`` package, or the error that says how to install it."""
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise MissingExtraError(_FEATURE, extra="dask", module="distributed") from None


@contextlib.contextmanager
def connect(scheduler: Scheduler) -> Iterator[Client]:
    """A client of the cluster, its workers checked (:func:`check_workers`).

    A client passed in is used as it is and left open: it is the caller's. An address gets a
    client of its own, closed on the way out; it is not made the default client, so a caller's
    own Dask work is not redirected to it.
    """
    distributed = _distributed()
    if isinstance(scheduler, distributed.Client):
        check_workers(scheduler)
        yield scheduler
        return
    _check_address(distributed, scheduler)
    try:
        client = distributed.Client(scheduler, set_as_default=False)
    except (OSError, ValueError, TypeError, asyncio.TimeoutError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
    try:
        check_workers(client)
        yield client
    finally:
        client.close()


def _check_address(distributed: ModuleType, address: object) -> None:
    """Refuse what is not a scheduler's address before a client is made of it: an empty one
    would start a local cluster, and a client refused an unknown scheme would hang the
    interpreter's exit for a minute, closing itself."""
    # Addresses stand apart from punctuation: messages reduce what reads as a URL.
    example = "such as tcp://10.0.0.5:8786"
    if not isinstance(address, str):
        raise UsageError(
            f"scheduler must be a Dask scheduler's address, {example} or a distributed.Client, "
            f"got {type(address).__name__}"
        )
    try:
        scheme, location = distributed.comm.parse_address(address, strict=False)
        distributed.comm.registry.get_backend(scheme)
    except ValueError as exc:
        raise UsageError(f"{address} is not a Dask scheduler's address: {exc}") from None
    if not location:
        raise UsageError(
            f"{address or 'an empty string'} is not a Dask scheduler's address, {example}"
        )


def check_workers(client: Client) -> None:
    """Refuse a cluster whose workers run another callrec, or none: each would fail every
    recording it got (or write outputs another version would redo), so nothing is started.

    Only the workers connected now are asked; one that joins later without callrec fails the
    recordings it gets, each saying why.
    """
    versions = cast("dict[str, Any]", client.get_versions(packages=["callrec"]))
    wrong = []
    for address, info in sorted((versions.get("workers") or {}).items()):
        packages = info.get("packages", {}) if isinstance(info, dict) else {}
        theirs = packages.get("callrec")
        if theirs != __version__:
            wrong.append(f"{address} has {'callrec ' + theirs if theirs else 'no callrec'}")
    if wrong:
        raise UsageError(
            f"every Dask worker needs callrec {__version__} installed (the version running "
            f"here): {'; '.join(wrong)}"
        )
    threads: dict[str, int] = cast(Any, client).nthreads()
    crowded = sorted(address for address, count in threads.items() if count > 1)
    if crowded:
        # Two recordings in one process would share its warning filters (damage found while
        # reading becomes a finding through them) and its BLAS thread limit.
        raise UsageError(
            f"callrec needs single-threaded Dask workers (dask worker --nthreads 1, one process "
            f"per CPU); these run several threads: {', '.join(crowded)}"
        )


class ClusterPool(Generic[T, R]):
    """Run ``work(task)`` for each task on a Dask cluster, results as they come.

    ``work`` must return (never raise) a result and must pickle by reference (a module-level
    function of a package the workers have). A task whose workers died gets
    ``crashed(task, reason)``; one the cluster could not run for another reason (the scheduler
    went away, the worker could not load ``work``) gets ``failed(task, reason)``.
    """

    def __init__(
        self,
        client: Client,
        work: Callable[[T], R],
        crashed: Callable[[T, str], R],
        failed: Callable[[T, str], R],
    ) -> None:
        self._client: Any = client  # some of Client's methods are untyped
        self._work = work
        self._crashed = crashed
        self._failed = failed
        self._distributed = _distributed()

    def run(self, tasks: Iterable[T]) -> Iterator[R]:
        pending: deque[T] = deque(tasks)
        running: dict[str, tuple[Future[R], T]] = {}
        # Grows as tasks are added; on our client's loop (it need not be the default client).
        finished: as_completed = self._distributed.as_completed(loop=self._client.loop)
        try:
            lost = self._topped_up(pending, running, finished)
            for future in finished if lost is None else ():
                _, task = running.pop(str(future.key))
                yield self._result(future, task)
                lost = self._topped_up(pending, running, finished)
                if lost is not None:
                    break
            if lost is not None:
                # No scheduler, nothing more runs: each recording not done is a failure of its
                # own, so that the batch still ends with its outcomes and errors.json.
                for _, task in [*running.values(), *((None, t) for t in pending)]:
                    yield self._failed(task, f"the Dask scheduler went away ({lost})")
                pending.clear()
        finally:
            # Stopped early (Ctrl-C, the caller gave up): tasks not begun are withdrawn. One a
            # worker has begun runs to its end there (a thread cannot be stopped), no longer
            # under this run's lock on the output folder: the README asks to let it end before
            # the next run into that folder.
            if running:
                with contextlib.suppress(Exception):
                    self._client.cancel([future for future, _ in running.values()])

    def _topped_up(
        self, pending: deque[T], running: dict[str, tuple[Future[R], T]], finished: Any
    ) -> str | None:
        """:meth:`_top_up`; why the cluster cannot be reached, or ``None`` when it could."""
        try:
            self._top_up(pending, running, finished)
        # distributed's CommClosedError is an OSError, as is a connection refused or timed out.
        except (OSError, asyncio.TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def _threads(self) -> int:
        """Worker threads on the cluster now (at least 1, so that a task waits for a worker)."""
        threads: dict[str, int] = self._client.nthreads()
        return max(1, sum(threads.values()))

    def _top_up(
        self, pending: deque[T], running: dict[str, tuple[Future[R], T]], finished: Any
    ) -> None:
        """Submit tasks until as many run as the cluster has threads (see the module's notes)."""
        room = self._threads() - len(running)
        while pending and room > 0:
            task = pending.popleft()
            # A key of its own per task: two runs on one cluster, or a re-run of the same
            # recording, never share a result.
            key = f"callrec-{uuid.uuid4().hex}"
            future: Future[R] = self._client.submit(self._work, task, key=key, pure=False)
            running[key] = (future, task)
            finished.add(future)
            room -= 1

    def _result(self, future: Future[R], task: T) -> R:
        try:
            return future.result()  # released below: a result the client holds is not pinned
        except self._distributed.KilledWorker as exc:
            return self._crashed(task, _killed_reason(exc))
        except (Exception, asyncio.CancelledError) as exc:
            return self._failed(task, f"{type(exc).__name__}: {exc}")
        finally:
            with contextlib.suppress(Exception):
                cast(Any, future).release()


def _killed_reason(exc: Any) -> str:
    """``KilledWorker`` in words: how many workers died running the task, and the last one
    (read defensively: the exception crossed the network, and its fields vary by version)."""
    tries = getattr(exc, "allowed_failures", None)
    last = getattr(getattr(exc, "last_worker", None), "address", None)
    count = f"{tries + 1} Dask worker processes" if isinstance(tries, int) else "Dask workers"
    # Host and port without the scheme: error messages reduce anything that reads as a URL.
    where = f" (the last on {str(last).split('://')[-1]})" if last else ""
    return f"{count} died{where}"
