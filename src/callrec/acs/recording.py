"""A recording assembled from its chunks: order, channel ↔ participant per chunk, timeline.

:func:`build_recording` checks that the chunks belong together (one call, one set of audio
settings, no duplicate index), that each media header is within :mod:`callrec.safety.limits` (sample
rate, channels, length), builds each chunk's channel map, places every chunk on the wall clock
(see :mod:`callrec.acs.timeline`) and collects what did not add up as :class:`Finding` s. Nothing here
is sized by a number from a file: missing chunks come from the indexes present, not from a range
as long as the largest one.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Protocol, TypeVar

from ..audio.probe import MediaInfo
from ..errors import (
    CallMismatchError,
    ChannelConflictError,
    DuplicateChunkError,
    Finding,
    InconsistentSettingsError,
    MediaError,
    RecordingTooLargeError,
    UsageError,
)
from ..safety.limits import MAX_CHANNELS, MAX_MEDIA_S, MAX_SAMPLE_RATE, MAX_TRACKS, MIN_SAMPLE_RATE
from ..timebase import to_microseconds
from .events import RecordingFileStatusUpdated
from .metadata import ChannelType, ChunkMetadata, ContentType, MediaFormat
from .timeline import ChunkLayout, ChunkTimeline, PauseReading, Timeline, build_chunk_timeline

__all__ = [
    "DEFAULT_SAMPLE_RATE",
    "MAX_CHUNK_DURATION_S",
    "ChannelMap",
    "Chunk",
    "ChunkSource",
    "Recording",
    "build_recording",
    "participant_beyond",
]

DEFAULT_SAMPLE_RATE = 16_000
"""What ACS records at; assumed (with a finding) only when neither metadata nor media says."""
MAX_CHUNK_DURATION_S = 4 * 3600


@dataclass(frozen=True)
class ChunkSource:
    """One chunk as found on disk: its metadata and, when paired, its media.

    ``media_problem`` says why a paired media file could not be used (its header was unreadable);
    ``media`` is then ``None``. ``duplicates`` are other copies of this very chunk (metadata and
    media byte for byte the same) that were found and set aside.
    """

    metadata: ChunkMetadata
    metadata_path: Path | None = None
    media: MediaInfo | None = None
    media_path: Path | None = None
    media_problem: str | None = None
    duplicates: tuple[Path, ...] = ()

    @property
    def label(self) -> str:
        return (
            str(self.metadata_path) if self.metadata_path else f"chunk {self.metadata.chunk_index}"
        )


@dataclass(frozen=True)
class ChannelMap:
    """Which participant is on which channel of one chunk's media (unmixed recordings).

    ``channels`` is the media's channel count (or the declared one when the media is absent).
    """

    channels: int | None
    participants: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        # Read-only whatever the caller passed; a plain dict copy keeps it picklable.
        object.__setattr__(self, "participants", MappingProxyType(dict(self.participants)))

    def __reduce__(self) -> tuple[type[ChannelMap], tuple[int | None, dict[int, str]]]:
        # A mappingproxy cannot be pickled: recordings go to worker processes as plain dicts.
        return (ChannelMap, (self.channels, dict(self.participants)))

    def channel_of(self, participant_id: str) -> int | None:
        for channel, pid in self.participants.items():
            if pid == participant_id:
                return channel
        return None

    @property
    def unassigned_channels(self) -> tuple[int, ...]:
        if self.channels is None:
            return ()
        return tuple(c for c in range(self.channels) if c not in self.participants)


@dataclass(frozen=True)
class Chunk:
    """One chunk of a built recording."""

    metadata: ChunkMetadata
    timeline: ChunkTimeline
    channel_map: ChannelMap
    metadata_path: Path | None = None
    media: MediaInfo | None = None
    media_path: Path | None = None
    media_problem: str | None = None
    end_reason: str | None = None

    @property
    def index(self) -> int:
        return self.metadata.chunk_index

    @property
    def document_id(self) -> str | None:
        return self.metadata.chunk_document_id

    @property
    def start_time(self) -> datetime:
        return self.metadata.chunk_start_time


@dataclass(frozen=True)
class Recording:
    """An immutable, checked recording.

    Attributes
    ----------
    chunks
        In ``chunkIndex`` order.
    missing_chunks
        Indexes that should exist (below the highest seen, or named by the event) but have no
        metadata.
    warnings
        Everything that did not add up, in the order found.
    """

    call_id: str
    recording_id: str | None
    sample_rate: int
    channel_type: ChannelType
    format: MediaFormat | None
    content_type: ContentType | None
    chunks: tuple[Chunk, ...]
    timeline: Timeline
    missing_chunks: tuple[int, ...] = ()
    warnings: tuple[Finding, ...] = ()
    event: RecordingFileStatusUpdated | None = None

    @property
    def start(self) -> datetime:
        return self.timeline.start

    @property
    def end(self) -> datetime:
        return self.timeline.end

    @property
    def duration_s(self) -> float:
        return self.timeline.duration_s

    @property
    def mixed(self) -> bool:
        """One mixed track (WAV, MP3, MP4) rather than one channel per participant."""
        return self.channel_type is ChannelType.MIXED

    @property
    def media_format(self) -> str | None:
        """The format the metadata names (``wav``, ``mp3``, ``mp4``); where it names none, as
        for a plain FLAC file, the container that every chunk's media shares."""
        if self.format is not None:
            return self.format.value
        containers = {c.media.container for c in self.chunks if c.media is not None}
        return containers.pop() if len(containers) == 1 else None

    @property
    def session_end_reason(self) -> str | None:
        return self.event.data.session_end_reason if self.event is not None else None

    @property
    def pause_readings(self) -> dict[int, PauseReading]:
        return {c.index: c.timeline.pause_reading for c in self.chunks}

    @property
    def participants(self) -> tuple[str, ...]:
        """Participant ids in the order they first appear, chunk by chunk."""
        seen: dict[str, None] = {}
        for chunk in self.chunks:
            for p in chunk.metadata.participants:
                seen.setdefault(p.participant_id, None)
        return tuple(seen)

    def chunk(self, index: int) -> Chunk:
        for chunk in self.chunks:
            if chunk.index == index:
                return chunk
        raise UsageError(f"no chunk with index {index}; chunks: {[c.index for c in self.chunks]}")

    def channel_of(self, participant_id: str, chunk_index: int) -> int | None:
        """The channel ``participant_id`` is on in a chunk, or ``None`` if absent from it."""
        return self.chunk(chunk_index).channel_map.channel_of(participant_id)

    def channels_of(self, participant_id: str) -> dict[int, int | None]:
        """Chunk index → channel for one participant (``None`` where absent)."""
        return {c.index: c.channel_map.channel_of(participant_id) for c in self.chunks}


