"""Event Grid ``Microsoft.Communication.RecordingFileStatusUpdated``, in either delivery schema.

The Event Grid schema (``eventType``/``eventTime``/``topic``, delivered as a JSON array) and
CloudEvents 1.0 (``type``/``time``/``source``/``specversion``) are read into one model;
:attr:`RecordingFileStatusUpdated.schema_kind` says which one a payload used. Numbers, times and
list lengths are bounded as in :mod:`callrec.safety.limits`.
"""

from __future__ import annotations

import itertools
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, model_validator

from ..payloads.fields import (
    ApiModel,
    Instant,
    at_most,
    closed_enum,
    items_at_most,
    open_enum,
    shrink_oversized,
)
from ..payloads.reading import RECORDING_FILE_STATUS_UPDATED
from ..safety.limits import MAX_CHUNK_DURATION_MS, MAX_CHUNK_INDEX
from .metadata import ChannelType, ContentType, MediaFormat

__all__ = [
    "RECORDING_FILE_STATUS_UPDATED",
    "ChunkEndReason",
    "RecordingChunkInfo",
    "RecordingFileStatusUpdated",
    "RecordingFileStatusUpdatedData",
    "RecordingStorageInfo",
    "SessionEndReason",
    "parse_subject",
]


_MAX_RECORDING_MS = (MAX_CHUNK_INDEX + 1) * MAX_CHUNK_DURATION_MS


class ChunkEndReason(str, Enum):
    """Known ``endReason`` values; others are kept as plain strings."""

    SESSION_ENDED = "SessionEnded"
    CHUNK_MAXIMUM_SIZE_EXCEEDED = "ChunkMaximumSizeExceeded"
    CHUNK_MAXIMUM_TIME_EXCEEDED = "ChunkMaximumTimeExceeded"
    CHUNK_UPLOAD_FAILURE = "ChunkUploadFailure"


class SessionEndReason(str, Enum):
    """Known ``sessionEndReason`` values; others are kept as plain strings."""

    CALL_ENDED = "CallEnded"
    INITIATOR_LEFT = "InitiatorLeft"


class RecordingChunkInfo(ApiModel):
    """One ``recordingStorageInfo.recordingChunks[]`` entry."""

    document_id: Annotated[str, Field(min_length=1)]
    index: Annotated[int, Field(ge=0), at_most(MAX_CHUNK_INDEX)]
    end_reason: Annotated[ChunkEndReason | str | None, open_enum(ChunkEndReason)] = None
    content_location: str | None = None
    metadata_location: str | None = None
    delete_location: str | None = None


class RecordingStorageInfo(ApiModel):
    recording_chunks: Annotated[
        tuple[RecordingChunkInfo, ...], items_at_most(MAX_CHUNK_INDEX + 1, "chunks")
    ] = ()

    @model_validator(mode="before")
    @classmethod
    def _refuse_long_lists(cls, data: Any) -> Any:
        return shrink_oversized(data, {"recordingChunks": MAX_CHUNK_INDEX + 1})


class RecordingFileStatusUpdatedData(ApiModel):
    """The event's ``data``. The three ``recording*Type`` fields exist in newer events only and
    arrive in PascalCase (``Mixed``); they are normalised to the metadata's vocabulary."""

    recording_storage_info: RecordingStorageInfo = Field(default_factory=RecordingStorageInfo)
    recording_start_time: Instant | None = None
    recording_duration_ms: (
        Annotated[
            float,
            Field(ge=0, allow_inf_nan=False),
            at_most(_MAX_RECORDING_MS, "ms", why="as many chunks as there can be, of 5 h each"),
        ]
        | None
    ) = None
    session_end_reason: Annotated[SessionEndReason | str | None, open_enum(SessionEndReason)] = None
    recording_content_type: Annotated[ContentType | None, closed_enum(ContentType)] = None
    recording_channel_type: Annotated[ChannelType | None, closed_enum(ChannelType)] = None
    recording_format_type: Annotated[MediaFormat | None, closed_enum(MediaFormat)] = None

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            keys = ("recordingContentType", "recordingChannelType", "recordingFormatType")
            return {k: v for k, v in data.items() if not (k in keys and v is None)}
        return data


def parse_subject(subject: str) -> dict[str, str]:
    """The ids in an event subject.

    ``/recording/call/{callId}/serverCallId/{serverCallId}/recordingId/{recordingId}`` gives
    ``{"callId": ..., "serverCallId": ..., "recordingId": ...}``; absent parts are absent keys.
    """
    parts = [p for p in subject.split("/") if p]
    names = {"call": "callId", "servercallid": "serverCallId", "recordingid": "recordingId"}
    found: dict[str, str] = {}
    for key, value in itertools.pairwise(parts):
        name = names.get(key.lower())
        if name is not None and name not in found:
            found[name] = value
    return found


class RecordingFileStatusUpdated(ApiModel):
    """One ``RecordingFileStatusUpdated`` event, from either delivery schema."""

    id: str | None = None
    subject: str = ""
    event_type: str = Field(
        default=RECORDING_FILE_STATUS_UPDATED, validation_alias=AliasChoices("eventType", "type")
    )
    event_time: Instant | None = Field(
        default=None, validation_alias=AliasChoices("eventTime", "time")
    )
    source: str | None = Field(default=None, validation_alias=AliasChoices("topic", "source"))
    data_version: str | None = None
    metadata_version: str | None = None
    spec_version: str | None = Field(
        default=None, validation_alias=AliasChoices("specversion", "specVersion")
    )
    schema_kind: Literal["eventgrid", "cloudevents"] = Field(default="eventgrid", exclude=True)
    data: RecordingFileStatusUpdatedData

    @model_validator(mode="before")
    @classmethod
    def _which_schema(cls, data: Any) -> Any:
        if isinstance(data, dict) and "schemaKind" not in data and "schema_kind" not in data:
            cloud = "specversion" in data or "specVersion" in data or "eventType" not in data
            data = {**data, "schemaKind": "cloudevents" if cloud else "eventgrid"}
        return data

    @property
    def call_id(self) -> str | None:
        """The call id, from ``subject``."""
        return parse_subject(self.subject).get("callId")

    @property
    def server_call_id(self) -> str | None:
        """The server call id, from ``subject`` when it carries one."""
        return parse_subject(self.subject).get("serverCallId")

    @property
    def recording_id(self) -> str | None:
        """The recording id: it lives only in ``subject``."""
        return parse_subject(self.subject).get("recordingId")

    @property
    def chunks(self) -> tuple[RecordingChunkInfo, ...]:
        return self.data.recording_storage_info.recording_chunks
