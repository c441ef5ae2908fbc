"""The metadata JSON that ACS Call Recording writes beside each chunk's media file.

Every number is bounded where it enters (finite, in the ranges of :mod:`callrec.safety.limits`), so a
value that would size a loop, an array or a file absurdly, or overflow date arithmetic, fails here
as a :class:`~callrec.errors.MetadataError` naming the field, never later as a crash.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from ..payloads.fields import (
    ApiModel,
    Instant,
    at_most,
    closed_enum,
    items_at_most,
    shrink_oversized,
)
from ..safety.limits import (
    MAX_CHANNELS,
    MAX_CHUNK_DURATION_MS,
    MAX_CHUNK_INDEX,
    MAX_PARTICIPANTS_PER_CHUNK,
    MAX_PAUSE_MS,
    MAX_PAUSES_PER_CHUNK,
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
)

__all__ = [
    "AudioConfiguration",
    "ChannelType",
    "ChunkMetadata",
    "ContentType",
    "MediaFormat",
    "Participant",
    "PauseResumeInterval",
    "RecordingInfo",
    "VideoConfiguration",
]


class ContentType(str, Enum):
    AUDIO = "audio"
    AUDIO_VIDEO = "audioVideo"


class ChannelType(str, Enum):
    MIXED = "mixed"
    UNMIXED = "unmixed"


class MediaFormat(str, Enum):
    WAV = "wav"
    MP3 = "mp3"
    MP4 = "mp4"


# Fields callrec does not use: bounded only so that no value is unbounded, generously.
_MAX_BIT_RATE = 1_000_000_000
_MAX_PIXELS = 100_000
_MAX_FRAME_RATE = 1_000

_CONTENT_WORDS = {"audio", "audiovideo"}
_CHANNEL_WORDS = {"mixed", "unmixed"}


class AudioConfiguration(ApiModel):
    """``recordingInfo.audioConfiguration``; numbers may arrive as strings (``"16000"``)."""

    sample_rate: (
        Annotated[
            int,
            Field(gt=0),
            at_most(MAX_SAMPLE_RATE, "Hz", at_least=MIN_SAMPLE_RATE),
        ]
        | None
    ) = None
    bit_rate: Annotated[int, Field(ge=0), at_most(_MAX_BIT_RATE, "bit/s")] | None = None
    channels: Annotated[int, Field(ge=1), at_most(MAX_CHANNELS, "channels")] | None = None


class VideoConfiguration(ApiModel):
    """``recordingInfo.videoConfiguration``, present for mp4 only."""

    longer_side_length: Annotated[int, Field(ge=0), at_most(_MAX_PIXELS, "pixels")] | None = None
    shorter_side_length: Annotated[int, Field(ge=0), at_most(_MAX_PIXELS, "pixels")] | None = None
    framerate: (
        Annotated[float, Field(ge=0, allow_inf_nan=False), at_most(_MAX_FRAME_RATE, "fps")] | None
    ) = None
    bit_rate: Annotated[int, Field(ge=0), at_most(_MAX_BIT_RATE, "bit/s")] | None = None


class RecordingInfo(ApiModel):
    """``recordingInfo``.

    2021-era files swap ``contentType`` and ``channelType`` (``"contentType": "mixed"``); the two
    vocabularies are disjoint, so the values are put back where they belong and
    :attr:`types_swapped` records that it happened.
    """

    content_type: Annotated[ContentType | None, closed_enum(ContentType)] = None
    channel_type: Annotated[ChannelType | None, closed_enum(ChannelType)] = None
    format: Annotated[MediaFormat | None, closed_enum(MediaFormat)] = None
    audio_configuration: AudioConfiguration | None = None
    video_configuration: VideoConfiguration | None = None
    types_swapped: bool = Field(default=False, exclude=True, alias="callrecTypesSwapped")

    @model_validator(mode="before")
    @classmethod
    def _unswap(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        content, channel = data.get("contentType"), data.get("channelType")
        if (
            isinstance(content, str)
            and isinstance(channel, str)
            and content.lower() in _CHANNEL_WORDS
            and channel.lower() in _CONTENT_WORDS
        ):
            data = {**data, "contentType": channel, "channelType": content}
            data["callrecTypesSwapped"] = True
        for key in ("contentType", "channelType", "format"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class PauseResumeInterval(ApiModel):
    """One ``pauseResumeIntervals[]`` entry: when recording was paused and for how long."""

    start_time: Instant
    duration_ms: Annotated[
        float,
        Field(ge=0, alias="duration", allow_inf_nan=False),
        at_most(MAX_PAUSE_MS, "ms", why="a pause lasts at most 24 h"),
    ]


class Participant(ApiModel):
    """One ``participants[]`` entry. ``channel`` is 0-based and set only in unmixed recordings."""

    participant_id: Annotated[str, Field(min_length=1)]
    channel: (
        Annotated[
            int, Field(ge=0), at_most(MAX_CHANNELS - 1, why=f"at most {MAX_CHANNELS} channels")
        ]
        | None
    ) = None


class ChunkMetadata(ApiModel):
    """The metadata document of one chunk.

    Only what processing truly needs is required: ``callId``, ``chunkIndex``, ``chunkStartTime``
    and ``chunkDuration``. Durations stay in milliseconds here, as in the file.
    """

    resource_id: str | None = None
    call_id: Annotated[str, Field(min_length=1)]
    chunk_document_id: str | None = None
    chunk_index: Annotated[int, Field(ge=0), at_most(MAX_CHUNK_INDEX)]
    chunk_start_time: Instant
    chunk_duration_ms: Annotated[
        float,
        Field(ge=0, alias="chunkDuration", allow_inf_nan=False),
        at_most(MAX_CHUNK_DURATION_MS, "ms", why="a chunk lasts at most 4 h"),
    ]
    pause_resume_intervals: Annotated[
        tuple[PauseResumeInterval, ...], items_at_most(MAX_PAUSES_PER_CHUNK, "pauses")
    ] = ()
    recording_info: RecordingInfo = Field(default_factory=RecordingInfo)
    participants: Annotated[
        tuple[Participant, ...], items_at_most(MAX_PARTICIPANTS_PER_CHUNK, "participants")
    ] = ()

    @model_validator(mode="before")
    @classmethod
    def _refuse_long_lists(cls, data: Any) -> Any:
        return shrink_oversized(
            data,
            {
                "participants": MAX_PARTICIPANTS_PER_CHUNK,
                "pauseResumeIntervals": MAX_PAUSES_PER_CHUNK,
            },
        )

    @field_validator("pause_resume_intervals", "participants", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return () if value is None else value

    @field_validator("recording_info", mode="before")
    @classmethod
    def _null_info(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def sample_rate(self) -> int | None:
        """``recordingInfo.audioConfiguration.sampleRate``, when given."""
        audio = self.recording_info.audio_configuration
        return audio.sample_rate if audio is not None else None

    @property
    def declared_channels(self) -> int | None:
        """``recordingInfo.audioConfiguration.channels``, when given."""
        audio = self.recording_info.audio_configuration
        return audio.channels if audio is not None else None
