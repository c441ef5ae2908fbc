"""callrec: post-process Azure Communication Services call recordings.

Read chunk metadata and events (:mod:`callrec.models`), find the recordings in a folder
(:func:`discover`), assemble one into a checked, immutable :class:`Recording` with a wall-clock
:class:`Timeline` (:func:`build_recording`), read media in blocks (:func:`open_audio`) and measure
it in one streaming pass (:mod:`callrec.dsp`: levels, loudness, speech activity, DTMF).

Names are loaded on first use, so that ``import callrec`` stays cheap for scripts that only need a
part of it (the models pull in pydantic, the core numpy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names

__version__ = "0.2.0"

_LAZY = {
    "MediaInfo": "callrec.audio.probe",
    "probe_media": "callrec.audio.probe",
    "AudioReader": "callrec.audio.reader",
    "open_audio": "callrec.audio.reader",
    "read_audio": "callrec.audio.reader",
    "write_audio": "callrec.audio.writer",
    "AudioWriter": "callrec.audio.writer",
    "analyze_file": "callrec.analysis",
    "Discovery": "callrec.discovery",
    "FoundRecording": "callrec.discovery",
    "Problem": "callrec.discovery",
    "discover": "callrec.discovery",
    "CallrecError": "callrec.errors",
    "Finding": "callrec.findings",
    "ChannelMap": "callrec.recording",
    "Chunk": "callrec.recording",
    "ChunkSource": "callrec.recording",
    "Recording": "callrec.recording",
    "build_recording": "callrec.recording",
    "to_samples": "callrec.timebase",
    "PauseReading": "callrec.timeline",
    "Tile": "callrec.timeline",
    "Timeline": "callrec.timeline",
    "ProcessOptions": "callrec.pipeline",
    "ProcessedRecording": "callrec.pipeline",
    "analyze_recording": "callrec.pipeline",
    "open_recording": "callrec.pipeline",
    "open_recordings": "callrec.pipeline",
    "process_recording": "callrec.pipeline",
    "BatchResult": "callrec.batch",
    "process": "callrec.batch",
    "Report": "callrec.report",
    "load_report": "callrec.report",
    "aligned_blocks": "callrec.tracks",
    "ResponseReport": "callrec.response",
    "analyze_response": "callrec.response",
}

__all__ = [
    "AudioReader",
    "AudioWriter",
    "BatchResult",
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
    "ProcessOptions",
    "ProcessedRecording",
    "Recording",
    "Report",
    "ResponseReport",
    "Tile",
    "Timeline",
    "__version__",
    "aligned_blocks",
    "analyze_file",
    "analyze_recording",
    "analyze_response",
    "build_recording",
    "discover",
    "load_report",
    "open_audio",
    "open_recording",
    "open_recordings",
    "probe_media",
    "process",
    "process_recording",
    "read_audio",
    "to_samples",
    "write_audio",
]

if TYPE_CHECKING:
    from .analysis import analyze_file
    from .audio.probe import MediaInfo, probe_media
    from .audio.reader import AudioReader, open_audio, read_audio
    from .audio.writer import AudioWriter, write_audio
    from .batch import BatchResult, process
    from .discovery import Discovery, FoundRecording, Problem, discover
    from .errors import CallrecError
    from .findings import Finding
    from .pipeline import (
        ProcessedRecording,
        ProcessOptions,
        analyze_recording,
        open_recording,
        open_recordings,
        process_recording,
    )
    from .recording import ChannelMap, Chunk, ChunkSource, Recording, build_recording
    from .report import Report, load_report
    from .response import ResponseReport, analyze_response
    from .timebase import to_samples
    from .timeline import PauseReading, Tile, Timeline
    from .tracks import aligned_blocks


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
