"""Text files that appear whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["clear_partials", "write_text"]


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, renamed at the end."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def clear_partials(*folders: Path) -> None:
    """Remove temporary files a killed run left behind (``.<name>.<random>.partial``)."""
    for folder in folders:
        if folder.is_dir():
            for stale in folder.glob(".*.partial"):
                stale.unlink(missing_ok=True)
