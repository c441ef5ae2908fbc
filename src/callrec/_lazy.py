"""Package faces whose names are imported on first use, from one list.

``import callrec`` (or ``callrec.audio``) then costs only what is used: a script that reads one
file does not pay for the report models or the loudness filter.

The one list is the face's ``if TYPE_CHECKING:`` block of ``from .module import name as name``
lines (``as`` itself: the type checker's sign of a name exported on purpose): the type checker
reads it as imports, and :func:`lazy_face` reads the same lines from the face's source to learn
which module holds which name, so the two can never disagree.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

_BLOCK = re.compile(r"^if TYPE_CHECKING:\n((?:[ \t]+.*\n|\n)+)", re.MULTILINE)
_IMPORT = re.compile(r"from\s+(\.[\w.]*)\s+import\s+(\([^)]*\)|[^\n]*)")
_ITEM = re.compile(r"([A-Za-z_]\w*)(?:\s+as\s+([A-Za-z_]\w*))?")


def face_names(source: str) -> dict[str, str]:
    """Name -> relative module, from the ``if TYPE_CHECKING:`` block of a face's source."""
    block = _BLOCK.search(source)
    if block is None:
        raise ImportError("a lazy package face needs an `if TYPE_CHECKING:` block of imports")
    names: dict[str, str] = {}
    for module, listed in _IMPORT.findall(block.group(1)):
        for name, alias in _ITEM.findall(re.sub(r"#[^\n]*", "", listed)):
            if alias and alias != name:
                raise ImportError(f"a lazy face cannot rename on import: {name} as {alias}")
            names[name] = module
    return names


def lazy_face(
    package: str, source_file: str, namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for the face ``package`` whose source is
    ``source_file``."""
    with open(source_file, encoding="utf-8") as source:  # not pathlib: 4 ms of start-up
        names = face_names(source.read())

    def get(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        loaded = importlib.import_module(module, package)
        # Bind every name of that module at once: importing a submodule sets the package
        # attribute of the same name, which the name from the face must replace.
        for other, where in names.items():
            if where == module:
                namespace[other] = getattr(loaded, other)
        return namespace[name]

    def listing() -> list[str]:
        return sorted(set(namespace) | set(names))

    public = sorted(n for n in names if not n.startswith("_"))
    return get, listing, public
