"""The wall-clock timeline of a recording: where each chunk's media samples belong.

All positions are integer samples on one *track* that starts at the recording's start (the
earliest ``chunkStartTime``): track sample ``n`` is the instant ``start + n / sample_rate``. A
chunk covers a wall-clock span; paused time inside it is absent from its media, so its media
frames fall into the *media spans* between its pauses::

    track   0         a              b        c               d     e          f
            |---------|==============|~~~~~~~~|===============|     |==========|
                       chunk 0 media   pause   chunk 0 media   gap   chunk 1 media
    media             0              n0                      n0+(d-c)   0        (f-e)

Media spans, pauses and gaps tile ``[0, length)`` exactly when chunks do not overlap.

Whether ``chunkDuration`` includes paused time is not documented (DOMAIN.md §4), so each chunk
records the reading taken (:class:`PauseReading`) and why (:data:`ReadingSource`).

Positions are Python integers and nothing here allocates in proportion to one, so any layout
builds; the numbers that reach it from files are bounded beforehand (:mod:`callrec.safety.limits`), which
keeps the wall-clock instants of every sample within what :class:`~datetime.datetime` holds.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Literal

from ..errors import Finding, UsageError
from ..timebase import microseconds_to_samples, samples_to_timedelta, to_samples

__all__ = [
    "ChunkLayout",
    "ChunkTimeline",
    "MediaSpan",
    "PauseReading",
    "ReadingSource",
    "Tile",
    "Timeline",
    "build_chunk_timeline",
]

ReadingSource = Literal["media", "next_chunk", "forced", "default", "no_pauses"]
"""Why a pause reading was taken: the media's real length decided it; the next chunk's start
decided it (media absent); the caller forced it; nothing could decide it (the default, pauses
included, was taken); or the chunk has no pauses, so both readings agree."""


class PauseReading(str, Enum):
    """What a chunk's ``chunkDuration`` measures."""

    INCLUDES_PAUSES = "includes_pauses"
    """``chunkDuration`` is the wall-clock span; the media lasts ``chunkDuration − Σ pauses``."""
    EXCLUDES_PAUSES = "excludes_pauses"
    """``chunkDuration`` is recorded time; the wall-clock span is ``chunkDuration + Σ pauses``."""


@dataclass(frozen=True)
class MediaSpan:
    """A run of consecutive media frames that sits on consecutive track samples."""

    media_start: int
    track_start: int
    length: int

    @property
    def media_stop(self) -> int:
        return self.media_start + self.length

    @property
    def track_stop(self) -> int:
        return self.track_start + self.length


@dataclass(frozen=True)
class ChunkLayout:
    """A chunk's metadata reduced to whole microseconds from the recording's start."""

    index: int
    start_us: int
    duration_us: int
    pauses_us: tuple[tuple[int, int], ...] = ()
    """``(start, duration)`` of each pause, start from the recording's start."""
    media_frames: int | None = None
    """The media's real frame count, when the media is at hand."""

    def __post_init__(self) -> None:
        # Whole numbers, so no size can overflow here; but a negative one would make spans
        # run backwards and the tiles overlap.
        negative = [
            name
            for name, value in (
                ("duration_us", self.duration_us),
                ("media_frames", self.media_frames or 0),
                *((f"pauses_us[{i}] duration", d) for i, (_, d) in enumerate(self.pauses_us)),
            )
            if value < 0
        ]
        if negative:
            raise UsageError(
                f"chunk {self.index}: {negative[0]} is negative; expected zero or more"
            )


@dataclass(frozen=True)
class ChunkTimeline:
    """Where one chunk lies on the track (half-open sample intervals)."""

    index: int
    start: int
    stop: int
    pauses: tuple[tuple[int, int], ...]
    media_spans: tuple[MediaSpan, ...]
    media_frames: int
    media_frames_known: bool
    expected_media_frames: int
    pause_reading: PauseReading
    reading_source: ReadingSource

    @property
    def paused_samples(self) -> int:
        return sum(stop - start for start, stop in self.pauses)


