"""ACS files to a :class:`~callrec.acs.recording.Recording`: the models of chunk metadata and
``RecordingFileStatusUpdated`` events, their loading, discovery of recordings in a folder tree
(:func:`callrec.discover` is the one to call: it also sets aside the audio of recordResponse
answers, which this stage knows nothing of), the wall-clock timeline and the checked recording.

Names are loaded on first use (see :mod:`callrec._lazy`); the block below is their one list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_face

if TYPE_CHECKING:
    from .discovery import MEDIA_SUFFIXES as MEDIA_SUFFIXES
    from .discovery import ClaimedMedia as ClaimedMedia
    from .discovery import Discovery as Discovery
    from .discovery import FoundRecording as FoundRecording
    from .events import ChunkEndReason as ChunkEndReason
    from .events import RecordingChunkInfo as RecordingChunkInfo
    from .events import RecordingFileStatusUpdated as RecordingFileStatusUpdated
    from .events import RecordingFileStatusUpdatedData as RecordingFileStatusUpdatedData
    from .events import SessionEndReason as SessionEndReason
    from .events import parse_subject as parse_subject
    from .loading import load_chunk_metadata as load_chunk_metadata
    from .loading import load_recording_events as load_recording_events
    from .loading import parse_chunk_metadata as parse_chunk_metadata
    from .loading import parse_recording_events as parse_recording_events
    from .metadata import AudioConfiguration as AudioConfiguration
    from .metadata import ChannelType as ChannelType
    from .metadata import ChunkMetadata as ChunkMetadata
    from .metadata import ContentType as ContentType
    from .metadata import MediaFormat as MediaFormat
    from .metadata import Participant as Participant
    from .metadata import PauseResumeInterval as PauseResumeInterval
    from .metadata import RecordingInfo as RecordingInfo
    from .metadata import VideoConfiguration as VideoConfiguration
    from .plain import PlainOptions as PlainOptions
    from .plain import build_plain_recording as build_plain_recording
    from .plain import plain_source as plain_source
    from .recording import ChannelMap as ChannelMap
    from .recording import Chunk as Chunk
    from .recording import ChunkSource as ChunkSource
    from .recording import Recording as Recording
    from .recording import build_recording as build_recording
    from .timeline import PauseReading as PauseReading
    from .timeline import Tile as Tile
    from .timeline import Timeline as Timeline

__getattr__, __dir__, __all__ = lazy_face(__name__, globals())
