"""One BLAS thread while the core computes.

The core's matrix products are many and skinny (a few columns, tens of thousands of rows).
OpenBLAS splits each across every CPU, which on the machines measured here doubled the CPU time
and made whole runs vary by half from one to the next, and it oversubscribes the CPUs when
``callrec process --jobs`` already runs one process per CPU. The limit holds only while a block
is being computed and is then restored, so other code in the same program keeps its setting.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

__all__ = ["one_blas_thread"]

_controller: Any = None


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which numpy's BLAS uses one thread."""
    global _controller
    if _controller is None:
        # Imported late: the libraries it inspects are numpy's, loaded by now.
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    limit: AbstractContextManager[Any] = _controller.limit(limits=1, user_api="blas")
    return limit
