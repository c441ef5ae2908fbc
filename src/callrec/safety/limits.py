"""The bounds every number read from a file must keep, so that no file can exhaust memory or disk.

A number in a metadata file, an event or a media header is data, not a promise: callrec never
allocates, loops or writes in proportion to one without a bound, and never lets one reach
arithmetic that could overflow. Each field is checked where it enters (the pydantic models for the
JSON, :func:`~callrec.build_recording` for media headers) and fails with a typed error that names
the file, the field, the value and these bounds:

==============================  ==============================================================
field                           accepted
==============================  ==============================================================
``chunkDuration``               a finite number of ms, 0 to :data:`MAX_CHUNK_DURATION_MS`
                                (a chunk lasts at most 4 h; one hour of margin)
``pauseResumeIntervals[].``     a finite number of ms, 0 to :data:`MAX_PAUSE_MS` (24 h),
``duration``                    at most :data:`MAX_PAUSES_PER_CHUNK` pauses per chunk
``chunkStartTime``, pause       from :data:`EARLIEST_INSTANT` (2000-01-01) to before
``startTime``, event times      :data:`LATEST_INSTANT` (2100-01-01), UTC; any offset is allowed
                                but the instant must fall in the window, so date arithmetic
                                can never overflow
``chunkIndex``, event ``index``  0 to :data:`MAX_CHUNK_INDEX` (10 000 chunks of 4 h: 4.5 years)
``sampleRate`` (metadata and    :data:`MIN_SAMPLE_RATE` to :data:`MAX_SAMPLE_RATE` Hz
media header)                   (8 kHz telephony to 384 kHz)
``channels`` (metadata and      1 to :data:`MAX_CHANNELS` (ACS writes at most 5);
media header)                   ``participants[].channel`` 0 to ``MAX_CHANNELS - 1``
media length (header)           at most :data:`MAX_MEDIA_S` (the longest chunk) per file
``participants``                at most :data:`MAX_PARTICIPANTS_PER_CHUNK` per chunk; an
                                unmixed recording, which writes one track per participant,
                                at most :data:`MAX_TRACKS` distinct participants
==============================  ==============================================================

Then the sizes the metadata implies are checked against what the media holds, before anything is
written (:func:`callrec.output.sizes.check_output_size`): a track holds the recording's media and digital
silence wherever nothing was recorded (pauses, gaps between chunks, a chunk's declared time beyond
its media; a chunk whose media is lost is lost audio, counted on neither side). The silence a
track would hold may not exceed::

    max(max_gap_s, 2 × media)        (default max_gap_s = DEFAULT_MAX_GAP_S = 1 h)

so a track is never more than three times its media plus an hour. A call genuinely paused or
interrupted for longer is processed with a larger ``ProcessOptions.max_gap_s``. Missing chunks
are derived from the sorted chunk indexes present (one finding per run of missing indexes), never
from a range the size of the largest index.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Final

__all__ = [
    "DEFAULT_MAX_GAP_S",
    "EARLIEST_INSTANT",
    "LATEST_INSTANT",
    "MAX_CHANNELS",
    "MAX_CHUNK_DURATION_MS",
    "MAX_CHUNK_INDEX",
    "MAX_MEDIA_S",
    "MAX_PARTICIPANTS_PER_CHUNK",
    "MAX_PAUSES_PER_CHUNK",
    "MAX_PAUSE_MS",
    "MAX_SAMPLE_RATE",
    "MAX_TRACKS",
    "MIN_SAMPLE_RATE",
    "OPEN_FILES_RESERVE",
]

_HOUR_MS: Final = 3_600_000

MAX_CHUNK_DURATION_MS: Final = 5 * _HOUR_MS
"""A chunk lasts at most 4 hours (DOMAIN.md §4); longer than that up to here is a warning
(``chunk-too-long``), beyond it an error."""
MAX_PAUSE_MS: Final = 24 * _HOUR_MS
"""Longest single pause: a pause may make a chunk's wall-clock span longer than 4 h when
``chunkDuration`` counts recorded time only, but not longer than a day."""
MAX_PAUSES_PER_CHUNK: Final = 1_000
MAX_CHUNK_INDEX: Final = 10_000
MAX_CHANNELS: Final = 32
"""ACS writes at most 5 channels; what happens beyond 5 participants is undocumented, so some
room is left, but not enough for a channel count to size a loop or an array absurdly."""
MAX_PARTICIPANTS_PER_CHUNK: Final = 1_000
"""A large Teams meeting; a mixed recording lists everyone but writes one track."""
MAX_TRACKS: Final = 256
"""Distinct participants of an unmixed recording: each is one track file, all open at once."""
OPEN_FILES_RESERVE: Final = 64
"""File descriptors kept free for media readers, temporary files and the interpreter when
checking that a recording's track files can all be open at once."""
MIN_SAMPLE_RATE: Final = 8_000
MAX_SAMPLE_RATE: Final = 384_000
MAX_MEDIA_S: Final = MAX_CHUNK_DURATION_MS // 1000
"""Longest media one chunk can hold, by its header."""
EARLIEST_INSTANT: Final = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST_INSTANT: Final = datetime(2100, 1, 1, tzinfo=timezone.utc)
DEFAULT_MAX_GAP_S: Final = 3600.0
"""Silence a track may hold beyond twice its media, by default (see the module notes)."""