def _check_media(src: ChunkSource) -> None:
    """A media header's numbers within :mod:`callrec.safety.limits`: a WAV claiming 1 Hz would turn
    seconds of audio into days of timeline, and a channel count sizes every block read."""
    media = src.media
    if media is None:
        return
    problem = None
    if not MIN_SAMPLE_RATE <= media.sample_rate <= MAX_SAMPLE_RATE:
        problem = (
            f"sample rate {media.sample_rate} Hz; expected"
            f" {MIN_SAMPLE_RATE:_} to {MAX_SAMPLE_RATE:_} Hz"
        )
    elif not 1 <= media.channels <= MAX_CHANNELS:
        problem = f"channels {media.channels}; expected 1 to {MAX_CHANNELS}"
    elif not 0 <= media.frames <= MAX_MEDIA_S * media.sample_rate:
        problem = (
            f"frames {media.frames} ({media.frames / media.sample_rate / 3600:.1f} h at"
            f" {media.sample_rate} Hz); expected at most {MAX_MEDIA_S // 3600} h, the longest a"
            " chunk lasts"
        )
    if problem is not None:
        raise MediaError(
            f"the header of chunk {src.metadata.chunk_index}'s media says {problem}",
            file=media.path,
        )


class _HasMetadata(Protocol):
    @property
    def metadata(self) -> ChunkMetadata: ...


M = TypeVar("M", bound=_HasMetadata)


