"""Paths that stay what they are.

``Path(p)`` rebuilds any path as a local one: a blob's path (:class:`callrec.storage.BlobPath`)
would silently become a local file name that happens to share its parts. Code that takes
``str | Path`` normalises with :func:`as_path` instead.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["as_path"]


def as_path(path: str | os.PathLike[str]) -> Path:
    """``path`` itself when it is already a :class:`~pathlib.Path` (a blob's included), else
    the local path it names."""
    return path if isinstance(path, Path) else Path(path)
