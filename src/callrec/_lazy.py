"""Package namespaces whose names are imported on first use.

``import callrec`` (or ``callrec.dsp``) then costs only what is used: a script that reads one
file does not pay for the report models or the loudness filter.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_names(
    package: str, names: dict[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``; ``names`` maps each name to its module
    (relative to ``package`` when it starts with a dot)."""

    def get(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        loaded = importlib.import_module(module, package)
        # Bind every name of that module at once: importing a submodule sets the package
        # attribute of the same name (callrec.dsp.loudness), which the function must replace.
        for other, where in names.items():
            if where == module:
                namespace[other] = getattr(loaded, other)
        return namespace[name]

    def listing() -> list[str]:
        return sorted(set(namespace) | set(names))

    return get, listing
