"""One BLAS thread while the core computes.

The core's matrix products are many and skinny (a few columns, tens of thousands of rows).
OpenBLAS splits each across every CPU, which on the machines measured here doubled the CPU time
and made whole runs vary by half from one to the next, and it oversubscribes the CPUs when
``callrec process --jobs`` already runs one process per CPU. The limit holds only while a block
is being computed and is then restored, so other code in the same program keeps its setting.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

__all__ = ["one_blas_thread"]

_blas: list[Any] | None = None
_inside = threading.local()
"""``depth``: how many :class:`one_blas_thread` contexts this thread is in."""


def _blas_libraries() -> list[Any]:
    global _blas
    if _blas is None:
        # Imported late: the libraries it inspects are numpy's, loaded by now.
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController().select(user_api="blas").lib_controllers
    return _blas


class one_blas_thread:  # lower case: it is used as a function, ``with one_blas_thread():``
    """A context in which numpy's BLAS uses one thread.

    It is entered for every block of every accumulator, so it talks to the libraries directly
    rather than through ``threadpool_limits`` (14 us a time), and leaves alone a library already
    on one thread. Inside another one on the same thread it does nothing at all: the outer one
    holds the setting, and a pass over a day of short calls enters it tens of thousands of
    times.
    """

    __slots__ = ("_changed",)

    def __init__(self) -> None:
        self._changed: list[tuple[Any, int]] = []

    def __enter__(self) -> None:
        depth = getattr(_inside, "depth", 0)
        _inside.depth = depth + 1
        if depth:
            return
        try:
            for library in _blas_libraries():
                threads = library.get_num_threads()
                if threads != 1:
                    library.set_num_threads(1)
                    self._changed.append((library, threads))
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        _inside.depth -= 1
        for library, threads in self._changed:
            library.set_num_threads(threads)
        self._changed.clear()
