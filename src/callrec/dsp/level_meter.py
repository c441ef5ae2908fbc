"""Sample levels per channel: peak, RMS (two conventions), crest factor, DC, clipping, noise floor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ._blocks import Accumulator, as_frames, full_scale, sample_rate_checked
from .frames import FrameLevels, frame_sizes

if TYPE_CHECKING:
    from .activity import SpeechDetector

__all__ = ["AES17_OFFSET_DB", "LevelMeter", "Levels", "levels"]

AES17_OFFSET_DB = 10.0 * np.log10(2.0)
"""AES17 reads RMS 3.01 dB higher, so that a full-scale sine is 0 dBFS RMS."""


@dataclass(frozen=True)
class Levels:
    """Levels of each channel; every field is a ``(channels,)`` array.

    Attributes
    ----------
    frames
        Samples per channel measured.
    peak_dbfs
        Largest absolute sample, dBFS (int16 -32768 reads 0.0).
    rms_dbfs
        RMS over all samples in dBFS, where a full-scale sine reads -3.01 dB (the plain ratio to
        full scale, as most audio software reports it).
    rms_aes17_dbfs
        The same RMS by AES17, where a full-scale sine reads 0 dB: ``rms_dbfs + 3.01``.
    crest_db
        ``peak_dbfs - rms_dbfs``: 3.01 dB for a sine, more for speech.
    dc_offset
        Mean sample value as a fraction of full scale.
    clipped
        Samples at full scale (int types: the type's minimum or maximum; floats: ``|x| >= 1``).
    noise_floor_dbfs
        A low percentile (10th by default) of the RMS levels of short frames that are not digital
        silence; NaN when the channel is all digital silence.

    Levels of an all-zero channel are ``-inf`` dB; its crest factor is NaN.
    """

    frames: np.ndarray
    peak_dbfs: np.ndarray
    rms_dbfs: np.ndarray
    rms_aes17_dbfs: np.ndarray
    crest_db: np.ndarray
    dc_offset: np.ndarray
    clipped: np.ndarray
    noise_floor_dbfs: np.ndarray

    def per_channel(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per channel (non-finite values become ``None``)."""
        names = [f for f in self.__dataclass_fields__]
        table = [getattr(self, f) for f in names]
        return [
            {name: _plain(column[c]) for name, column in zip(names, table, strict=True)}
            for c in range(len(self.frames))
        ]


def _plain(value: Any) -> Any:
    item = value.item()
    if isinstance(item, float) and not np.isfinite(item):
        return None
    return item


class LevelMeter(Accumulator[Levels]):
    """Streaming :func:`levels`. int16 input is summed in int64, so its result is exact."""

    def __init__(
        self,
        sample_rate: int,
        *,
        noise_frame_s: float = 0.010,
        noise_percentile: float = 10.0,
    ) -> None:
        super().__init__()
        rate = sample_rate_checked(sample_rate)
        self.frame, self.hop = frame_sizes(rate, noise_frame_s, noise_frame_s)
        self.noise_percentile = noise_percentile
        self._frame_levels = FrameLevels(frame=self.frame, hop=self.hop)

    def _start(self, channels: int, dtype: np.dtype) -> None:
        self._exact = dtype == np.dtype(np.int16)
        acc = np.int64 if self._exact else np.float64
        self._sum = np.zeros(channels, acc)
        self._squares = np.zeros(channels, acc)
        self._peak = np.zeros(channels, np.float64)
        self._clipped = np.zeros(channels, np.int64)
        if dtype.kind == "i":
            info = np.iinfo(dtype)
            self._clip_low, self._clip_high = float(info.min), float(info.max)
        else:
            self._clip_low, self._clip_high = -1.0, 1.0

    def share_frame_levels(self, other: SpeechDetector) -> None:
        """Compute frame levels once for this meter and ``other`` (both fed the same blocks).

        Only when both use the same frames and noise percentile; otherwise nothing changes.
        """
        mine, theirs = self._frame_levels, other._frame_levels
        same = (mine.frame, mine.hop, self.noise_percentile) == (
            theirs.frame,
            theirs.hop,
            other.noise_percentile,
        )
        if same and self._channels is None and other.channels is None:
            self._frame_levels = theirs

    def cut(self) -> None:
        """The audio is not continuous here: the noise floor's frames restart after the samples
        fed so far, so none mixes both sides (the other figures are sums over all samples).

        With :class:`~callrec.dsp.Analyzer`, this keeps the floor the same whether or not the
        meter shares its frames with a :class:`~callrec.dsp.SpeechDetector` that is cut.
        """
        if self._result is not None:
            raise UsageError("LevelMeter.cut() called after result()")
        self._frame_levels.cut(self._frames)

    def _consume(self, block: np.ndarray) -> None:
        # Channel-major rows in the input's own type: min, max and sums along contiguous rows
        # are many times faster than along axis 0, and int16 is a quarter of int64's bytes.
        rows = self._rows(block)
        low = rows.min(axis=1, initial=0).astype(np.float64)
        high = rows.max(axis=1, initial=0).astype(np.float64)
        self._peak = np.maximum(self._peak, np.maximum(-low, high))
        clipping = (low <= self._clip_low) | (high >= self._clip_high)
        if clipping.any():  # rare: count only the channels that reach full scale
            for c in np.flatnonzero(clipping):
                row = rows[c]
                self._clipped[c] += np.count_nonzero(
                    (row <= self._clip_low) | (row >= self._clip_high)
                )
        self._sum += _row_sums(rows) if self._exact else rows.sum(axis=1, dtype=np.float64)
        energy, _ = self._frame_levels.push(self._consumed, rows)
        self._squares += energy.sum(axis=1)

    def _finish(self) -> Levels:
        assert self._dtype is not None
        energy, hist = self._frame_levels.energy, self._frame_levels.hist
        assert energy is not None and hist is not None
        self._squares += energy.unframed()
        scale = full_scale(self._dtype)
        n = self._frames
        with np.errstate(divide="ignore", invalid="ignore"):
            peak = 20.0 * np.log10(self._peak / scale)
            mean_square = self._squares.astype(np.float64) / (n * scale * scale) if n else 0.0
            rms = 10.0 * np.log10(np.broadcast_to(mean_square, peak.shape)).astype(np.float64)
            crest = np.where(np.isfinite(rms), peak - rms, np.nan)
        dc = self._sum.astype(np.float64) / (n * scale) if n else np.zeros_like(peak)
        return Levels(
            frames=np.full(len(peak), n, np.int64),
            peak_dbfs=peak,
            rms_dbfs=rms,
            rms_aes17_dbfs=rms + AES17_OFFSET_DB,
            crest_db=crest,
            dc_offset=dc,
            clipped=self._clipped.copy(),
            noise_floor_dbfs=hist.percentile(self.noise_percentile),
        )


_INT32_EXACT = 1 << 16
"""int16 samples whose sum cannot overflow int32: at most 2**16 * 2**15 in magnitude."""


def _row_sums(rows: np.ndarray) -> np.ndarray:
    """Exact int64 sums of int16 rows, in int32 pieces (a sum in int64 converts every sample)."""
    total = np.zeros(len(rows), np.int64)
    for start in range(0, rows.shape[1], _INT32_EXACT):  # a grid block is at most 4 pieces
        total += rows[:, start : start + _INT32_EXACT].sum(axis=1, dtype=np.int32)
    return total


def levels(
    x: npt.ArrayLike,
    sample_rate: int,
    *,
    noise_frame_s: float = 0.010,
    noise_percentile: float = 10.0,
) -> Levels:
    """Peak, RMS, crest factor, DC offset, clipped samples and noise floor of each channel.

    Parameters
    ----------
    x
        ``(frames, channels)`` or ``(frames,)`` samples (int16, int32 or float).
    sample_rate
        Samples per second (used for the noise-floor frames).
    noise_frame_s
        Length of the frames whose RMS levels give the noise floor.
    noise_percentile
        Which percentile of those levels is the floor.
    """
    meter = LevelMeter(sample_rate, noise_frame_s=noise_frame_s, noise_percentile=noise_percentile)
    meter.update(as_frames(x))
    return meter.result()
