"""callrec: post-process Azure Communication Services call recordings.

Find the recordings in a folder (:func:`discover`), assemble one into a checked, immutable
:class:`Recording` with a wall-clock :class:`Timeline` (:func:`build_recording`), read media in
blocks (:func:`open_audio`), measure it in one streaming pass (:mod:`callrec.dsp`), and write
tracks, tables and a :class:`Report` (:func:`process_recording`, :func:`process`).

The stages, and what may import what, are drawn in ``docs/architecture.md``.

Names are loaded on first use, so that ``import callrec`` stays cheap for scripts that only need
a part of it (the models pull in pydantic, the core numpy). The ``TYPE_CHECKING`` block below is
the one list of them (see :mod:`callrec._lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_face
from ._version import __version__

if TYPE_CHECKING:
    from .acs.discovery import Discovery as Discovery
    from .acs.discovery import FoundRecording as FoundRecording
    from .acs.plain import PlainOptions as PlainOptions
    from .acs.recording import ChannelMap as ChannelMap
    from .acs.recording import Chunk as Chunk
    from .acs.recording import ChunkSource as ChunkSource
    from .acs.recording import Recording as Recording
    from .acs.recording import build_recording as build_recording
    from .acs.timeline import PauseReading as PauseReading
    from .acs.timeline import Tile as Tile
    from .acs.timeline import Timeline as Timeline
    from .audio.measure import analyze_file as analyze_file
    from .audio.probe import MediaInfo as MediaInfo
    from .audio.probe import probe_media as probe_media
    from .audio.reader import AudioReader as AudioReader
    from .audio.reader import open_audio as open_audio
    from .audio.reader import read_audio as read_audio
    from .audio.writer import AudioWriter as AudioWriter
    from .audio.writer import write_audio as write_audio
    from .batch import BatchResult as BatchResult
    from .batch import discover as discover
    from .batch import open_recording as open_recording
    from .batch import open_recordings as open_recordings
    from .batch import process as process
    from .errors import CallrecError as CallrecError
    from .errors import Finding as Finding
    from .output.options import HandoffOptions as HandoffOptions
    from .output.options import ProcessOptions as ProcessOptions
    from .output.options import ViewOptions as ViewOptions
    from .output.page import render_page as render_page
    from .output.report import Report as Report
    from .output.report import load_report as load_report
    from .output.run import ProcessedRecording as ProcessedRecording
    from .output.run import analyze_recording as analyze_recording
    from .output.run import process_recording as process_recording
    from .output.tracks import aligned_blocks as aligned_blocks
    from .response.judge import analyze_response as analyze_response
    from .response.report import ResponseReport as ResponseReport
    from .timebase import to_samples as to_samples

__getattr__, __dir__, __all__ = lazy_face(__name__, globals())
__all__ = ["__version__", *__all__]
