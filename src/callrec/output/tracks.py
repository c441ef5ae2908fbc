"""From chunk media to tracks: which media frames land where, read once, in order.

A recording's timeline says, per chunk, which runs of media frames sit where on the wall clock
(:class:`~callrec.acs.timeline.MediaSpan`). Here those runs become *pieces*: overlaps between chunks
resolved (the lower chunk index keeps the time, as :meth:`Timeline.track_to_media` says), sorted
by track position, and given a position on the *compact* track too (pieces back to back)::

    wall clock   |chunk 0 ......|pause|chunk 0 ...|   gap   |chunk 1 ..........|
    pieces       [p0            )     [p1        )         [p2                 )
    compact      [p0            )[p1        )[p2                 )

:func:`placed_parts` reads each chunk's media once, block by block, and yields every part of a
block with its track and compact positions; writing tracks and feeding analyzers both start from
it, so memory is one block whatever the recording's length. A track is assembled in windows of
one block (:class:`TrackAssembler`): the core's :func:`~callrec.dsp.place` copies each part into
the window, and what nothing was placed on is digital silence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..acs.recording import Chunk, Recording
from ..audio.reader import DEFAULT_BLOCK_FRAMES, open_audio, reading_findings
from ..audio.write_behind import WriteBehind
from ..audio.writer import AudioWriter
from ..dsp.intervals import empty_intervals, subtract
from ..dsp.placement import place
from ..errors import ChannelConflictError, Finding, MediaError, UsageError
from .options import Layout

__all__ = [
    "Part",
    "Piece",
    "TrackAssembler",
    "TrackFile",
    "aligned_blocks",
    "pieces",
    "placed_parts",
]


@dataclass(frozen=True)
class Piece:
    """``length`` media frames of chunk ``chunk_index`` from ``media_start``, placed at
    ``track_start`` on the wall-clock track and ``compact_start`` on the compact one."""

    chunk_index: int
    media_start: int
    track_start: int
    compact_start: int
    length: int


@dataclass(frozen=True)
class Part:
    """Consecutive frames of one media block that belong to one piece."""

    chunk: Chunk
    samples: np.ndarray
    track_start: int
    compact_start: int


def pieces(recording: Recording) -> tuple[Piece, ...]:
    """The recording's media runs, overlaps resolved, in track order (see the module notes)."""
    taken = empty_intervals()
    placed: list[tuple[int, int, int, int]] = []
    for chunk in recording.chunks:  # index order: the lower index keeps overlapping time
        for span in chunk.timeline.media_spans:  # a handful per chunk
            own = np.array([[span.track_start, span.track_stop]], np.int64)
            for lo, hi in subtract(own, taken).tolist():
                placed.append((lo, chunk.index, span.media_start + lo - span.track_start, hi - lo))
            taken = np.concatenate([taken, own])
    placed.sort()
    out, compact = [], 0
    for track_start, index, media_start, length in placed:
        out.append(Piece(index, media_start, track_start, compact, length))
        compact += length
    return tuple(out)


def sample_dtype(recording: Recording) -> np.dtype:
    """int16 when the media is 16-bit PCM (kept bit for bit), float32 otherwise."""
    codecs = {c.media.codec for c in recording.chunks if c.media is not None}
    return np.dtype(np.int16 if codecs <= {"PCM_16"} else np.float32)


def _runs(plan: tuple[Piece, ...]) -> list[list[Piece]]:
    """Consecutive pieces of one chunk: each run is one sequential read of its media."""
    runs: list[list[Piece]] = []
    for piece in plan:
        if runs and runs[-1][0].chunk_index == piece.chunk_index:
            runs[-1].append(piece)
        else:
            runs.append([piece])
    return runs


def check_channels(chunk: Chunk, channels: int) -> None:
    """Every participant's channel must exist in the chunk's media."""
    for channel, participant in chunk.channel_map.participants.items():
        if channel >= channels:
            raise ChannelConflictError(
                f"participant {participant!r} is on channel {channel} in the metadata, but the "
                f"media has {channels} channel(s) (0..{channels - 1})",
                file=chunk.media_path,
            )


def placed_parts(
    recording: Recording,
    *,
    block_frames: int = DEFAULT_BLOCK_FRAMES,
    findings: list[Finding] | None = None,
) -> Iterator[Part]:
    """Every recorded block part in track order, each media file read once in the usual case.

    Lost audio is never an error: a chunk without media, with media that is empty, unreadable
    or undecodable, or with a file that ends early keeps its time silent, and a finding names the
    chunk and why (see :data:`~callrec.errors.LOST_AUDIO`). What a decoder said about damaged data becomes a
    finding too.

    An unmixed recording's parts are channel-major (``part.samples.T`` is C-ordered): each
    participant's track takes one channel, and the core measures channel by channel, so the
    media's interleaved frames are taken apart once here instead of once by each.
    """
    if block_frames < 1:
        raise UsageError(f"block_frames must be at least 1, got {block_frames}")
    notes = findings if findings is not None else []
    for run in _runs(pieces(recording)):
        chunk = recording.chunk(run[0].chunk_index)
        if chunk.media_problem is not None:
            continue  # build_recording's media-unusable finding already says why
        if chunk.media_path is None:
            notes.append(
                Finding(
                    "chunk-without-media",
                    f"chunk {chunk.index} has no media file; its time is silence in the tracks",
                    chunk.index,
                )
            )
            continue
        yield from _read_run(chunk, chunk.media_path, run, block_frames, notes, recording.mixed)


