"""Speech activity per channel: energy thresholds with hysteresis, adapted to the noise floor.

A frame turns speech on when its RMS level reaches the *on* threshold and off when it falls below
the *off* threshold; in between, it keeps the state of the frame before. Both thresholds are
absolute levels (dBFS) raised above the channel's own noise floor when that floor is high (up to a
ceiling), so the loudest moment of a call never moves them::

    level (dB)        on ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─
                     off ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─
    frames    . . . . # # # # # # # # . . . . # # . .
    speech            [               )       [   )

Runs of speech closer than ``min_silence_s`` are joined, runs shorter than ``min_speech_s`` are
dropped, then each run is widened by ``pad_s``. Frame ``k`` covers samples
``[k * hop, k * hop + frame)``; a run of frames ``a .. b`` becomes ``[a * hop, b * hop + frame)``.

The stream may be *cut* where the audio it holds is not continuous: a pause, a gap between
chunks, a chunk join (``boundaries=``, :meth:`SpeechDetector.cut`). Each segment between cuts is
decided as if it were a stream of its own: frames restart at a cut, the frame that would run over
it is cut short there, and hysteresis, bridging, minimum speech and padding all start afresh, so
nothing on one side moves an edge on the other. Speech running into a cut ends at it, and a run
touching a cut is kept however short: the utterance may go on across it (a seamless chunk join),
so its length is for the caller to judge once the pieces are joined::

    samples   . . . . # # # # # # #|# # # . . . . . . # #|. . .
    cuts                           ^                      ^
    speech            [            )[    )            [  )
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ..timebase import to_samples
from ._blocks import Accumulator, as_frames, sample_rate_checked, split_at
from ._options import Options
from .echo import Echo, EchoOptions, find_echoes
from .frames import (
    FrameLevels,
    centi_db_threshold,
    energy_to_db,
    frame_count,
    frame_sizes,
    to_centi_db,
)
from .intervals import close_gaps, mask_runs, pad

__all__ = [
    "DEFAULT_MAX_THRESHOLD_DBFS",
    "Activity",
    "ActivityOptions",
    "FrameSeries",
    "SpeechDetector",
    "speech_activity",
    "speech_bounds",
]

DEFAULT_MAX_THRESHOLD_DBFS = -30.0
"""The highest a noisy channel's floor raises the speech threshold, unless told otherwise (the
default of :attr:`ActivityOptions.max_threshold_dbfs`, named for the command line)."""


@dataclass(frozen=True, kw_only=True)
class ActivityOptions(Options):
    """How :class:`SpeechDetector` decides speech; checked once, when made.

    Every option is a finite number; a bad one is a :class:`~callrec.errors.UsageError` here.
    The detector checks only what depends on the sample rate (a frame of at least one sample).
    :meth:`from_dict` builds options from names, :meth:`changed` lists those that differ from
    the defaults.

    Attributes
    ----------
    threshold_dbfs
        The lowest *on* threshold (frame RMS, dBFS); used as is on a quiet channel.
    max_threshold_dbfs
        The highest the *on* threshold is raised, so that a channel that is speech almost
        throughout (whose low percentile is speech, not noise) still has its speech found. Not
        below ``threshold_dbfs``.
    floor_margin_db
        On a noisy channel, the *on* threshold is raised to this far above its noise floor.
    hysteresis_db
        The *off* threshold sits this far below the *on* threshold.
    frame_s, hop_s
        Frame length and step of the levels compared with the thresholds (more than zero).
    min_speech_s, min_silence_s
        Shorter speech is dropped; shorter pauses are bridged.
    pad_s
        Seconds added before and after each speech interval (within the signal).
    noise_percentile
        Which percentile (0-100) of the non-silent frame levels is the noise floor.

    The dB margins and the durations are zero or more.
    """

    KIND: ClassVar[str] = "speech activity option"

    threshold_dbfs: float = -50.0
    max_threshold_dbfs: float = DEFAULT_MAX_THRESHOLD_DBFS
    floor_margin_db: float = 12.0
    hysteresis_db: float = 6.0
    frame_s: float = 0.010
    hop_s: float = 0.010
    min_speech_s: float = 0.100
    min_silence_s: float = 0.300
    pad_s: float = 0.0
    noise_percentile: float = 10.0

    def _check(self) -> None:
        self._more_than_zero("frame_s", "hop_s")
        self._zero_or_more(
            "hysteresis_db", "floor_margin_db", "min_speech_s", "min_silence_s", "pad_s"
        )
        self._within("noise_percentile", 0.0, 100.0)
        self._not_below("threshold_dbfs", "max_threshold_dbfs")


@dataclass(frozen=True)
class Activity:
    """Where each channel has speech.

    Attributes
    ----------
    intervals
        One ``(n, 2)`` int64 array of half-open ``[start, stop)`` sample intervals per channel,
        sorted, none across a cut; between two cuts they are separated by at least
        ``min_silence_s`` (on either side of a cut they may touch).
    noise_floor_dbfs, on_dbfs, off_dbfs
        ``(channels,)`` float64: each channel's noise floor (NaN if all digital silence) and the
        thresholds that were applied.
    frames
        Samples per channel analysed.
    sample_rate
        Samples per second.
    """

    intervals: tuple[np.ndarray, ...]
    noise_floor_dbfs: np.ndarray
    on_dbfs: np.ndarray
    off_dbfs: np.ndarray
    frames: int
    sample_rate: int

    def bounds(self) -> np.ndarray:
        """``(channels, 2)`` int64: first speech start and last speech stop per channel.

        A channel without speech gets ``[0, 0]``, an empty interval.
        """
        return speech_bounds(self.intervals)

    def speech_s(self) -> np.ndarray:
        """``(channels,)`` seconds of speech per channel."""
        return np.array(
            [float((iv[:, 1] - iv[:, 0]).sum()) / self.sample_rate for iv in self.intervals]
        )


class FrameSeries(NamedTuple):
    """The frame levels a :class:`SpeechDetector` kept (:meth:`SpeechDetector.frame_levels`).

    Attributes
    ----------
    levels
        ``(channels, frames)`` int16 levels in hundredths of a dB (digital silence: the type's
        minimum), read-only.
    starts
        ``(frames,)`` int64 first sample of each frame: frames restart at each cut.
    cuts
        int64 sample positions where the stream was cut, ascending.
    """

    levels: np.ndarray
    starts: np.ndarray
    cuts: np.ndarray


def speech_bounds(intervals: tuple[np.ndarray, ...] | list[np.ndarray]) -> np.ndarray:
    """``(channels, 2)`` int64 trim bounds: first start and last stop of each channel's intervals.

    ``[0, 0]`` for a channel without intervals.
    """
    out = np.zeros((len(intervals), 2), np.int64)
    for c, iv in enumerate(intervals):  # one small array per channel
        if len(iv):
            out[c] = iv[0, 0], iv[-1, 1]
    return out


class SpeechDetector(Accumulator[Activity]):
    """Streaming :func:`speech_activity`; :meth:`cut` marks where the audio is not continuous.

    The thresholds depend on the noise floor of the whole channel, so frame levels are kept
    (2 bytes per channel per hop: 0.7 MB per channel-hour at the default 10 ms, in hundredths of
    a dB) and decided, one channel at a time, when :meth:`result` is called.

    The floor is estimated over everything fed, across cuts. It is a property of the channel (its
    line and microphone), not a state that carries from one moment to the next: it only sets the
    thresholds, and no frame's decision depends on a frame across a cut. A floor per segment would
    be worse: a short segment that is nearly all speech has no noise to measure, and the same
    sound would be speech in one segment and not in the next.

    Parameters
    ----------
    sample_rate
        Samples per second.
    options
        How speech is decided (:class:`ActivityOptions`); the defaults if None.
    **settings
        Single options by name (``threshold_dbfs=-40.0``), overriding ``options``; an unknown
        name is a :class:`~callrec.errors.UsageError`.

    The options in effect are :attr:`options`; ``frame``, ``hop``, ``min_speech``,
    ``min_silence`` and ``pad`` are the durations in samples.
    """

    def __init__(
        self, sample_rate: int, options: ActivityOptions | None = None, **settings: float
    ) -> None:
        super().__init__()
        rate = sample_rate_checked(sample_rate)
        self.options = ActivityOptions._resolved(options, settings)
        opts = self.options
        self.frame, self.hop = frame_sizes(rate, opts.frame_s, opts.hop_s)
        self.sample_rate = int(rate)
        self.threshold_dbfs = opts.threshold_dbfs
        self.max_threshold_dbfs = opts.max_threshold_dbfs
        self.floor_margin_db = opts.floor_margin_db
        self.hysteresis_db = opts.hysteresis_db
        self.min_speech = to_samples(opts.min_speech_s, rate)
        self.min_silence = to_samples(opts.min_silence_s, rate)
        self.pad = to_samples(opts.pad_s, rate)
        self.noise_percentile = opts.noise_percentile
        self._levels: list[np.ndarray] = []
        self._frame_levels = FrameLevels(frame=self.frame, hop=self.hop)
        self._excluded: list[np.ndarray] | None = None

    def exclude(self, spans: Sequence[np.ndarray]) -> None:
        """Never speech: ``spans[c]``, ``(n, 2)`` ``[start, stop)`` samples of the stream on
        channel ``c`` (DTMF keys, with a margin for their onset and decay). Call before
        :meth:`result`; a later call replaces the spans.

        Every frame that touches a span is silence, and the stretches between spans are decided
        apart, so nothing is bridged across one and no hysteresis carries over it: speech next
        to a key starts and ends where the voice does. Unlike at a cut, a run ending at a span
        is held to the minimum speech length.
        """
        if self._result is not None:
            raise UsageError("SpeechDetector.exclude() called after result()")
        self._excluded = [np.asarray(s, dtype=np.int64).reshape(-1, 2) for s in spans]

    def cut(self) -> None:
        """The audio is not continuous here, after the samples fed so far (a pause, a gap between
        chunks, a chunk join): decide what follows as if the stream started afresh.

        Only the noise floor (see above) is shared across the cut. Cutting before anything is
        fed, or twice at one place, changes nothing.
        """
        if self._result is not None:
            raise UsageError("SpeechDetector.cut() called after result()")
        self._frame_levels.cut(self._frames)

    def _consume(self, block: np.ndarray) -> None:
        _, level = self._frame_levels.push(self._consumed, self._rows(block))
        self._levels.append(to_centi_db(level))

    def _finish(self) -> Activity:
        assert self._channels is not None
        channels = self._channels
        framed = self._frame_levels
        assert framed.hist is not None and framed.energy is not None
        floor = framed.hist.percentile(self.noise_percentile)
        raised = np.fmin(floor + self.floor_margin_db, self.max_threshold_dbfs)
        on = np.fmax(self.threshold_dbfs, raised)
        off = on - self.hysteresis_db
        # The stream's end closes the last segment as a cut does: the rest is its short frame.
        rest = framed.energy.unframed_length()
        if rest:
            last = energy_to_db(framed.energy.unframed()[:, np.newaxis], rest, framed.energy.scale)
            self._levels.append(to_centi_db(last))
        levels = self._joined_levels(channels)
        return self._decided(levels, floor, on, off, self._excluded or [])

    def redecided(self, excluded: Sequence[np.ndarray]) -> Activity:
        """Speech decided again from the same frame levels and thresholds, with ``excluded``
        (as for :meth:`exclude`: per channel, spans that are never speech) instead: for
        spans known only after :meth:`result` (another channel's echo, found in the levels
        this detector kept). Costs the decision only: no audio is read again."""
        first = self._result
        if first is None:
            raise UsageError("SpeechDetector.redecided() needs result() first")
        spans = [np.asarray(s, dtype=np.int64).reshape(-1, 2) for s in excluded]
        return self._decided(
            self._levels[0], first.noise_floor_dbfs, first.on_dbfs, first.off_dbfs, spans
        )

    def _decided(
        self,
        levels: np.ndarray,
        floor: np.ndarray,
        on: np.ndarray,
        off: np.ndarray,
        excluded: Sequence[np.ndarray],
    ) -> Activity:
        """Speech intervals from the joined ``(channels, frames)`` levels and the thresholds."""
        channels = len(levels)
        segments = self._segments(self._frame_levels.cuts)
        if len(excluded) not in (0, channels):
            raise UsageError(
                f"exclude() was given spans for {len(excluded)} channels; the stream has {channels}"
            )
        intervals = []
        for c in range(channels):  # once per channel at the end: bounds the temporaries' size
            level = levels[c]  # a row of the joined levels, not a copy
            on_c, off_c = centi_db_threshold(on[c]), centi_db_threshold(off[c])
            spans = excluded[c] if len(excluded) else np.zeros((0, 2), np.int64)
            found = [  # a loop over segments and the stretches between spans: a few per chunk
                self._decide(
                    level[first + lo : first + hi],
                    piece_start,
                    piece_stop,
                    on_c,
                    off_c,
                    cut_before=piece_start == start and start > 0,
                    cut_after=piece_stop == stop and stop < self._frames,
                )
                for start, stop, first, count in segments
                for lo, hi, piece_start, piece_stop in self._between(spans, start, stop, count)
            ]
            intervals.append(np.concatenate(found))
        return Activity(
            intervals=tuple(intervals),
            noise_floor_dbfs=floor,
            on_dbfs=on,
            off_dbfs=off,
            frames=self._frames,
            sample_rate=self.sample_rate,
        )

    def _joined_levels(self, channels: int) -> np.ndarray:
        """The kept frame levels as one ``(channels, frames)`` array, which replaces the blocks'
        pieces: each piece is dropped once copied, so the levels are held about once, not
        twice, while they are joined. Kept for :meth:`frame_levels`."""
        pieces, self._levels = self._levels, []
        joined = np.empty((channels, sum(p.shape[1] for p in pieces)), np.int16)
        at = 0
        pieces.reverse()
        while pieces:  # one per grid block
            piece = pieces.pop()
            joined[:, at : at + piece.shape[1]] = piece
            at += piece.shape[1]
        self._levels = [joined]
        return joined

    def frame_levels(self) -> FrameSeries:
        """Every frame level the detector kept, after :meth:`result`, without a copy.

        :func:`~callrec.dsp.find_echoes` reads them (see :meth:`echoes`); the levels are
        read-only. Frame ``j`` covers samples ``starts[j] .. starts[j] + frame``, cut short at
        the next cut or the stream's end.
        """
        if self._result is None:
            raise UsageError("SpeechDetector.frame_levels() needs result() first")
        levels = self._levels[0].view()
        levels.flags.writeable = False
        segments = self._segments(self._frame_levels.cuts)
        starts = np.concatenate(
            [np.zeros(0, np.int64)]
            + [
                start + np.arange(count, dtype=np.int64) * self.hop
                for start, _, _, count in segments
            ]
        )
        cuts = np.array([start for start, _, _, _ in segments[1:]], np.int64)
        return FrameSeries(levels, starts, cuts)

    def echoes(self, options: EchoOptions | None = None) -> tuple[Echo, ...]:
        """The channels that carry another channel's voice (:func:`~callrec.dsp.find_echoes`),
        found in the frame levels and thresholds of :meth:`result`, which must come first.

        The source is active at its *on* threshold and still speaking at its *off* one; no
        frame is paired across a cut.
        """
        activity = self._result
        if activity is None:
            raise UsageError("SpeechDetector.echoes() needs result() first")
        series = self.frame_levels()
        return find_echoes(
            series.levels,
            series.starts,
            self.frame,
            activity.on_dbfs,
            hop=self.hop,
            sample_rate=self.sample_rate,
            off_dbfs=activity.off_dbfs,
            floor_dbfs=activity.noise_floor_dbfs,
            boundaries=series.cuts,
            length=self._frames,
            options=options,
        )

    def _between(
        self, spans: np.ndarray, start: int, stop: int, count: int
    ) -> list[tuple[int, int, int, int]]:
        """The stretches of the segment ``[start, stop)`` (``count`` frames) that touch no
        excluded span: ``(first frame, end frame, start sample, stop sample)`` each."""
        inside = spans[(spans[:, 1] > start) & (spans[:, 0] < stop)]
        if not len(inside):
            return [(0, count, start, stop)]
        # Frames f cover [start + f*hop, start + f*hop + frame): those touching [a, b) are
        # from the first whose end passes a to the last that starts before b.
        first_hit = np.maximum((inside[:, 0] - start - self.frame) // self.hop + 1, 0)
        end_hit = np.minimum(-(-(inside[:, 1] - start) // self.hop), count)
        out = []
        frame = 0
        for lo, hi in zip(first_hit.tolist(), end_hit.tolist(), strict=True):  # keys: a few
            if lo > frame:  # its last frame ends before the key: that is where it stops
                end = start + (lo - 1) * self.hop + self.frame
                out.append((frame, lo, start + frame * self.hop, end))
            frame = max(frame, hi)
        if frame < count:
            out.append((frame, count, start + frame * self.hop, stop))
        return out

    def _segments(self, cuts: list[int]) -> list[tuple[int, int, int, int]]:
        """``(start, stop, first frame, frames)`` of each segment between cuts, as
        :class:`~callrec.dsp.frames.FrameLevels` frames them (the last one's short frame too)."""
        bounds = [0, *(c for c in cuts if c < self._frames), self._frames]
        out, first = [], 0
        for start, stop in itertools.pairwise(bounds):
            whole = frame_count(stop - start, self.frame, self.hop)
            count = whole + int(stop - start > whole * self.hop)
            out.append((start, stop, first, count))
            first += count
        return out

    def _decide(
        self,
        level: np.ndarray,
        start: int,
        stop: int,
        on: int,
        off: int,
        *,
        cut_before: bool,
        cut_after: bool,
    ) -> np.ndarray:
        """Speech intervals of the segment ``[start, stop)`` from its frame levels (centi-dB).

        A run that touches a cut is kept however short: the utterance may go on across it (a
        seamless chunk join), and only the caller, who knows which cuts are seamless, can judge
        its whole length.
        """
        speech = _hysteresis(level[:, np.newaxis], on, off)
        (runs,) = mask_runs(speech)
        length = stop - start
        # A run may end on the segment's short frame, which stops at the segment's end.
        last_stop = np.minimum((runs[:, 1] - 1) * self.hop + self.frame, length)
        samples = np.stack([runs[:, 0] * self.hop, last_stop], 1)
        samples = close_gaps(samples, self.min_silence)
        at_cut = ((samples[:, 0] == 0) & cut_before) | ((samples[:, 1] == length) & cut_after)
        samples = samples[at_cut | (samples[:, 1] - samples[:, 0] >= self.min_speech)]
        return pad(samples, self.pad, length) + start


def _hysteresis(level: np.ndarray, on: int, off: int) -> np.ndarray:
    """Speech state per frame: on at ``>= on``, off below ``off``, otherwise unchanged."""
    event = np.where(level >= on, 1, np.where(level < off, -1, 0)).astype(np.int8)
    index = np.arange(len(level), dtype=np.int32)[:, np.newaxis]
    last = np.maximum.accumulate(np.where(event != 0, index, -1), axis=0)
    decided = np.take_along_axis(event, np.maximum(last, 0), axis=0)
    return (last >= 0) & (decided > 0)


def speech_activity(
    x: npt.ArrayLike,
    sample_rate: int,
    options: ActivityOptions | None = None,
    *,
    boundaries: npt.ArrayLike = (),
    exclude: np.ndarray | Sequence[np.ndarray] | None = None,
    **settings: float,
) -> Activity:
    """Find speech in each channel.

    Parameters
    ----------
    x
        ``(frames, channels)`` or ``(frames,)`` samples (int16, int32 or float).
    sample_rate
        Samples per second.
    options
        How speech is decided (:class:`ActivityOptions`); the defaults if None.
    boundaries
        Ascending sample positions where the audio is not continuous (pauses, gaps between
        chunks, chunk joins): each segment between them is decided on its own (see the module
        notes). A run that touches a boundary is kept even if shorter than ``min_speech_s``: it
        may go on across it (a seamless chunk join); join such runs, then apply the minimum
        (``callrec.dsp.intervals.drop_short``), as ``callrec process`` does. Default: none.
    exclude
        Spans that are never speech (DTMF keys, say): one ``(n, 2)`` int array of
        ``[start, stop)`` samples for every channel, or a sequence of such arrays, one per
        channel (see :meth:`SpeechDetector.exclude`). Default: none.
    **settings
        Single options by name (``threshold_dbfs=-40.0``), overriding ``options``.

    Returns
    -------
    Activity
        ``intervals[c]`` is an ``(n, 2)`` int64 array of ``[start, stop)`` samples.
    """
    detector = SpeechDetector(sample_rate, options, **settings)
    frames = as_frames(x)
    for i, segment in enumerate(split_at(frames, boundaries)):
        if i:
            detector.cut()
        detector.update(segment)
    if exclude is not None:
        per_channel: Sequence[np.ndarray] = (
            [exclude] * frames.shape[1] if isinstance(exclude, np.ndarray) else exclude
        )
        detector.exclude(per_channel)
    return detector.result()
