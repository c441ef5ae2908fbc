"""The metadata JSON that ACS Call Recording writes beside each chunk's media file."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from ._base import ApiModel, Instant, closed_enum

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


_CONTENT_WORDS = {"audio", "audiovideo"}
_CHANNEL_WORDS = {"mixed", "unmixed"}


class AudioConfiguration(ApiModel):
    """``recordingInfo.audioConfiguration``; numbers may arrive as strings (``"16000"``)."""

    sample_rate: Annotated[int, Field(gt=0)] | None = None
    bit_rate: Annotated[int, Field(ge=0)] | None = None
    channels: Annotated[int, Field(ge=1)] | None = None


class VideoConfiguration(ApiModel):
    """``recordingInfo.videoConfiguration``, present for mp4 only."""

    longer_side_length: int | None = None
    shorter_side_length: int | None = None
    framerate: float | None = None
    bit_rate: int | None = None


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
    duration_ms: Annotated[float, Field(ge=0, alias="duration")]


class Participant(ApiModel):
    """One ``participants[]`` entry. ``channel`` is 0-based and set only in unmixed recordings."""

    participant_id: Annotated[str, Field(min_length=1)]
    channel: Annotated[int, Field(ge=0)] | None = None


class ChunkMetadata(ApiModel):
    """The metadata document of one chunk.

    Only what processing truly needs is required: ``callId``, ``chunkIndex``, ``chunkStartTime``
    and ``chunkDuration``. Durations stay in milliseconds here, as in the file.
    """

    resource_id: str | None = None
    call_id: Annotated[str, Field(min_length=1)]
    chunk_document_id: str | None = None
    chunk_index: Annotated[int, Field(ge=0)]
    chunk_start_time: Instant
    chunk_duration_ms: Annotated[float, Field(ge=0, alias="chunkDuration")]
    pause_resume_intervals: tuple[PauseResumeInterval, ...] = ()
    recording_info: RecordingInfo = Field(default_factory=RecordingInfo)
    participants: tuple[Participant, ...] = ()

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