def _read_run(
    chunk: Chunk,
    path: Path,
    run: list[Piece],
    block_frames: int,
    notes: list[Finding],
    mixed: bool,
) -> Iterator[Part]:
    try:
        reader = open_audio(path)
    except MediaError as exc:  # the header read, the decoder will not start: lost audio
        notes.append(
            Finding(
                "media-undecodable",
                f"chunk {chunk.index}: {exc.detail}; its time is silence in the tracks",
                chunk.index,
                path,
            )
        )
        return
    with reader:
        check_channels(chunk, reader.channels)
        end = run[-1].media_start + run[-1].length
        blocks = reader.blocks(block_frames)
        position = 0
        while position < end:
            block = _next_block(blocks, chunk, notes)
            if block is None:
                break
            if not mixed and block.shape[1] > 1:
                block = np.ascontiguousarray(block.T).T
            stop = position + len(block)
            for piece in run:  # pieces of one run: a handful
                lo = max(piece.media_start, position)
                hi = min(piece.media_start + piece.length, stop)
                if hi > lo:
                    shift = lo - piece.media_start
                    yield Part(
                        chunk,
                        block[lo - position : hi - position],
                        piece.track_start + shift,
                        piece.compact_start + shift,
                    )
            position = stop
        if position >= reader.info.frames:
            # At the end of the file: finishing the read is what reveals a truncated one.
            _next_block(blocks, chunk, notes)


def _next_block(
    blocks: Iterator[np.ndarray], chunk: Chunk, notes: list[Finding]
) -> np.ndarray | None:
    """The next block; damage found on the way is a finding about the chunk."""
    with reading_findings(notes, chunk.index):
        return next(blocks, None)


def track_length(recording: Recording, layout: Layout) -> int:
    """Samples in a track of ``layout``: the wall-clock span, or all pieces back to back."""
    if layout == "aligned":
        return recording.timeline.length
    return sum(p.length for p in pieces(recording))


def aligned_blocks(
    recording: Recording,
    participant_id: str | None = None,
    *,
    layout: Layout = "aligned",
    block_frames: int = DEFAULT_BLOCK_FRAMES,
) -> Iterator[tuple[int, np.ndarray]]:
    """One participant's track (or, for a mixed recording, the mix) as consecutive blocks.

    Yields ``(track_start, block)`` pairs that cover ``[0, track length)`` in order; ``block`` is
    ``(n, channels)`` with ``n <= block_frames`` (one channel for a participant, the media's
    channels for a mix), digital silence wherever the participant was not recorded.
    """
    if recording.mixed == (participant_id is not None):
        raise UsageError("pass a participant_id for an unmixed recording, and none for a mixed one")
    if participant_id is not None and participant_id not in recording.participants:
        raise UsageError(
            f"no participant {participant_id!r}; participants: {list(recording.participants)}"
        )
    channels = mix_channels(recording) if recording.mixed else 1
    track = TrackAssembler(channels, sample_dtype(recording), block_frames)
    for part in placed_parts(recording, block_frames=block_frames):
        columns = None
        if participant_id is not None:
            channel = part.chunk.channel_map.channel_of(participant_id)
            if channel is None:
                continue
            columns = [channel]
        at = part.track_start if layout == "aligned" else part.compact_start
        yield from track.add(at, part.samples, columns)  # each window is the caller's
    yield from track.finish(track_length(recording, layout))


def mix_channels(recording: Recording) -> int:
    """Channels of a mixed track: the media's (the most any chunk has)."""
    counts = {c.media.channels for c in recording.chunks if c.media is not None}
    return max(counts, default=1)


