"""callrec: post-process Azure Communication Services call recordings.

Read chunk metadata and events (:mod:`callrec.models`), find the recordings in a folder
(:func:`discover`), assemble one into a checked, immutable :class:`Recording` with a wall-clock
:class:`Timeline` (:func:`build_recording`), or do both with :func:`open_recordings`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .audio.probe import MediaInfo, probe_media
from .discovery import Discovery, FoundRecording, Problem, discover
from .errors import CallrecError
from .findings import Finding
from .recording import ChannelMap, Chunk, ChunkSource, Recording, build_recording
from .timebase import to_samples
from .timeline import PauseReading, Tile, Timeline

__all__ = [
    "CallrecError",
    "ChannelMap",
    "Chunk",
    "ChunkSource",
    "Discovery",
    "Finding",
    "FoundRecording",
    "MediaInfo",
    "PauseReading",
    "Problem",
    "Recording",
    "Tile",
    "Timeline",
    "__version__",
    "build_recording",
    "discover",
    "probe_media",
    "to_samples",
]