def participant_beyond(items: Iterable[M], limit: int) -> tuple[M, int, str, int] | None:
    """The first participant entry that takes the count of distinct participants past
    ``limit``, as ``(chunk, index in its participants, id, count)``, or ``None``.

    An unmixed recording writes one track file per distinct participant, all open at once: both
    the fixed bound (:data:`~callrec.safety.limits.MAX_TRACKS`) and the process's open-file limit are
    checked with this.
    """
    seen: set[str] = set()
    for item in items:
        for i, p in enumerate(item.metadata.participants):
            seen.add(p.participant_id)
            if len(seen) > limit:
                return item, i, p.participant_id, len(seen)
    return None


def _check_tracks(sources: Sequence[ChunkSource]) -> None:
    past = participant_beyond(sources, MAX_TRACKS)
    if past is not None:
        src, i, pid, count = past
        raise RecordingTooLargeError(
            f"participants[{i}]: participant {pid} is the {count}th distinct participant of an"
            f" unmixed recording (chunk {src.metadata.chunk_index}); expected at most"
            f" {MAX_TRACKS}, one track file each",
            field=f"participants[{i}]",
            chunk_index=src.metadata.chunk_index,
            file=src.metadata_path,
        )


def _missing_runs(present: Iterable[int], named: Iterable[int]) -> list[tuple[int, int]]:
    """``(first, last)`` runs of indexes that should exist (below the highest present, or named
    by the event) but do not: walked from the sorted indexes, never a set as large as the
    highest one."""
    have = set(present)
    runs: list[tuple[int, int]] = []
    expected = 0
    for index in sorted(have):
        if index > expected:
            runs.append((expected, index - 1))
        expected = index + 1
    for index in sorted(set(named) - have):
        if index < expected:
            continue  # below the highest index present: already in a run
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _effective_rate(src: ChunkSource, findings: list[Finding]) -> int | None:
    declared = src.metadata.sample_rate
    if src.media is not None:
        if declared is not None and declared != src.media.sample_rate:
            findings.append(
                Finding(
                    "sample-rate-mismatch",
                    f"chunk {src.metadata.chunk_index}: metadata says {declared} Hz but the media"
                    f" is {src.media.sample_rate} Hz; the media's rate is used",
                    src.metadata.chunk_index,
                    src.media.path,
                )
            )
        return src.media.sample_rate
    return declared


def _same_everywhere(
    sources: Sequence[ChunkSource], what: str, values: Sequence[object]
) -> object | None:
    known = [(src, v) for src, v in zip(sources, values, strict=True) if v is not None]
    for src, value in known[1:]:
        if value != known[0][1]:
            first_src, first = known[0]
            raise InconsistentSettingsError(
                f"{what} differs between chunks: chunk {first_src.metadata.chunk_index}"
                f" ({first_src.label}) has {_show(first)}, chunk {src.metadata.chunk_index}"
                f" ({src.label}) has {_show(value)}; expected one {what} for the whole recording",
                file=src.metadata_path,
            )
    return known[0][1] if known else None


def _show(value: object) -> str:
    return repr(value.value) if isinstance(value, (ChannelType, MediaFormat)) else repr(value)


def _channel_map(src: ChunkSource, unmixed: bool, findings: list[Finding]) -> ChannelMap:
    meta = src.metadata
    count = src.media.channels if src.media is not None else meta.declared_channels
    if not unmixed:
        return ChannelMap(count)
    on_channel: dict[int, tuple[int, str]] = {}
    channel_of: dict[str, int] = {}
    for i, p in enumerate(meta.participants):
        if p.channel is None:
            findings.append(
                Finding(
                    "participant-without-channel",
                    f"chunk {meta.chunk_index}: participant {p.participant_id} (participants[{i}]) has"
                    " no channel in an unmixed recording; their audio cannot be separated",
                    meta.chunk_index,
                    src.metadata_path,
                )
            )
            continue
        if count is not None and p.channel >= count:
            source = "the media has" if src.media is not None else "the metadata declares"
            raise ChannelConflictError(
                f"participants[{i}].channel: participant {p.participant_id} is on channel"
                f" {p.channel} but {source} {count} channel{'s' if count != 1 else ''}"
                f" (0..{count - 1}); expected a channel that exists",
                file=src.metadata_path,
            )
        if p.channel in on_channel and on_channel[p.channel][1] != p.participant_id:
            j, other = on_channel[p.channel]
            raise ChannelConflictError(
                f"participants[{i}].channel: participants {other} (participants[{j}]) and"
                f" {p.participant_id} (participants[{i}]) are both on channel {p.channel};"
                " expected one participant per channel",
                file=src.metadata_path,
            )
        previous = channel_of.get(p.participant_id)
        if previous is not None and previous != p.channel:
            raise ChannelConflictError(
                f"participants[{i}].channel: participant {p.participant_id} is on channels"
                f" {previous} and {p.channel}; expected one channel per participant",
                file=src.metadata_path,
            )
        on_channel[p.channel] = (i, p.participant_id)
        channel_of[p.participant_id] = p.channel
    result = ChannelMap(count, {c: pid for c, (_, pid) in sorted(on_channel.items())})
    if result.unassigned_channels and meta.participants:
        findings.append(
            Finding(
                "channel-without-participant",
                f"chunk {meta.chunk_index}: channel{'s' if len(result.unassigned_channels) > 1 else ''}"
                f" {', '.join(map(str, result.unassigned_channels))} of {count} carr"
                f"{'y' if len(result.unassigned_channels) > 1 else 'ies'} no participant in the metadata",
                meta.chunk_index,
                src.metadata_path,
            )
        )
    return result


