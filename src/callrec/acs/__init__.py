"""ACS files to a :class:`~callrec.acs.recording.Recording`: the models of chunk metadata and
``RecordingFileStatusUpdated`` events, their loading, discovery of recordings in a folder tree,
the wall-clock timeline and the checked recording.

Names are loaded on first use (see :mod:`callrec._lazy`); the block below is their one list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_face

if TYPE_CHECKING:
    from .discovery import MEDIA_SUFFIXES, ClaimedMedia, Discovery, FoundRecording, discover
    from .events import (
        ChunkEndReason,
        RecordingChunkInfo,
        RecordingFileStatusUpdated,
        RecordingFileStatusUpdatedData,
        SessionEndReason,
        parse_subject,
    )
    from .loading import (
        load_chunk_metadata,
        load_recording_events,
        parse_chunk_metadata,
        parse_recording_events,
    )
    from .metadata import (
        AudioConfiguration,
        ChannelType,
        ChunkMetadata,
        ContentType,
        MediaFormat,
        Participant,
        PauseResumeInterval,
        RecordingInfo,
        VideoConfiguration,
    )
    from .recording import ChannelMap, Chunk, ChunkSource, Recording, build_recording
    from .timeline import PauseReading, Tile, Timeline

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__, globals())
