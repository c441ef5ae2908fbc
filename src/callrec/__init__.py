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
    from .acs.discovery import Discovery, FoundRecording
    from .acs.recording import ChannelMap, Chunk, ChunkSource, Recording, build_recording
    from .acs.timeline import PauseReading, Tile, Timeline
    from .audio.measure import analyze_file
    from .audio.probe import MediaInfo, probe_media
    from .audio.reader import AudioReader, open_audio, read_audio
    from .audio.writer import AudioWriter, write_audio
    from .batch import BatchResult, discover, open_recording, open_recordings, process
    from .errors import CallrecError, Finding
    from .output.options import ProcessOptions
    from .output.report import Report, load_report
    from .output.run import ProcessedRecording, analyze_recording, process_recording
    from .output.tracks import aligned_blocks
    from .response.judge import ResponseReport, analyze_response
    from .timebase import to_samples

__getattr__, __dir__, _names = lazy_face(__name__, __file__, globals())
__all__ = ["__version__", *_names]
