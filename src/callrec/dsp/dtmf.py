"""DTMF key detection: the eight DTMF frequencies measured per frame, Goertzel style.

Each frame's power at the exact row and column frequencies is what the Goertzel recursion
computes. Frames overlap (25.6 ms every 10 ms), so rather than projecting every frame, each
hop-long block of samples is projected once onto the eight frequencies (one matrix product for all
blocks and channels), and a frame's projection is the sum of its blocks', each turned by the phase
of its offset in the frame::

    samples   |  block 0  |  block 1  |  block 2  |  block 3  |
    frame 0   [=======================|====)                     2 blocks + the first part of 3rd
    frame 1               [=======================|====)

A frame's energy is summed the same way. A frame holds a key when

- its strongest row and strongest column tone are each above ``min_tone_dbfs``;
- each beats the other tones of its group by ``min_peak_ratio_db`` (one clear row, one clear column);
- the column tone is within ``[-reverse_twist_db, +forward_twist_db]`` of the row tone;
- the two tones carry at least ``min_tone_fraction`` of the frame's energy (speech does not).

Runs of frames with the same key at least ``min_tone_s`` long are reported, with dropouts of up
to ``max_dropout_s`` bridged.

The stream may be *cut* where the audio it holds is not continuous: a pause, a gap between
chunks, a chunk join (``boundaries=``, :meth:`DtmfDetector.cut`). Frames restart at a cut as at
the stream's start, and runs are found in each segment on its own, so no frame and no key holds
samples from both sides (samples that were never next to each other). A key held over a cut is
two keys, each ending or starting within a frame of it::

    samples   . . . . 7 7 7 7 7 7|7 7 7 7 . . . .
    cut                           ^
    keys              [        )  [      )
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ..timebase import to_samples
from ._blocks import Accumulator, Scratch, as_frames, full_scale, sample_rate_checked, split_at
from ._options import Options
from .frames import frame_count, frame_sizes
from .intervals import close_gaps, drop_short, empty_intervals

__all__ = ["DTMF_KEYS", "KEY_GUARD_S", "DtmfDetector", "DtmfOptions", "DtmfTones", "detect_dtmf"]

ROW_HZ = (697.0, 770.0, 852.0, 941.0)
COLUMN_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")
KEY_GUARD_S = 0.03
"""Kept out of speech on both sides of a key: the key detector's 25.6 ms frames place a key's
edges within about 10 ms, and a key's own onset and decay must not become slivers of speech."""
_KEY_CODES = np.array([ord(k) for row in DTMF_KEYS for k in row], np.int32)


@dataclass(frozen=True, kw_only=True)
class DtmfOptions(Options):
    """How :class:`DtmfDetector` finds keys (see the module notes); checked once, when made.

    Every option is a finite number; a bad one is a :class:`~callrec.errors.UsageError` here.
    The detector checks only what depends on the sample rate (a frame of at least one sample).
    :meth:`from_dict` builds options from names, :meth:`changed` lists those that differ from
    the defaults.

    Attributes
    ----------
    frame_s, hop_s
        Analysis frame and step (more than zero); 25.6 ms frames separate neighbouring DTMF
        tones.
    min_tone_s
        Shortest tone reported (ITU-T Q.24 asks that 40 ms tones be accepted).
    max_dropout_s
        Longest break inside one key press that is bridged.
    min_tone_dbfs
        Lowest level of each of the two tones (RMS dBFS).
    min_peak_ratio_db
        How far each tone must stand above the others of its group.
    forward_twist_db, reverse_twist_db
        How much louder (forward) or quieter (reverse) the column tone may be than the row tone.
    min_tone_fraction
        Share (0-1) of the frame's energy the two tones must carry.

    The durations and the dB margins (all but ``min_tone_dbfs``) are zero or more.
    """

    KIND: ClassVar[str] = "DTMF option"

    frame_s: float = 0.0256
    hop_s: float = 0.010
    min_tone_s: float = 0.030
    max_dropout_s: float = 0.020
    min_tone_dbfs: float = -45.0
    min_peak_ratio_db: float = 6.0
    forward_twist_db: float = 4.0
    reverse_twist_db: float = 8.0
    min_tone_fraction: float = 0.7

    def _check(self) -> None:
        self._more_than_zero("frame_s", "hop_s")
        self._zero_or_more(
            "min_tone_s",
            "max_dropout_s",
            "min_peak_ratio_db",
            "forward_twist_db",
            "reverse_twist_db",
        )
        # Two tones carry at most all of a frame's energy: above 1, no key would ever be found.
        self._within("min_tone_fraction", 0.0, 1.0)