def _check_ids(sources: Sequence[ChunkSource]) -> None:
    first = sources[0]
    for src in sources[1:]:
        if src.metadata.call_id != first.metadata.call_id:
            raise CallMismatchError(
                f"callId is {src.metadata.call_id!r} but chunk {first.metadata.chunk_index}"
                f" ({first.label}) has {first.metadata.call_id!r}; expected every chunk of a"
                " recording to come from one call",
                file=src.metadata_path,
            )
    by_index: dict[int, ChunkSource] = {}
    for src in sources:
        other = by_index.get(src.metadata.chunk_index)
        if other is not None:
            raise DuplicateChunkError(
                f"chunkIndex {src.metadata.chunk_index} appears twice, with different metadata "
                f"or media: in {other.label} (media {other.media_path or 'none'}) and in "
                f"{src.label} (media {src.media_path or 'none'}); expected each index once per "
                "recording: keep the right copy",
                file=src.metadata_path,
            )
        by_index[src.metadata.chunk_index] = src


def _channel_type(sources: Sequence[ChunkSource], findings: list[Finding]) -> ChannelType:
    declared = _same_everywhere(
        sources, "channelType", [s.metadata.recording_info.channel_type for s in sources]
    )
    if isinstance(declared, ChannelType):
        return declared
    has_channels = any(p.channel is not None for s in sources for p in s.metadata.participants)
    multi = any(s.media is not None and s.media.channels > 1 for s in sources)
    guess = ChannelType.UNMIXED if has_channels or multi else ChannelType.MIXED
    findings.append(
        Finding(
            "channel-type-inferred",
            f"no chunk says its channelType; {guess.value!r} was inferred from the"
            f" {'participant channels' if has_channels else 'media'}",
        )
    )
    return guess


def _event_findings(
    event: RecordingFileStatusUpdated,
    sources: Sequence[ChunkSource],
    start: datetime,
    tolerance_us: int,
) -> list[Finding]:
    findings: list[Finding] = []
    by_index = {s.metadata.chunk_index: s for s in sources}
    for info in event.chunks:
        src = by_index.get(info.index)
        doc = src.metadata.chunk_document_id if src is not None else None
        if src is not None and doc is not None and doc != info.document_id:
            findings.append(
                Finding(
                    "event-document-mismatch",
                    f"chunk {info.index}: the event names document {info.document_id} but the"
                    f" metadata's chunkDocumentId is {doc}",
                    info.index,
                    src.metadata_path,
                )
            )
    if event.call_id is not None and event.call_id != sources[0].metadata.call_id:
        findings.append(
            Finding(
                "event-call-mismatch",
                f"the event's subject names call {event.call_id} but the metadata's callId is"
                f" {sources[0].metadata.call_id}",
            )
        )
    event_start = event.data.recording_start_time
    if event_start is not None:
        diff = to_microseconds(event_start - start)
        if abs(diff) > tolerance_us:
            findings.append(
                Finding(
                    "event-start-mismatch",
                    f"the event's recordingStartTime is {diff / 1e3:+.0f} ms from the earliest"
                    " chunkStartTime; the chunks' times are used",
                )
            )
    return findings


