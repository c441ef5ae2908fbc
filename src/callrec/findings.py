"""Findings: things callrec noticed about a recording that do not stop it from being used."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LOST_AUDIO", "Finding"]

LOST_AUDIO = frozenset(
    {
        "chunk-without-media",  # the chunk's media was never downloaded
        "media-unusable",  # empty, or a header that cannot be read
        "media-undecodable",  # a header, but the decoder will not start
        "truncated-media",  # ends early, or decoding stopped at damaged data
        "missing-chunk",  # a chunk index the event names, or a gap in the indexes, is absent
    }
)
"""Finding codes that mean part of a recording's audio is missing from its tracks: the time is
kept (digital silence), the recording is *incomplete*, and ``callrec process`` says so."""


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