@dataclass(frozen=True)
class Tile:
    """One piece of the track: chunk media, a pause inside a chunk, or a gap (nothing recorded)."""

    kind: Literal["media", "pause", "gap"]
    start: int
    stop: int
    chunk_index: int | None = None


def _span_us(duration_us: int, pause_us: int, reading: PauseReading) -> int:
    return duration_us + (pause_us if reading is PauseReading.EXCLUDES_PAUSES else 0)


def _media_us(duration_us: int, pause_us: int, reading: PauseReading) -> int:
    return duration_us - (pause_us if reading is PauseReading.INCLUDES_PAUSES else 0)


def _decide_reading(
    layout: ChunkLayout,
    pause_us: int,
    *,
    sample_rate: int,
    forced: PauseReading | None,
    next_start_us: int | None,
    tolerance_us: int,
) -> tuple[PauseReading, ReadingSource]:
    readings = (PauseReading.INCLUDES_PAUSES, PauseReading.EXCLUDES_PAUSES)
    if pause_us == 0:
        return PauseReading.INCLUDES_PAUSES, "no_pauses"
    if forced is not None:
        return forced, "forced"
    if layout.media_frames is not None:
        media_us = layout.media_frames * 1_000_000 / sample_rate
        best = min(
            readings, key=lambda r: abs(media_us - _media_us(layout.duration_us, pause_us, r))
        )
        return best, "media"
    if next_start_us is not None:
        span = next_start_us - layout.start_us
        best = min(readings, key=lambda r: abs(span - _span_us(layout.duration_us, pause_us, r)))
        if abs(span - _span_us(layout.duration_us, pause_us, best)) <= tolerance_us:
            return best, "next_chunk"
    return PauseReading.INCLUDES_PAUSES, "default"


def _clip_pauses(
    layout: ChunkLayout, end_us: int, findings: list[Finding]
) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, duration in sorted(layout.pauses_us):
        stop = start + duration
        if stop <= layout.start_us or start >= end_us:
            findings.append(
                Finding(
                    "pause-outside-chunk",
                    f"chunk {layout.index}: a pause at {start / 1e6:.3f} s lasting {duration / 1e3:.0f} ms"
                    f" lies outside the chunk ({layout.start_us / 1e6:.3f}–{end_us / 1e6:.3f} s from"
                    " the recording start); it is ignored",
                    layout.index,
                )
            )
            continue
        if start < layout.start_us or stop > end_us:
            findings.append(
                Finding(
                    "pause-outside-chunk",
                    f"chunk {layout.index}: a pause at {start / 1e6:.3f} s lasting {duration / 1e3:.0f} ms"
                    " reaches outside the chunk; it is clipped to the chunk",
                    layout.index,
                )
            )
            start, stop = max(start, layout.start_us), min(stop, end_us)
        if kept and start < kept[-1][1]:
            findings.append(
                Finding(
                    "overlapping-pauses",
                    f"chunk {layout.index}: the pause at {start / 1e6:.3f} s overlaps the one before it;"
                    " they are merged",
                    layout.index,
                )
            )
            kept[-1] = (kept[-1][0], max(kept[-1][1], stop))
            continue
        kept.append((start, stop))
    return kept


def _fit_media(
    gaps: list[tuple[int, int]], frames: int, span_stop: int, ends_paused: bool
) -> list[MediaSpan]:
    """Lay ``frames`` real media frames into the chunk's unpaused stretches, in order. Frames
    beyond what the metadata leaves room for extend the last stretch (or, when the chunk ends
    paused, follow the chunk), so real audio is never dropped."""
    spans: list[MediaSpan] = []
    done = 0
    for start, stop in gaps:
        take = min(stop - start, frames - done)
        if take <= 0:
            break
        spans.append(MediaSpan(done, start, take))
        done += take
    rest = frames - done
    if rest > 0:
        if spans and not ends_paused and spans[-1].track_stop == span_stop:
            last = spans.pop()
            spans.append(MediaSpan(last.media_start, last.track_start, last.length + rest))
        else:
            spans.append(MediaSpan(done, span_stop, rest))
    return spans


