"""ACS files to models: chunk metadata and ``RecordingFileStatusUpdated`` events, with errors
that name the file, the field and the value (see :mod:`callrec.payloads.reading`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import MISSING, MetadataError
from ..payloads.reading import (
    RECORDING_FILE_STATUS_UPDATED,
    check_document,
    is_recording_event,
    read_json,
    require_object,
    validate_model,
)
from .events import RecordingFileStatusUpdated
from .metadata import ChunkMetadata

__all__ = [
    "load_chunk_metadata",
    "load_recording_events",
    "parse_chunk_metadata",
    "parse_recording_events",
]


def parse_chunk_metadata(data: Any, *, file: str | Path | None = None) -> ChunkMetadata:
    """Validate one chunk's parsed metadata JSON."""
    check_document(data, file=file)
    require_object(data, file=file, what="chunk metadata")
    return validate_model(ChunkMetadata, data, file=file)


def load_chunk_metadata(path: str | Path) -> ChunkMetadata:
    """Read and validate one chunk metadata file."""
    return parse_chunk_metadata(read_json(path), file=path)


def parse_recording_events(
    data: Any, *, file: str | Path | None = None
) -> list[RecordingFileStatusUpdated]:
    """The ``RecordingFileStatusUpdated`` events in a payload.

    Accepts one event or an array of them, in the Event Grid schema or as CloudEvents. Other
    event types in an array (subscription validation, other services) are skipped.
    """
    check_document(data, file=file)
    if isinstance(data, list):
        return [
            validate_model(RecordingFileStatusUpdated, item, file=file, prefix=f"[{i}]")
            for i, item in enumerate(data)
            if is_recording_event(item)
        ]
    require_object(data, file=file, what="an event or an array of events")
    if not is_recording_event(data):
        raise MetadataError(
            path="eventType",
            value=data.get("eventType", data.get("type", MISSING)),
            expected=repr(RECORDING_FILE_STATUS_UPDATED),
            file=file,
        )
    return [validate_model(RecordingFileStatusUpdated, data, file=file)]


def load_recording_events(path: str | Path) -> list[RecordingFileStatusUpdated]:
    """Read a saved event file (array or single event, either schema)."""
    return parse_recording_events(read_json(path), file=path)
