"""The stages import one way (docs/architecture.md): checked on the source, not trusted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "callrec"

BASE = {"_version", "_lazy", "errors", "timebase", "safety", "storage"}
"""Rooms every stage may use: the version, the exception tree and findings, the one time base,
the guards (secrets, bounds, names, atomic files, locks, worker processes), and where files
live (blob storage's paths)."""

ALLOWED: dict[str, set[str]] = {
    "_version": set(),
    "_lazy": set(),
    "errors": {"safety"},
    "timebase": {"errors"},
    "safety": {"errors", "safety"},
    "storage": {"errors", "safety", "storage"},
    "dsp": {"dsp", "errors", "timebase"},
    "audio": BASE | {"audio", "dsp"},
    "payloads": BASE | {"payloads"},
    "acs": BASE | {"acs", "audio", "payloads"},
    "response": BASE | {"response", "audio", "dsp", "payloads"},
    "output": BASE | {"output", "acs", "audio", "dsp", "payloads"},
    "cluster": BASE,
    "batch": BASE | {"acs", "output", "response", "payloads", "cluster"},
    "cli": BASE | {"acs", "output", "response", "batch", "dsp", "payloads", "audio"},
    "__main__": {"cli"},
}
"""Room -> the rooms its modules may import (the package face, ``callrec/__init__.py``, may
import any room; no module may import the face)."""


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def _room(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0]
    return first[: -len(".py")] if first.endswith(".py") else first


def _imported(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """``(line, dotted module)`` of every callrec import in a module, relative ones resolved,
    wherever they are (inside functions and ``TYPE_CHECKING`` blocks too). A name taken from
    the package face (``from .. import __version__``) is reported as ``callrec``."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts[:-1]
    text = path.read_text(encoding="utf-8") if source is None else source
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "callrec":  # `from . import x`: a submodule, or a name of the face
                for alias in node.names:
                    sub = PACKAGE / alias.name
                    is_module = sub.is_dir() or sub.with_suffix(".py").is_file()
                    found.append((node.lineno, f"callrec.{alias.name}" if is_module else target))
            elif target.startswith("callrec."):
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("callrec")]
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_imports_only_the_rooms_below_it(path: Path) -> None:
    room = _room(path)
    assert room in ALLOWED, f"{room}: a new room needs its place in docs/architecture.md"
    for line, target in _imported(path):
        assert target != "callrec", f"line {line}: no module imports the package face"
        other = target.split(".")[1]
        assert other in ALLOWED[room] or other == room, (
            f"{path.relative_to(PACKAGE)}:{line} imports {target}: {room} may import "
            f"{sorted(ALLOWED[room])}"
        )


def test_the_core_imports_nothing_outside_dsp_errors_and_timebase() -> None:
    for path in sorted((PACKAGE / "dsp").rglob("*.py")):
        for line, target in _imported(path):
            assert target.split(".")[1] in {"dsp", "errors", "timebase"}, f"{path.name}:{line}"


def test_no_module_imports_the_package_face() -> None:
    for path in _modules():
        for line, target in _imported(path):
            assert target != "callrec", f"{path.relative_to(PACKAGE)}:{line}"
            assert not target.startswith("callrec.__init__"), f"{path}:{line}"


def test_the_checker_sees_what_it_must_refuse() -> None:
    """Relative imports are resolved, and a name from the face is told from a submodule."""
    source = "from .. import __version__\nfrom .. import batch\nfrom ..batch import process\n"
    targets = [t for _, t in _imported(PACKAGE / "output" / "run.py", source)]
    assert targets == ["callrec", "callrec.batch", "callrec.batch"]


def test_no_function_is_longer_than_80_lines() -> None:
    """A function that does not fit on a screen does more than one thing."""
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines > 80:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({lines})")
    assert long == []