def build_chunk_timeline(
    layout: ChunkLayout,
    *,
    sample_rate: int,
    forced: PauseReading | None = None,
    next_start_us: int | None = None,
    tolerance_us: int = 50_000,
) -> tuple[ChunkTimeline, list[Finding]]:
    """Place one chunk on the track and say what did not add up.

    The pause reading comes from the media's real length when known (the reading whose expected
    media length is nearer), else from the next chunk's start when that matches one reading
    within the tolerance, else the default (pauses included). A media length that disagrees with
    the reading taken by more than ``tolerance_us`` is a ``media-length-mismatch`` finding.
    """
    findings: list[Finding] = []
    pause_us = sum(duration for _, duration in layout.pauses_us)
    reading, source = _decide_reading(
        layout,
        pause_us,
        sample_rate=sample_rate,
        forced=forced,
        next_start_us=next_start_us,
        tolerance_us=tolerance_us,
    )
    end_us = layout.start_us + _span_us(layout.duration_us, pause_us, reading)
    pauses_us = _clip_pauses(layout, end_us, findings)

    def at(us: int) -> int:
        return microseconds_to_samples(us, sample_rate)

    start, stop = at(layout.start_us), at(end_us)
    pauses = [(at(a), at(b)) for a, b in pauses_us if at(b) > at(a)]
    stretches: list[tuple[int, int]] = []
    cursor = start
    for a, b in pauses:
        if a > cursor:
            stretches.append((cursor, a))
        cursor = max(cursor, b)
    if stop > cursor:
        stretches.append((cursor, stop))
    expected = sum(b - a for a, b in stretches)

    frames = expected if layout.media_frames is None else layout.media_frames
    ends_paused = bool(pauses) and pauses[-1][1] >= stop
    spans = _fit_media(stretches, frames, stop, ends_paused)
    if layout.media_frames is not None:
        media_us = frames * 1_000_000 / sample_rate
        want_us = _media_us(layout.duration_us, pause_us, reading)
        if abs(media_us - want_us) > tolerance_us:
            pause_part = (
                f" with {pause_us / 1e3:.0f} ms of pauses {'included' if reading is PauseReading.INCLUDES_PAUSES else 'excluded'}"
                if pause_us
                else ""
            )
            findings.append(
                Finding(
                    "media-length-mismatch",
                    f"chunk {layout.index}: the media holds {media_us / 1e6:.3f} s of audio but"
                    f" chunkDuration {layout.duration_us / 1e3:.0f} ms{pause_part} means"
                    f" {want_us / 1e6:.3f} s (difference {(media_us - want_us) / 1e3:+.0f} ms,"
                    f" tolerance {tolerance_us / 1e3:.0f} ms); the media's own length is used",
                    layout.index,
                )
            )
    if spans:
        stop = max(stop, spans[-1].track_stop)
    timeline = ChunkTimeline(
        index=layout.index,
        start=start,
        stop=stop,
        pauses=tuple(pauses),
        media_spans=tuple(spans),
        media_frames=frames,
        media_frames_known=layout.media_frames is not None,
        expected_media_frames=expected,
        pause_reading=reading,
        reading_source=source,
    )
    return timeline, findings