def build_recording(
    sources: Iterable[ChunkSource],
    *,
    event: RecordingFileStatusUpdated | None = None,
    pause_reading: PauseReading | None = None,
    tolerance_s: float = 0.05,
) -> Recording:
    """Assemble one recording from its chunks.

    Parameters
    ----------
    sources
        The chunks, in any order, each with its media header when at hand.
    event
        The ``RecordingFileStatusUpdated`` event, when saved: it gives the recording id, the
        chunks' end reasons and which chunk indexes exist.
    pause_reading
        Force one reading of ``chunkDuration`` for every chunk with pauses, instead of deciding
        per chunk from the media's length.
    tolerance_s
        How far media length and metadata may disagree before it is a finding (50 ms).

    Raises
    ------
    DuplicateChunkError, CallMismatchError, InconsistentSettingsError, ChannelConflictError
        The chunks cannot form one recording (each message names the files involved).
    UsageError
        No chunks, or a negative tolerance.
    """
    ordered = sorted(sources, key=lambda s: s.metadata.chunk_index)
    if not ordered:
        raise UsageError("build_recording needs at least one chunk")
    if not 0 <= tolerance_s < math.inf:
        raise UsageError(f"tolerance_s must be a finite number >= 0, got {tolerance_s!r}")
    tolerance_us = to_microseconds(tolerance_s)
    _check_ids(ordered)
    for src in ordered:
        _check_media(src)
    findings = _duplicates(ordered)
    rate = _recording_rate(ordered, findings)
    channel_type = _channel_type(ordered, findings)
    fmt = _same_everywhere(ordered, "format", [s.metadata.recording_info.format for s in ordered])
    if channel_type is ChannelType.UNMIXED:
        _check_tracks(ordered)
    start = min(s.metadata.chunk_start_time for s in ordered)
    placing = _Placing(
        start=start,
        rate=rate,
        unmixed=channel_type is ChannelType.UNMIXED,
        fmt=fmt if isinstance(fmt, MediaFormat) else None,
        forced=pause_reading,
        tolerance_us=tolerance_us,
        end_reasons={c.index: c.end_reason for c in event.chunks} if event is not None else {},
    )
    chunks = [
        placing.chunk(src, ordered[pos + 1] if pos + 1 < len(ordered) else None, findings)
        for pos, src in enumerate(ordered)
    ]
    findings += _overlaps(chunks, rate)
    missing = _missing_chunks(chunks, event, findings)
    if event is not None:
        findings += _event_findings(event, ordered, start, tolerance_us)
    return Recording(
        call_id=ordered[0].metadata.call_id,
        recording_id=event.recording_id if event is not None else None,
        sample_rate=rate,
        channel_type=channel_type,
        format=placing.fmt,
        content_type=next(
            (c for s in ordered if (c := s.metadata.recording_info.content_type)), None
        ),
        chunks=tuple(chunks),
        timeline=Timeline(start=start, sample_rate=rate, chunks=tuple(c.timeline for c in chunks)),
        missing_chunks=missing,
        warnings=tuple(findings),
        event=event,
    )


def _duplicates(ordered: Sequence[ChunkSource]) -> list[Finding]:
    return [
        Finding(
            "duplicate-chunk",
            f"chunk {s.metadata.chunk_index} was found more than once, byte for byte the same: "
            f"{s.label} is used, {', '.join(str(p) for p in s.duplicates)} set aside",
            chunk_index=s.metadata.chunk_index,
            file=s.metadata_path,
        )
        for s in ordered
        if s.duplicates
    ]


def _recording_rate(ordered: Sequence[ChunkSource], findings: list[Finding]) -> int:
    rates = [_effective_rate(s, findings) for s in ordered]
    rate = _same_everywhere(ordered, "sample rate", rates)
    if isinstance(rate, int):
        return rate
    findings.append(
        Finding(
            "sample-rate-assumed",
            f"neither metadata nor media gives a sample rate; {DEFAULT_SAMPLE_RATE} Hz (the ACS "
            "rate) is assumed",
        )
    )
    return DEFAULT_SAMPLE_RATE


