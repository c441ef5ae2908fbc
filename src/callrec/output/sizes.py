"""What a recording's outputs would cost, checked before anything is allocated or written.

A track holds the recording's media and digital silence wherever nothing was recorded: pauses,
gaps between chunks, a chunk's declared time beyond its media, chunks whose media is absent. The
metadata decides how much silence that is, so a few bytes of JSON could otherwise ask for
gigabytes (a second chunk starting a day after the first, a ``chunkDuration`` of hours on
seconds of media). The rule (see :mod:`callrec.safety.limits`)::

    silence per track  <=  max(max_gap_s, 2 × media)

``media`` is the time the media files really cover on the track; in the compact layout pauses
and gaps are removed. A chunk whose media is missing or unusable is lost audio, not silence the
metadata asked for: its recorded time is left out of both sides (it is held to ``chunkDuration``'s
own bound of a few hours), so a long call with a lost chunk is processed as incomplete, as any
other. A recording that breaks the rule
fails with :class:`~callrec.errors.RecordingTooLargeError` naming the chunk's metadata file and
the field that asked for the most silence; a call genuinely paused or interrupted for longer is
processed with a larger ``max_gap_s`` (``ProcessOptions.max_gap_s``).

An unmixed recording writes one track file per participant, all open at once:
:func:`check_open_files` makes sure the process may open that many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..acs.recording import Chunk, Recording, participant_beyond
from ..errors import RecordingTooLargeError, UsageError
from ..safety.limits import DEFAULT_MAX_GAP_S, OPEN_FILES_RESERVE
from ..timebase import to_samples
from .options import Layout
from .tracks import pieces, track_length

__all__ = ["check_open_files", "check_output_size", "silence_samples"]


@dataclass(frozen=True)
class _Cause:
    samples: int
    chunk: Chunk
    field: str
    what: str


def _has_media(chunk: Chunk) -> bool:
    return chunk.media is not None and chunk.media_problem is None


def _duration(samples: float, rate: int) -> str:
    seconds = samples / rate
    if seconds >= 3600:
        return f"{seconds / 3600:.2f} h"
    return f"{seconds:.1f} s"


def silence_samples(recording: Recording, layout: Layout = "aligned") -> tuple[int, int]:
    """``(silence, media)``: samples of digital silence the metadata asks for, and of media, in
    one track of ``layout``. The recorded time of chunks whose audio is lost is neither."""
    with_media = {c.index for c in recording.chunks if _has_media(c)}
    media = lost = 0
    for piece in pieces(recording):
        if piece.chunk_index in with_media:
            media += piece.length
        else:
            lost += piece.length
    return track_length(recording, layout) - media - lost, media


def _causes(recording: Recording, layout: Layout) -> list[_Cause]:
    """Where the silence comes from, each with the field that asked for it."""
    rate = recording.sample_rate
    causes: list[_Cause] = []
    covered = 0
    for chunk in sorted(recording.chunks, key=lambda c: (c.timeline.start, c.index)):
        tl = chunk.timeline
        span = tl.stop - tl.start
        if layout == "aligned":
            causes.append(
                _Cause(
                    tl.paused_samples,
                    chunk,
                    "pauseResumeIntervals",
                    f"chunk {chunk.index} is paused for {_duration(tl.paused_samples, rate)}",
                )
            )
        if layout == "aligned" and _has_media(chunk):
            # A chunk without usable media is lost audio, not asked-for silence.
            media = sum(s.length for s in tl.media_spans)
            causes.append(
                _Cause(
                    span - media - tl.paused_samples,
                    chunk,
                    "chunkDuration",
                    f"chunkDuration {chunk.metadata.chunk_duration_ms:.0f} ms makes chunk"
                    f" {chunk.index} {_duration(span, rate)} long but its media holds"
                    f" {_duration(media, rate)}",
                )
            )
        if layout == "aligned" and tl.start > covered:
            causes.append(
                _Cause(
                    tl.start - covered,
                    chunk,
                    "chunkStartTime",
                    f"chunk {chunk.index} starts {_duration(tl.start - covered, rate)} after"
                    " the chunks before it end",
                )
            )
        covered = max(covered, tl.stop)
    return causes


def check_output_size(
    recording: Recording, *, max_gap_s: float = DEFAULT_MAX_GAP_S, layout: Layout = "aligned"
) -> None:
    """Refuse a recording whose tracks would be mostly silence (see the module notes).

    Raises
    ------
    RecordingTooLargeError
        The silence per track exceeds ``max(max_gap_s, 2 × media)``; names the metadata file and
        field of the largest cause.
    UsageError
        ``max_gap_s`` is negative or not finite.
    """
    if not 0 <= max_gap_s < math.inf:
        raise UsageError(f"max_gap_s must be a finite number >= 0, got {max_gap_s!r}")
    rate = recording.sample_rate
    silence, media = silence_samples(recording, layout)
    allowed = max(to_samples(max_gap_s, rate), 2 * media)
    if silence <= allowed:
        return
    causes = _causes(recording, layout)
    worst = max(causes, key=lambda c: c.samples)
    raise RecordingTooLargeError(
        f"{worst.field}: {worst.what}; each track would hold {_duration(silence, rate)} of"
        f" silence beside {_duration(media, rate)} of media, more than the"
        f" {_duration(allowed, rate)} allowed (max_gap_s {max_gap_s:g} s, or twice the media);"
        " expected metadata that matches the media, or a larger max_gap_s for a call really"
        " paused or interrupted that long",
        field=worst.field,
        chunk_index=worst.chunk.index,
        file=worst.chunk.metadata_path,
    )


def _open_files_limit() -> int | None:
    try:
        import resource
    except ImportError:  # Windows: no per-process descriptor limit to ask about
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def check_open_files(recording: Recording) -> None:
    """Refuse an unmixed recording with more participants (track files written at once) than
    this process may open, keeping :data:`~callrec.safety.limits.OPEN_FILES_RESERVE` descriptors free.

    Raises
    ------
    RecordingTooLargeError
        Names the chunk whose participants pass the limit.
    """
    limit = _open_files_limit()
    if limit is None or recording.mixed:
        return
    room = max(limit - OPEN_FILES_RESERVE, 1)
    past = participant_beyond(recording.chunks, room)
    if past is not None:
        chunk, i, _, count = past
        raise RecordingTooLargeError(
            f"participants[{i}]: chunk {chunk.index} brings the recording to {count}"
            " participants, one track file each, all open at once; this process may open"
            f" {limit} files ({OPEN_FILES_RESERVE} kept for reading); expected fewer"
            " participants, or a higher limit (ulimit -n)",
            field=f"participants[{i}]",
            chunk_index=chunk.index,
            file=chunk.metadata_path,
        )