@dataclass(frozen=True)
class Timeline:
    """The chunks of one recording on one track, and the mappings between media, track and wall
    clock.

    Where chunks overlap on the wall clock (a warning when the recording is built), a track
    sample maps to the chunk with the lower index.
    """

    start: datetime
    sample_rate: int
    chunks: tuple[ChunkTimeline, ...]
    _by_index: dict[int, ChunkTimeline] = field(init=False, repr=False, compare=False)
    _flat: tuple[tuple[int, int, MediaSpan], ...] = field(init=False, repr=False, compare=False)
    _keys: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_index", {c.index: c for c in self.chunks})
        flat = sorted(
            ((s.track_start, c.index, s) for c in self.chunks for s in c.media_spans),
            key=lambda item: (item[0], item[1]),
        )
        object.__setattr__(self, "_flat", tuple(flat))
        object.__setattr__(self, "_keys", tuple(item[0] for item in flat))

    @property
    def length(self) -> int:
        """Samples from the recording's start to the end of its last chunk."""
        return max((c.stop for c in self.chunks), default=0)

    @property
    def end(self) -> datetime:
        return self.track_to_time(self.length)

    @property
    def duration_s(self) -> float:
        return self.length / self.sample_rate

    def chunk(self, index: int) -> ChunkTimeline:
        try:
            return self._by_index[index]
        except KeyError:
            raise UsageError(
                f"no chunk with index {index}; chunks: {sorted(self._by_index)}"
            ) from None

    def media_to_track(self, chunk_index: int, frame: int) -> int:
        """The track sample that media frame ``frame`` of chunk ``chunk_index`` plays at."""
        chunk = self.chunk(chunk_index)
        if not 0 <= frame < chunk.media_frames:
            raise UsageError(
                f"frame {frame} is outside chunk {chunk_index}'s media (0..{chunk.media_frames - 1})"
            )
        starts = [s.media_start for s in chunk.media_spans]
        span = chunk.media_spans[bisect.bisect_right(starts, frame) - 1]
        return span.track_start + (frame - span.media_start)

    def track_to_media(self, sample: int) -> tuple[int, int] | None:
        """``(chunk index, media frame)`` recorded at track sample ``sample``, or ``None`` in a
        pause or a gap."""
        pos = bisect.bisect_right(self._keys, sample)
        # Spans starting at or before the sample; with overlapping chunks more than one may hold it.
        hits = [item for item in self._flat[:pos] if item[2].track_stop > sample]
        if not hits:
            return None
        _, index, span = min(hits, key=lambda item: item[1])
        return index, span.media_start + (sample - span.track_start)

    def track_to_time(self, sample: int) -> datetime:
        """The wall-clock instant of track sample ``sample``.

        Raises
        ------
        UsageError
            The instant is outside what :class:`~datetime.datetime` holds (only a timeline
            built from unchecked numbers can get there: see :mod:`callrec.safety.limits`).
        """
        try:
            return self.start + samples_to_timedelta(sample, self.sample_rate)
        except OverflowError:
            raise UsageError(
                f"track sample {sample} at {self.sample_rate} Hz from {self.start} is outside"
                " the years 1 to 9999"
            ) from None

    def time_to_track(self, instant: datetime) -> int:
        """The track sample nearest to ``instant`` (may be negative or past the end)."""
        return to_samples(instant - self.start, self.sample_rate)

    def media_to_time(self, chunk_index: int, frame: int) -> datetime:
        """The wall-clock instant at which media frame ``frame`` of a chunk was recorded."""
        return self.track_to_time(self.media_to_track(chunk_index, frame))

    def time_to_media(self, instant: datetime) -> tuple[int, int] | None:
        """``(chunk index, media frame)`` recorded nearest to ``instant``, or ``None`` when
        nothing was recorded then."""
        return self.track_to_media(self.time_to_track(instant))

    def tiles(self) -> tuple[Tile, ...]:
        """The track cut into media, pause and gap pieces, in order."""
        pieces: list[Tile] = [
            Tile("media", s.track_start, s.track_stop, c.index)
            for c in self.chunks
            for s in c.media_spans
        ]
        pieces += [Tile("pause", a, b, c.index) for c in self.chunks for a, b in c.pauses]
        pieces.sort(key=lambda t: (t.start, t.stop))
        out: list[Tile] = []
        cursor = 0
        for tile in pieces:
            if tile.start > cursor:
                out.append(Tile("gap", cursor, tile.start))
            out.append(tile)
            cursor = max(cursor, tile.stop)
        if cursor < self.length:  # a last chunk whose media ends before its span does
            out.append(Tile("gap", cursor, self.length))
        return tuple(out)
