"""Frame energies and frame RMS levels, and the noise-floor estimate built on them.

Frame ``k`` covers samples ``[k * hop, k * hop + frame)``; only complete frames count::

    samples  |0 ......................................... n|
    frame 0  [=======)
    frame 1      [=======)
    frame 2          [=======)          hop = 4, frame = 7

:class:`FrameLevels` can also be *cut* (a pause or a chunk join in the stream): frames then
restart at the cut, and the first frame that would run over it is cut short there, so that no
frame holds samples from both sides::

    samples  |0 ...................... c| ...................... n|   cut at c
    frames   [===)[===)[===)[===)[===)[=)[===)[===)[===)[===)[===)[==
                                      ^ short frame: the samples before the cut
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ..timebase import to_samples
from ._blocks import Accumulator, SampleRate, Scratch, as_frames, full_scale, sample_rate_checked

__all__ = [
    "FrameRms",
    "frame_count",
    "frame_rms_db",
    "noise_floor_db",
]

_HIST_LOW_DB = -160.0
_HIST_STEP_DB = 0.05
_HIST_BINS = round((20.0 - _HIST_LOW_DB) / _HIST_STEP_DB)


def frame_count(frames: int, frame: int, hop: int) -> int:
    """How many complete frames of ``frame`` samples, ``hop`` apart, fit in ``frames`` samples."""
    return 0 if frames < frame else 1 + (frames - frame) // hop


def frame_sizes(sample_rate: SampleRate, frame_s: float, hop_s: float) -> tuple[int, int]:
    """Frame and hop in samples (the project's one rounding rule); :class:`UsageError` if
    either is less than one sample at ``sample_rate`` (checked by the caller)."""
    frame, hop = to_samples(frame_s, sample_rate), to_samples(hop_s, sample_rate)
    if frame < 1:
        raise UsageError(f"frame_s={frame_s!r} is less than one sample at {sample_rate} Hz")
    if hop < 1:
        raise UsageError(f"hop_s={hop_s!r} is less than one sample at {sample_rate} Hz")
    return frame, hop


class FrameEnergy:
    """Sums of squares per frame, fed in consecutive blocks; a building block, not a result.

    :meth:`push` takes channel-major ``(channels, n)`` rows and returns the sums of squares of
    the frames the rows complete, ``(channels, k)`` in feed order. For int16 input they are int64
    and exact; otherwise float64 on the full-scale-1.0 scale. :attr:`scale` turns either into
    full-scale-1.0 units.
    """

    def __init__(self, channels: int, dtype: np.dtype, *, frame: int, hop: int) -> None:
        self.frame, self.hop = frame, hop
        self._exact = dtype == np.dtype(np.int16)
        # Squares are float64 for every input: int16 squares (at most 2**30) and their sums over
        # a frame (below 2**53) are exact in it, in any order of summation, and float64
        # converts and multiplies several times faster than the int32/int64 mix does. Sums
        # over frames are returned as int64 for int16.
        self._acc = np.dtype(np.int64) if self._exact else np.dtype(np.float64)
        # int16 in back-to-back frames: the tail keeps the samples, not their squares, and each
        # frame's sum of squares is one dot product (einsum): a pass less over every block than
        # squaring first. Exact all the same (integers below 2**53), so the same numbers.
        self._raw = self._exact and frame == hop
        self.scale = 1.0 / full_scale(dtype) ** 2 if self._exact else 1.0
        self._float_scale = 1.0 / full_scale(dtype)
        self._tail = np.zeros((channels, 0))
        # Counted from the start of the segment (see :meth:`restart`), not of the stream.
        self._tail_start = 0  # sample index of _tail[0]
        self._next_frame = 0  # index of the next frame to complete
        self._scratch = Scratch()

    def push(self, rows: np.ndarray) -> np.ndarray:
        tail_len = self._tail.shape[1]
        shape = (rows.shape[0], tail_len + rows.shape[1])
        # The squares, or in the int16 case the samples themselves (see __init__).
        held = self._scratch.get("held", shape, np.float64)
        held[:, :tail_len] = self._tail
        body: np.ndarray = held[:, tail_len:]
        np.copyto(body, rows)
        if rows.dtype.kind == "i" and not self._exact:
            body *= self._float_scale
        if not self._raw:
            np.multiply(body, body, out=body)
        end = self._tail_start + held.shape[1]
        done = frame_count(end, self.frame, self.hop)
        first = self._next_frame
        count = max(0, done - first)
        energy: np.ndarray
        if count and self._raw:
            # Back-to-back frames: the tail always starts on a frame, so a reshape does it.
            framed = held[:, : count * self.hop].reshape(len(held), count, self.hop)
            energy = np.einsum("cfn,cfn->cf", framed, framed).astype(np.int64)
        elif count and self.frame == self.hop:
            framed = held[:, : count * self.hop].reshape(len(held), count, self.hop)
            energy = framed.sum(-1)
        elif count:
            starts = np.arange(first, done, dtype=np.int64) * self.hop - self._tail_start
            sums = np.empty((len(held), held.shape[1] + 1), self._acc)
            sums[:, 0] = 0
            np.cumsum(held, axis=1, dtype=self._acc, out=sums[:, 1:])
            energy = sums[:, starts + self.frame] - sums[:, starts]
        else:
            energy = np.zeros((len(held), 0), self._acc)
        self._next_frame = max(first, done)
        keep_from = min(self._next_frame * self.hop, end)
        self._tail = held[:, keep_from - self._tail_start :].copy()
        self._tail_start = keep_from
        return energy

    def unframed(self) -> np.ndarray:
        """``(channels,)`` sums of squares of the samples from the next frame's start on: the
        frame that would complete next, cut at the last sample pushed."""
        start = max(self._next_frame * self.hop, self._tail_start) - self._tail_start
        rest = self._tail[:, start:]
        if self._raw:
            exact: np.ndarray = np.einsum("cn,cn->c", rest, rest).astype(np.int64)
            return exact
        tail: np.ndarray = rest.sum(axis=1, dtype=self._acc)
        return tail

    def unframed_length(self) -> int:
        """How many samples :meth:`unframed` sums."""
        return self._tail.shape[1] - (
            max(self._next_frame * self.hop, self._tail_start) - self._tail_start
        )

    def restart(self) -> None:
        """Start a new segment: the next sample pushed begins frame 0, as at the stream's start."""
        self._tail = np.zeros((len(self._tail), 0))
        self._tail_start = 0
        self._next_frame = 0


class FrameLevels:
    """Frame energies, their levels and a histogram of the levels, for one or more readers.

    Levels and speech activity both start from 10 ms frame energies; in one :class:`Analyzer`
    pass they share one of these, which computes each grid block once, however many accumulators
    ask for it. Readers pass the number of the grid block they are at (they all see the same
    sequence).

    The stream may be cut into segments (:meth:`cut`). Each segment is framed as if it were a
    stream of its own, and its samples after its last complete frame form one *short* frame (the
    next frame, cut at the segment's end), whose level is the RMS of the samples it has. So every
    segment ``[s, e)`` gives ``frame_count(e - s) + (1 if a short frame)`` frames, frame ``j``
    covering ``[s + j * hop, min(s + j * hop + frame, e))``; the last segment's short frame is
    left to the reader (:meth:`FrameEnergy.unframed`). Short frames are not counted in the
    histogram: too few samples to say what the noise is.
    """

    def __init__(self, *, frame: int, hop: int) -> None:
        self.frame, self.hop = frame, hop
        self.energy: FrameEnergy | None = None
        self.hist: DbHistogram | None = None
        self.cuts: list[int] = []
        """Where the stream is cut (sample positions, ascending, each above 0)."""
        self._pushed = 0
        self._cuts_done = 0  # how many of ``cuts`` the frames already restarted at
        self._number = -1
        self._last: tuple[np.ndarray, np.ndarray] | None = None

    def cut(self, at: int) -> None:
        """Cut the stream before sample ``at`` (at or after every sample pushed or cut so far).

        Cutting at 0 or where it is already cut changes nothing.
        """
        last = self.cuts[-1] if self.cuts else 0
        if at < max(last, self._pushed):
            raise UsageError(
                f"cannot cut at sample {at}: the stream is already at {max(last, self._pushed)}"
            )
        if at > last:
            self.cuts.append(at)

    def push(self, number: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(energies, levels_db)``, each ``(channels, k)``, of the frames grid block ``number``
        completes, short frames included; ``rows`` is that block channel-major."""
        if number == self._number and self._last is not None:
            return self._last
        if self.energy is None:
            self.energy = FrameEnergy(len(rows), rows.dtype, frame=self.frame, hop=self.hop)
            self.hist = DbHistogram.empty(len(rows))
        assert self.hist is not None
        energy, scale = self.energy, self.energy.scale
        start, stop = self._pushed, self._pushed + rows.shape[1]
        energies, levels = [], []
        # A cut at ``stop`` waits for the next block: the frames after it are not here yet, and
        # the stream may end there (its end closes the last segment in the same way).
        while self._cuts_done < len(self.cuts) and self.cuts[self._cuts_done] < stop:
            at = self.cuts[self._cuts_done] - start
            whole = energy.push(rows[:, :at])
            energies.append(whole)
            levels.append(energy_to_db(whole, self.frame, scale))
            self.hist.add(levels[-1])
            if energy.unframed_length():  # the short frame before the cut
                energies.append(energy.unframed()[:, np.newaxis])
                levels.append(energy_to_db(energies[-1], energy.unframed_length(), scale))
            energy.restart()
            rows, start = rows[:, at:], start + at
            self._cuts_done += 1
        energies.append(energy.push(rows))
        levels.append(energy_to_db(energies[-1], self.frame, scale))
        self.hist.add(levels[-1])
        self._pushed = stop
        if len(energies) > 1:
            self._last = (np.concatenate(energies, axis=1), np.concatenate(levels, axis=1))
        else:
            self._last = (energies[0], levels[0])
        self._number = number
        return self._last


def energy_to_db(energy: np.ndarray, frame: int, scale: float = 1.0) -> np.ndarray:
    """Sums of squares over ``frame`` samples as RMS dBFS (sine at full scale: -3.01).

    ``scale`` turns the sums into full-scale-1.0 units (:attr:`FrameEnergy.scale`).
    """
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(energy * (scale / frame))


SILENT_CENTI_DB = int(np.iinfo(np.int16).min)
"""Digital silence on the :func:`to_centi_db` scale."""


def to_centi_db(level: np.ndarray) -> np.ndarray:
    """Frame levels in hundredths of a dB as int16 (digital silence: :data:`SILENT_CENTI_DB`).

    A quarter of float64's memory (14 MB for 4 hours of 5 channels at 10 ms), and finer than any
    threshold needs. Speech activity and echo both decide on these same values, whichever path
    (streamed, whole array) made them.
    """
    centi = np.rint(np.clip(level * 100.0, SILENT_CENTI_DB + 1, np.iinfo(np.int16).max))
    return np.where(np.isneginf(level), SILENT_CENTI_DB, centi).astype(np.int16)


def centi_db_threshold(threshold: float) -> int:
    """A threshold on the :func:`to_centi_db` scale: reached when the rounded level reaches it."""
    return int(np.ceil(np.round(threshold * 100.0, 6)))


class FrameRms(Accumulator[np.ndarray]):
    """Streaming :func:`frame_rms_db`: the ``(frames, channels)`` float64 dBFS series."""

    def __init__(self, sample_rate: int, *, frame_s: float = 0.025, hop_s: float = 0.010) -> None:
        super().__init__()
        self.frame, self.hop = frame_sizes(sample_rate_checked(sample_rate), frame_s, hop_s)
        self._energy: FrameEnergy | None = None
        self._parts: list[np.ndarray] = []

    def _start(self, channels: int, dtype: np.dtype) -> None:
        self._energy = FrameEnergy(channels, dtype, frame=self.frame, hop=self.hop)

    def _consume(self, block: np.ndarray) -> None:
        assert self._energy is not None
        energy = self._energy.push(self._rows(block))
        self._parts.append((energy * self._energy.scale).T)

    def _finish(self) -> np.ndarray:
        assert self._channels is not None
        energy = np.concatenate([np.zeros((0, self._channels)), *self._parts])
        return energy_to_db(energy, self.frame)


def frame_rms_db(
    x: npt.ArrayLike, sample_rate: int, *, frame_s: float = 0.025, hop_s: float = 0.010
) -> np.ndarray:
    """RMS level of each frame, per channel.

    Parameters
    ----------
    x
        ``(frames, channels)`` or ``(frames,)`` samples: int16/int32 (full scale is the type's
        range) or float (full scale 1.0).
    sample_rate
        Samples per second.
    frame_s, hop_s
        Frame length and frame step in seconds. The defaults (25 ms, 10 ms) are usual for speech.

    Returns
    -------
    numpy.ndarray
        ``(n_frames, channels)`` float64, dBFS where a full-scale sine reads -3.01 dB; ``-inf`` for
        frames of digital silence. ``n_frames`` counts complete frames only.
    """
    acc = FrameRms(sample_rate, frame_s=frame_s, hop_s=hop_s)
    acc.update(as_frames(x))
    return acc.result()


@dataclass
class DbHistogram:
    """Counts of frame levels in 0.05 dB bins per channel, for percentiles in bounded memory.

    Frames of digital silence are not counted: they are absence of signal (a participant who has
    not joined yet), not its noise.
    """

    counts: np.ndarray

    @classmethod
    def empty(cls, channels: int) -> DbHistogram:
        return cls(np.zeros((channels, _HIST_BINS), np.int64))

    def add(self, level_db: np.ndarray) -> None:
        """Count ``(channels, n)`` levels; non-finite ones (digital silence) are skipped."""
        channels = self.counts.shape[0]
        bins = np.floor((level_db - _HIST_LOW_DB) / _HIST_STEP_DB)
        finite = np.isfinite(bins)
        flat = np.clip(bins[finite], 0, _HIST_BINS - 1).astype(np.intp)
        flat += np.nonzero(finite)[0] * _HIST_BINS
        self.counts += np.bincount(flat, minlength=channels * _HIST_BINS).reshape(channels, -1)

    def percentile(self, q: float) -> np.ndarray:
        """Per channel, the centre of the bin holding the ``q``-th percentile; NaN when empty."""
        cumulative = np.cumsum(self.counts, axis=1)
        total = cumulative[:, -1]
        target = np.ceil(total * (q / 100.0)).clip(min=1)
        index = (cumulative < target[:, None]).sum(axis=1)
        centre = _HIST_LOW_DB + (index + 0.5) * _HIST_STEP_DB
        return np.where(total > 0, centre, np.nan)


def noise_floor_db(frame_db: np.ndarray, *, percentile: float = 10.0) -> np.ndarray:
    """The noise floor of each channel: a low percentile of its frame levels.

    Parameters
    ----------
    frame_db
        ``(n_frames, channels)`` frame levels, as :func:`frame_rms_db` returns them.
    percentile
        Which percentile of the non-silent frames counts as the floor (0-100).

    Returns
    -------
    numpy.ndarray
        ``(channels,)`` float64 dBFS, resolved to 0.05 dB; NaN for a channel that is all digital
        silence.
    """
    frame_db = np.asarray(frame_db, dtype=np.float64)
    if frame_db.ndim != 2:
        raise UsageError(f"frame_db must be (frames, channels), got shape {frame_db.shape}")
    if not 0.0 <= percentile <= 100.0:
        raise UsageError(f"percentile must be within 0-100, got {percentile!r}")
    hist = DbHistogram.empty(frame_db.shape[1])
    hist.add(frame_db.T)
    return hist.percentile(percentile)