def _source_findings(src: ChunkSource, fmt: MediaFormat | None) -> list[Finding]:
    """What one chunk's files say about themselves: a container the metadata does not name, a
    duration no chunk can have, media that cannot be used."""
    meta, out = src.metadata, []
    if fmt is not None and src.media is not None and src.media.container != fmt.value:
        out.append(
            Finding(
                "format-mismatch",
                f"chunk {meta.chunk_index}: metadata says {fmt.value} but the media file is"
                f" {src.media.container}",
                meta.chunk_index,
                src.media.path,
            )
        )
    if meta.chunk_duration_ms > MAX_CHUNK_DURATION_S * 1000:
        out.append(
            Finding(
                "chunk-too-long",
                f"chunk {meta.chunk_index}: chunkDuration {meta.chunk_duration_ms:.0f} ms is longer"
                " than the 4 hours a chunk can last",
                meta.chunk_index,
                src.metadata_path,
            )
        )
    if src.media_problem is not None:
        out.append(
            Finding(
                "media-unusable",
                f"chunk {meta.chunk_index}: {src.media_problem}; the metadata alone places it",
                meta.chunk_index,
                src.media_path,
            )
        )
    return out


@dataclass(frozen=True)
class _Placing:
    """What placing each chunk on the recording's wall clock needs to know."""

    start: datetime
    rate: int
    unmixed: bool
    fmt: MediaFormat | None
    forced: PauseReading | None
    tolerance_us: int
    end_reasons: Mapping[int, str | None]

    def offset_us(self, instant: datetime) -> int:
        return to_microseconds(instant - self.start)

    def chunk(self, src: ChunkSource, nxt: ChunkSource | None, findings: list[Finding]) -> Chunk:
        """``src`` placed on the wall clock; ``nxt`` is the chunk after it, if any."""
        meta = src.metadata
        findings += _source_findings(src, self.fmt)
        consecutive = nxt is not None and nxt.metadata.chunk_index == meta.chunk_index + 1
        layout = ChunkLayout(
            index=meta.chunk_index,
            start_us=self.offset_us(meta.chunk_start_time),
            duration_us=round(meta.chunk_duration_ms * 1000),
            pauses_us=tuple(
                (self.offset_us(p.start_time), round(p.duration_ms * 1000))
                for p in meta.pause_resume_intervals
            ),
            media_frames=src.media.frames if src.media is not None else None,
        )
        timeline, chunk_findings = build_chunk_timeline(
            layout,
            sample_rate=self.rate,
            forced=self.forced,
            next_start_us=self.offset_us(nxt.metadata.chunk_start_time)
            if consecutive and nxt
            else None,
            tolerance_us=self.tolerance_us,
        )
        findings += [
            Finding(f.code, f.message, f.chunk_index, f.file or src.metadata_path)
            for f in chunk_findings
        ]
        return Chunk(
            metadata=meta,
            timeline=timeline,
            channel_map=_channel_map(src, self.unmixed, findings),
            metadata_path=src.metadata_path,
            media=src.media,
            media_path=src.media_path,
            media_problem=src.media_problem,
            end_reason=self.end_reasons.get(meta.chunk_index),
        )


def _overlaps(chunks: Sequence[Chunk], rate: int) -> list[Finding]:
    out = []
    for before, after in itertools.pairwise(chunks):
        b, a = before.timeline, after.timeline
        if a.start < b.stop:
            out.append(
                Finding(
                    "chunks-overlap",
                    f"chunks {before.index} and {after.index} overlap on the wall clock by"
                    f" {(b.stop - a.start) / rate:.3f} s; where they overlap the earlier chunk is used",
                    after.index,
                    after.metadata_path,
                )
            )
    return out


def _missing_chunks(
    chunks: Sequence[Chunk], event: RecordingFileStatusUpdated | None, findings: list[Finding]
) -> tuple[int, ...]:
    """The chunk indexes that should exist but have no metadata, each run of them a finding."""
    runs = _missing_runs(
        [c.index for c in chunks], [c.index for c in event.chunks] if event is not None else []
    )
    for first, last in runs:
        # One finding per run: a lone chunk 10 000 must not make ten thousand warnings.
        which = f"chunk {first} is" if first == last else f"chunks {first} to {last} are"
        findings.append(
            Finding(
                "missing-chunk",
                f"{which} missing (no metadata for {'it' if first == last else 'them'} was"
                f" found); {'its' if first == last else 'their'} time is a gap",
                first,
            )
        )
    return tuple(index for first, last in runs for index in range(first, last + 1))