class TrackAssembler:
    """A track built front to back in windows of ``block_frames`` samples.

    Each part is placed into the current window by the core's :func:`~callrec.dsp.place`
    (channels picked on the way, bit for bit); whatever nothing was placed on is digital
    silence. A window comes out when the track has moved past it and is then the caller's: the
    assembler never writes to it again, unless the caller hands it back with :meth:`reuse`
    once done with it (the next windows are then built in it instead of in fresh memory).
    """

    def __init__(self, channels: int, dtype: np.dtype, block_frames: int) -> None:
        if block_frames < 1:
            raise UsageError(f"block_frames must be at least 1, got {block_frames}")
        self._shape = (block_frames, channels)
        self._dtype = dtype
        self._spare: list[np.ndarray] = []  # windows handed back, to build the next ones in
        self._window = np.empty(self._shape, dtype)
        # Rows of the window below this are final (placed, or silence): the rest are written
        # once, by a placement or as silence, instead of cleared first and then overwritten.
        self._ready = 0
        self.start = 0  # the track sample of the window's first row

    def add(
        self, at: int, samples: np.ndarray, columns: Sequence[int] | None = None
    ) -> Iterator[tuple[int, np.ndarray]]:
        """Place ``samples`` at track sample ``at`` (not before the current window), taking
        ``columns`` of them (all, by default); yields the windows completed on the way."""
        if at < self.start:
            raise UsageError(
                f"samples at track sample {at} come after the track moved on to {self.start}: "
                "parts must arrive in track order"
            )
        span = ((0, at, len(samples)),)
        end, size = at + len(samples), self._shape[0]
        # A placement that leaves some of the window's channels alone (-1) needs them silent.
        whole_rows = columns is None or all(c >= 0 for c in columns)
        while at >= self.start + size:  # windows wholly before the part
            yield self._completed()
        while True:
            self._silence_to(max(at - self.start, 0) if whole_rows else size)
            place(
                samples,
                self._window,
                block_start=0,
                out_start=self.start,
                spans=span,
                channels=columns,
            )
            self._ready = max(self._ready, min(end - self.start, size))
            if end <= self.start + size:
                return
            yield self._completed()

    def finish(self, length: int) -> Iterator[tuple[int, np.ndarray]]:
        """The remaining windows, up to track sample ``length``."""
        while self.start < length:
            yield self._completed(min(self._shape[0], length - self.start))

    def reuse(self, window: np.ndarray) -> None:
        """Take back a window given out, which its caller no longer reads. Anything else (a
        part of a window, the track's last one, another shape or type) is left alone."""
        if window.shape == self._shape and window.dtype == self._dtype and window.flags.owndata:
            self._spare.append(window)

    def _silence_to(self, row: int) -> None:
        if row > self._ready:
            self._window[self._ready : row] = 0
            self._ready = row

    def _completed(self, rows: int | None = None) -> tuple[int, np.ndarray]:
        """The current window (its first ``rows``, the track's end), given out; a new one
        started."""
        size = self._shape[0]
        self._silence_to(size if rows is None else rows)
        done = (self.start, self._window if rows is None else self._window[:rows])
        self.start += size
        self._window = self._spare.pop() if self._spare else np.empty(self._shape, self._dtype)
        self._ready = 0
        return done


class TrackFile:
    """A track file written front to back through a :class:`TrackAssembler`.

    The file appears (atomically, see :class:`AudioWriter`) only when :meth:`close` succeeds.
    With ``writes``, the track is assembled and written, and the file closed, on that thread
    (:class:`~callrec.audio.write_behind.WriteBehind`): :meth:`add`, :meth:`finish` and
    :meth:`close` then only queue the work (the samples given to :meth:`add` must not change
    until it is done), its errors are raised by a later call or by ``writes.wait()``, the file
    is in place once ``writes.wait()`` returns, and ``writes`` must be closed before
    :meth:`discard`.
    """

    def __init__(
        self,
        path: Path,
        *,
        sample_rate: int,
        channels: int,
        dtype: np.dtype,
        block_frames: int,
        writes: WriteBehind | None = None,
    ) -> None:
        self.path = path
        self._writer = AudioWriter(path, sample_rate=sample_rate, channels=channels, dtype=dtype)
        self._track = TrackAssembler(channels, dtype, block_frames)
        self._writes = writes

    def add(self, at: int, samples: np.ndarray, columns: Sequence[int] | None = None) -> None:
        """Place ``columns`` of ``samples`` at track sample ``at`` (see :meth:`TrackAssembler.add`)."""
        self._run(self._place, at, samples, columns)

    def finish(self, length: int) -> None:
        """Write the rest of the track, up to sample ``length``, and ask the disk to start on
        it: finish every track of a recording, then :meth:`close` them, and their data goes to
        disk together instead of one file's sync after the other."""
        self._run(self._finish, length)

    def close(self) -> None:
        """Make the finished file durable and put it in place (on ``writes``, when it is
        given: done once ``writes.wait()`` returns)."""
        self._run(self._writer.close)

    def discard(self) -> None:
        self._writer.discard()

    def _run(self, job: Callable[..., object], *args: Any) -> None:
        # On the writes' thread, the copying of samples into windows leaves the pass too.
        if self._writes is None:
            job(*args)
        else:
            self._writes.submit(job, *args)

    def _place(self, at: int, samples: np.ndarray, columns: Sequence[int] | None) -> None:
        for _, window in self._track.add(at, samples, columns):
            self._write(window)

    def _finish(self, length: int) -> None:
        for _, window in self._track.finish(length):
            self._write(window)
        self._writer.start_writeback()

    def _write(self, window: np.ndarray) -> None:
        self._writer.write(window)
        self._track.reuse(window)  # the next windows are built in it
