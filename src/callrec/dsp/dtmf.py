"""DTMF key detection: the eight DTMF frequencies measured per frame, Goertzel style.

Each frame's power at the exact row and column frequencies is what the Goertzel recursion
computes; here it is one matrix product of the frames with cosine and sine tables, which does all
frames and channels at once. A frame holds a key when

- its strongest row and strongest column tone are each above ``min_tone_dbfs``;
- each beats the other tones of its group by ``min_peak_ratio_db`` (one clear row, one clear column);
- the column tone is within ``[-reverse_twist_db, +forward_twist_db]`` of the row tone;
- the two tones carry at least ``min_tone_fraction`` of the frame's energy (speech does not).

Runs of frames with the same key at least ``min_tone_s`` long are reported, with dropouts of up
to ``max_dropout_s`` bridged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..timebase import to_samples
from ._blocks import Accumulator, as_frames, to_float
from .frames import frame_count, frame_sizes
from .intervals import close_gaps, drop_short, empty_intervals

__all__ = ["DTMF_KEYS", "DtmfDetector", "DtmfTones", "detect_dtmf"]

ROW_HZ = (697.0, 770.0, 852.0, 941.0)
COLUMN_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")
_KEY_CODES = np.array([ord(k) for row in DTMF_KEYS for k in row], np.int32)


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
    """Streaming :func:`detect_dtmf`: one :class:`DtmfTones` per channel."""

    def __init__(
        self,
        sample_rate: int,
        *,
        frame_s: float = 0.0256,
        hop_s: float = 0.010,
        min_tone_s: float = 0.030,
        max_dropout_s: float = 0.020,
        min_tone_dbfs: float = -45.0,
        min_peak_ratio_db: float = 6.0,
        forward_twist_db: float = 4.0,
        reverse_twist_db: float = 8.0,
        min_tone_fraction: float = 0.7,
    ) -> None:
        super().__init__()
        self.frame, self.hop = frame_sizes(sample_rate, frame_s, hop_s)
        self.sample_rate = int(sample_rate)
        self.min_tone = to_samples(min_tone_s, self.sample_rate)
        self.max_dropout = to_samples(max_dropout_s, self.sample_rate)
        self.min_tone_power = 10.0 ** (min_tone_dbfs / 10.0)
        self.min_peak_ratio = 10.0 ** (min_peak_ratio_db / 10.0)
        self.twist = (10.0 ** (-reverse_twist_db / 10.0), 10.0 ** (forward_twist_db / 10.0))
        self.min_tone_fraction = min_tone_fraction
        t = np.arange(self.frame) / self.sample_rate
        phase = 2.0 * np.pi * t[:, np.newaxis] * np.array(ROW_HZ + COLUMN_HZ)
        self._basis = np.concatenate([np.cos(phase), np.sin(phase)], axis=1)  # (frame, 16)
        self._codes: list[np.ndarray] = []
        self._next_frame = 0

    def _start(self, channels: int, dtype: np.dtype) -> None:
        self._tail = np.zeros((0, channels))
        self._tail_start = 0

    def _consume(self, block: np.ndarray) -> None:
        samples = np.concatenate([self._tail, to_float(block)])
        end = self._tail_start + len(samples)
        done = frame_count(end, self.frame, self.hop)
        if done > self._next_frame:
            starts = np.arange(self._next_frame, done) * self.hop - self._tail_start
            windows = np.lib.stride_tricks.sliding_window_view(samples, self.frame, axis=0)
            self._codes.append(self._classify(windows[starts]))  # (frames, channels, frame)
            self._next_frame = done
        keep = min(self._next_frame * self.hop, end)
        self._tail = samples[keep - self._tail_start :].copy()
        self._tail_start = keep

    def _classify(self, frames: np.ndarray) -> np.ndarray:
        """Key code per frame and channel, 0 where no key."""
        projections = frames @ self._basis
        power = (projections[..., :8] ** 2 + projections[..., 8:] ** 2) * (2.0 / self.frame**2)
        mean_square = np.einsum("fcn,fcn->fc", frames, frames) / self.frame
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
        codes = np.concatenate([np.zeros((0, self._channels), np.int32), *self._codes])
        return tuple(self._tones(codes[:, c]) for c in range(self._channels))

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
    *,
    frame_s: float = 0.0256,
    hop_s: float = 0.010,
    min_tone_s: float = 0.030,
    max_dropout_s: float = 0.020,
    min_tone_dbfs: float = -45.0,
    min_peak_ratio_db: float = 6.0,
    forward_twist_db: float = 4.0,
    reverse_twist_db: float = 8.0,
    min_tone_fraction: float = 0.7,
) -> tuple[DtmfTones, ...]:
    """Find DTMF keys in each channel.

    Parameters
    ----------
    x
        ``(frames, channels)`` or ``(frames,)`` samples (int16, int32 or float).
    sample_rate
        Samples per second (8 kHz and up).
    frame_s, hop_s
        Analysis frame and step; 25.6 ms frames separate neighbouring DTMF tones.
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
        Share of the frame's energy the two tones must carry.

    Returns
    -------
    tuple[DtmfTones, ...]
        One per channel.
    """
    detector = DtmfDetector(
        sample_rate,
        frame_s=frame_s,
        hop_s=hop_s,
        min_tone_s=min_tone_s,
        max_dropout_s=max_dropout_s,
        min_tone_dbfs=min_tone_dbfs,
        min_peak_ratio_db=min_peak_ratio_db,
        forward_twist_db=forward_twist_db,
        reverse_twist_db=reverse_twist_db,
        min_tone_fraction=min_tone_fraction,
    )
    detector.update(as_frames(x))
    return detector.result()
