"""One BLAS thread while the core computes.

The core's matrix products are many and skinny (a few columns, tens of thousands of rows).
OpenBLAS splits each across every CPU, which on the machines measured here doubled the CPU time
and made whole runs vary by half from one to the next, and it oversubscribes the CPUs when
``callrec process --jobs`` already runs one process per CPU. The limit holds only while a block
is being computed and is then restored, so other code in the same program keeps its setting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["one_blas_thread"]

_blas: list[Any] | None = None


def _blas_libraries() -> list[Any]:
    global _blas
    if _blas is None:
        # Imported late: the libraries it inspects are numpy's, loaded by now.
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController().select(user_api="blas").lib_controllers
    return _blas


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """A context in which numpy's BLAS uses one thread.

    It is entered for every block of every accumulator, so it talks to the libraries directly
    rather than through ``threadpool_limits`` (14 us a time), and leaves alone a library already
    on one thread, which makes nesting it free.
    """
    changed = []
    for library in _blas_libraries():
        threads = library.get_num_threads()
        if threads != 1:
            library.set_num_threads(1)
            changed.append((library, threads))
    try:
        yield
    finally:
        for library, threads in changed:
            library.set_num_threads(threads)