@dataclass(frozen=True)
class DtmfTones:
    """The keys found in one channel, in time order.

    Attributes
    ----------
    keys
        One character per tone: ``0-9``, ``*``, ``#``, ``A-D``.
    intervals
        ``(n, 2)`` int64 half-open sample intervals, one row per key.
    """

    keys: str
    intervals: np.ndarray


class DtmfDetector(Accumulator[tuple[DtmfTones, ...]]):
    """Streaming :func:`detect_dtmf`: one :class:`DtmfTones` per channel; :meth:`cut` marks where
    the audio is not continuous.

    Parameters
    ----------
    sample_rate
        Samples per second (8 kHz and up).
    options
        How keys are found (:class:`DtmfOptions`); the defaults if None.
    **settings
        Single options by name (``min_tone_s=0.04``), overriding ``options``; an unknown name is
        a :class:`~callrec.errors.UsageError`.

    The options in effect are :attr:`options`; ``frame``, ``hop``, ``min_tone`` and
    ``max_dropout`` are the durations in samples.
    """

    def __init__(
        self, sample_rate: int, options: DtmfOptions | None = None, **settings: float
    ) -> None:
        super().__init__()
        rate = sample_rate_checked(sample_rate)
        self.options = DtmfOptions._resolved(options, settings)
        opts = self.options
        self.frame, self.hop = frame_sizes(rate, opts.frame_s, opts.hop_s)
        self.sample_rate = int(rate)
        self.min_tone = to_samples(opts.min_tone_s, rate)
        self.max_dropout = to_samples(opts.max_dropout_s, rate)
        self.min_tone_power = 10.0 ** (opts.min_tone_dbfs / 10.0)
        self.min_peak_ratio = 10.0 ** (opts.min_peak_ratio_db / 10.0)
        self.twist = (
            10.0 ** (-opts.reverse_twist_db / 10.0),
            10.0 ** (opts.forward_twist_db / 10.0),
        )
        self.min_tone_fraction = opts.min_tone_fraction
        # A frame is ``whole`` hop-long blocks and the first ``part`` samples of the next one.
        self._whole, self._part = divmod(self.frame, self.hop)
        hz = np.array(ROW_HZ + COLUMN_HZ)
        phase = 2.0 * np.pi * (np.arange(self.hop) / self.sample_rate)[:, np.newaxis] * hz
        head = np.arange(self.hop)[:, np.newaxis] < self._part
        # (hop, 32): cosine and sine over a whole block, then over its first ``part`` samples.
        self._basis = np.concatenate(
            [np.cos(phase), np.sin(phase), np.cos(phase) * head, np.sin(phase) * head], axis=1
        )
        # The phase of block j's first sample in the frame, as e^{-i w t}.
        offsets = np.arange(self._whole + 1)[:, np.newaxis] * (self.hop / self.sample_rate)
        self._turn = np.exp(-2j * np.pi * offsets * hz)  # (whole + 1, 8)
        self._scratch = Scratch()
        self._scale = 1.0
        # Each segment between cuts: its first sample in the stream, and its frames' key codes.
        self._segments: list[tuple[int, list[np.ndarray]]] = [(0, [])]
        self._cuts: list[int] = []
        self._cuts_done = 0  # how many of ``_cuts`` the frames already restarted at
        self._consumed_frames = 0
        self._tail = np.zeros((1, 0))  # channel-major float64 samples not yet in a whole frame
        self._tail_start = 0  # from the segment's start, as the frames are
        self._next_frame = 0

    def cut(self) -> None:
        """The audio is not continuous here, after the samples fed so far (a pause, a gap between
        chunks, a chunk join): frame what follows as if the stream started afresh.

        Cutting before anything is fed, or twice at one place, changes nothing.
        """
        if self._result is not None:
            raise UsageError("DtmfDetector.cut() called after result()")
        if self._frames > (self._cuts[-1] if self._cuts else 0):
            self._cuts.append(self._frames)

    def _start(self, channels: int, dtype: np.dtype) -> None:
        self._scale = 1.0 / full_scale(dtype)
        self._restart(channels)

    def _restart(self, channels: int) -> None:
        self._tail = np.zeros((channels, 0))
        self._tail_start = 0
        self._next_frame = 0

    def _consume(self, block: np.ndarray) -> None:
        rows = self._rows(block)
        start, stop = self._consumed_frames, self._consumed_frames + len(block)
        # A cut at ``stop`` waits for the next block; at the stream's end it changes nothing.
        while self._cuts_done < len(self._cuts) and self._cuts[self._cuts_done] < stop:
            at = self._cuts[self._cuts_done]
            self._frame(rows[:, : at - start])
            rows, start = rows[:, at - start :], at
            self._restart(len(rows))  # the samples before the cut that fill no frame go
            self._segments.append((at, []))
            self._cuts_done += 1
        self._frame(rows)
        self._consumed_frames = stop

    def _frame(self, fresh: np.ndarray) -> None:
        """Classify the frames of the current segment that ``fresh`` (channel-major) completes."""
        held, new = self._tail.shape[1], fresh.shape[1]
        # A hop of zeros after the samples: the blocks _measure reads are then all whole.
        samples = self._scratch.get("samples", (len(fresh), held + new + self.hop), np.float64)
        samples[:, :held] = self._tail
        np.multiply(fresh, self._scale, out=samples[:, held : held + new])
        samples[:, held + new :] = 0.0
        end = self._tail_start + held + new
        done = frame_count(end, self.frame, self.hop)
        if done > self._next_frame:
            first = self._next_frame * self.hop - self._tail_start
            power, energy = self._measure(samples[:, first:], done - self._next_frame)
            self._segments[-1][1].append(self._classify(power, energy))
            self._next_frame = done
        keep = min(self._next_frame * self.hop, end)
        self._tail = samples[:, keep - self._tail_start : held + new].copy()
        self._tail_start = keep

    def _measure(self, samples: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Tone powers ``(count, channels, 8)`` and energies ``(count, channels)`` of the
        ``count`` frames starting every hop from ``samples[:, 0]`` (see the module notes)."""
        hop, whole, part = self.hop, self._whole, self._part
        blocks = samples[:, : (count + whole) * hop].reshape(len(samples), -1, hop)
        projected = blocks @ self._basis  # (channels, blocks, 32): one product for everything
        spectrum = projected[..., 0:8] - 1j * projected[..., 8:16]
        squares = np.einsum("cbn,cbn->cb", blocks, blocks)
        total = np.zeros((len(samples), count, 8), complex)
        energy = np.zeros((len(samples), count))
        for j in range(whole):  # whole blocks per frame: 2 at the defaults
            total += self._turn[j] * spectrum[:, j : j + count]
            energy += squares[:, j : j + count]
        if part:
            heads = blocks[:, whole : whole + count, :part]
            total += self._turn[whole] * (
                projected[:, whole : whole + count, 16:24]
                - 1j * projected[:, whole : whole + count, 24:32]
            )
            energy += np.einsum("cbn,cbn->cb", heads, heads)
        power = (total.real**2 + total.imag**2) * (2.0 / self.frame**2)
        return power.transpose(1, 0, 2), energy.T

    def _classify(self, power: np.ndarray, energy: np.ndarray) -> np.ndarray:
        """Key code per frame and channel, 0 where no key, from each frame's tone powers
        ``(frames, channels, 8)`` and sum of squares ``(frames, channels)``."""
        mean_square = energy / self.frame
        rows, columns = power[..., :4], power[..., 4:]
        row = rows.argmax(axis=-1)
        column = columns.argmax(axis=-1)
        row_power = np.take_along_axis(rows, row[..., np.newaxis], -1)[..., 0]
        column_power = np.take_along_axis(columns, column[..., np.newaxis], -1)[..., 0]
        row_rival = np.sort(rows, axis=-1)[..., -2]
        column_rival = np.sort(columns, axis=-1)[..., -2]
        with np.errstate(divide="ignore", invalid="ignore"):
            twist = column_power / row_power
            ok = (
                (row_power >= self.min_tone_power)
                & (column_power >= self.min_tone_power)
                & (row_power >= self.min_peak_ratio * row_rival)
                & (column_power >= self.min_peak_ratio * column_rival)
                & (twist >= self.twist[0])
                & (twist <= self.twist[1])
                & (row_power + column_power >= self.min_tone_fraction * mean_square)
            )
        return np.where(ok, _KEY_CODES[row * 4 + column], 0)

    def _finish(self) -> tuple[DtmfTones, ...]:
        assert self._channels is not None
        keys: list[list[str]] = [[] for _ in range(self._channels)]
        intervals: list[list[np.ndarray]] = [[empty_intervals()] for _ in range(self._channels)]
        for start, parts in self._segments:  # a few per chunk of a recording
            codes = np.concatenate([np.zeros((0, self._channels), np.int32), *parts])
            for c in range(self._channels):
                found = self._tones(codes[:, c])
                keys[c].append(found.keys)
                intervals[c].append(found.intervals + start)
        return tuple(
            DtmfTones("".join(k), np.concatenate(iv)) for k, iv in zip(keys, intervals, strict=True)
        )

    def _tones(self, codes: np.ndarray) -> DtmfTones:
        change = np.flatnonzero(np.diff(codes, prepend=0, append=0))
        starts, stops = change[:-1], change[1:]
        values = codes[starts]
        keep = values != 0
        starts, stops, values = starts[keep], stops[keep], values[keep]
        found_keys: list[str] = []
        found: list[np.ndarray] = []
        for code in np.unique(values):  # at most 16 distinct keys
            mine = values == code
            runs = np.stack(
                [starts[mine] * self.hop, (stops[mine] - 1) * self.hop + self.frame], axis=1
            ).astype(np.int64)
            runs = drop_short(close_gaps(runs, self.max_dropout + 1), self.min_tone)
            found.append(runs)
            found_keys.extend(chr(code) * len(runs))
        if not found:
            return DtmfTones("", empty_intervals())
        intervals = np.concatenate(found)
        order = np.argsort(intervals[:, 0], kind="stable")
        return DtmfTones("".join(np.array(found_keys)[order]), intervals[order])


def detect_dtmf(
    x: npt.ArrayLike,
    sample_rate: int,
    options: DtmfOptions | None = None,
    *,
    boundaries: npt.ArrayLike = (),
    **settings: float,
) -> tuple[DtmfTones, ...]:
    """Find DTMF keys in each channel.

    Parameters
    ----------
    x
        ``(frames, channels)`` or ``(frames,)`` samples (int16, int32 or float).
    sample_rate
        Samples per second (8 kHz and up).
    options
        How keys are found (:class:`DtmfOptions`); the defaults if None.
    boundaries
        Ascending sample positions where the audio is not continuous (pauses, gaps between
        chunks, chunk joins): no key is made of samples from both sides (see the module notes).
        Default: none.
    **settings
        Single options by name (``min_tone_s=0.04``), overriding ``options``.

    Returns
    -------
    tuple[DtmfTones, ...]
        One per channel.
    """
    detector = DtmfDetector(sample_rate, options, **settings)
    for i, segment in enumerate(split_at(as_frames(x), boundaries)):
        if i:
            detector.cut()
        detector.update(segment)
    return detector.result()
