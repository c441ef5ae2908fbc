"""Findings: things callrec noticed about a recording that do not stop it from being used."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Finding"]


@dataclass(frozen=True)
class Finding:
    """A warning about the input, kept as data so reports and batch logs can carry it.

    Attributes
    ----------
    code
        A stable slug (``media-length-mismatch``, ``missing-chunk``, ...) for filtering.
    message
        A sentence a person can act on; it names the chunk and the numbers involved.
    chunk_index
        The chunk concerned, when one is.
    file
        The file concerned, when one is.
    """

    code: str
    message: str
    chunk_index: int | None = None
    file: Path | None = None

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "chunk_index": self.chunk_index,
            "file": str(self.file) if self.file is not None else None,
        }
