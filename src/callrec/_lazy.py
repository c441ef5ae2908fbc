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
from collections.abc import Callable
from typing import Any

_BLOCK = "\nif TYPE_CHECKING:\n"


def face_names(source: str) -> dict[str, str]:
    """Name -> relative module, from the ``if TYPE_CHECKING:`` block of a face's source.

    Read with string methods, not ``ast`` or regular expressions: this runs at every
    ``import callrec``, and compiling either costs more than the rest of the face.
    """
    source = "\n" + source  # the block may open the text
    start = source.find(_BLOCK)
    if start < 0:
        raise ImportError("a lazy package face needs an `if TYPE_CHECKING:` block of imports")
    names: dict[str, str] = {}
    module = ""
    for line in source[start + len(_BLOCK) :].splitlines():
        if line and not line[0].isspace():
            break  # the end of the block
        code = line.split("#", 1)[0].strip()
        if code.startswith("from "):
            where, _, code = code[len("from ") :].partition(" import ")
            module = where.strip()
        for item in code.replace("(", " ").replace(")", " ").split(","):
            name, _, alias = item.strip().partition(" as ")
            name, alias = name.strip(), alias.strip()
            if not name:
                continue
            if alias and alias != name:
                raise ImportError(f"a lazy face cannot rename on import: {name} as {alias}")
            names[name] = module
    return names


def lazy_face(
    package: str, namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for the face ``package``, whose module
    ``namespace`` (its ``globals()``) is given.

    The face's source comes from its loader, so a package imported from a zip file (a zipapp)
    works too. An installation without sources (a frozen application that kept only bytecode)
    cannot have lazy faces: importing one says so.
    """
    spec = namespace["__spec__"]
    source = spec.loader.get_source(package) if spec.loader is not None else None
    if source is None:
        raise ImportError(
            f"{package}: its names are listed in its source, which this installation lacks; "
            "keep callrec's .py files when freezing an application"
        )
    names = face_names(source)

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
