"""Loudness by ITU-R BS.1770-4 and loudness range by EBU Tech 3342.

Each channel is measured as a mono programme (a call's participants are separate people, not the
left and right of one mix); :attr:`Loudness.programme_lufs` sums the channels with weight 1, as
BS.1770 does for a stereo pair. Surround weights are never applied.

The signal is K-weighted, squared, and summed over 100 ms steps; everything else is computed from
the step sums, which is why momentary and short-term series cost nothing extra::

    steps          |s0|s1|s2|s3|s4|s5| ...            100 ms each
    gating block   [s0 s1 s2 s3)                      400 ms, every 100 ms
                      [s1 s2 s3 s4)
    short-term     [s0 ...................... s29)    3 s, every 100 ms
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ..timebase import to_samples
from ._blocks import (
    Accumulator,
    SampleRate,
    Scratch,
    as_frames,
    full_scale,
    sample_rate_checked,
)
from .iir import SosFilter

__all__ = ["Loudness", "LoudnessMeter", "k_weighting_sos", "loudness"]

_OFFSET_DB = -0.691
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
RANGE_RELATIVE_GATE_LU = -20.0
_STEP_S = 0.1
_BLOCK_STEPS = 4
_SHORT_TERM_STEPS = 30

# The analog prototype of the K-weighting filter: a high shelf and a high-pass, with the centre
# frequencies, gains and Q values that reproduce the 48 kHz coefficients published in BS.1770-4
# to within their printed precision when transformed bilinearly with frequency pre-warping.
_SHELF_F0_HZ = 1681.974450955533
_SHELF_GAIN_DB = 3.999843853973347
_SHELF_Q = 0.7071752369554196
_SHELF_BAND_EXPONENT = 0.4996667741545416
_HIGHPASS_F0_HZ = 38.13547087602444
_HIGHPASS_Q = 0.5003270373238773


@lru_cache(maxsize=16)
def _k_weighting(sample_rate: SampleRate) -> np.ndarray:
    if sample_rate <= 2 * _SHELF_F0_HZ:
        raise UsageError(
            f"sample_rate {sample_rate} Hz is too low for K-weighting; expected at least 4 kHz"
        )
    k = math.tan(math.pi * _SHELF_F0_HZ / sample_rate)
    vh = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    vb = vh**_SHELF_BAND_EXPONENT
    a0 = 1.0 + k / _SHELF_Q + k * k
    shelf = [
        (vh + vb * k / _SHELF_Q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / _SHELF_Q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / _SHELF_Q + k * k) / a0,
    ]
    k = math.tan(math.pi * _HIGHPASS_F0_HZ / sample_rate)
    a0 = 1.0 + k / _HIGHPASS_Q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / _HIGHPASS_Q + k * k) / a0]
    sos = np.array([shelf, highpass])
    sos.setflags(write=False)
    return sos


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """The K-weighting filter for ``sample_rate`` as second-order sections.

    Returns
    -------
    numpy.ndarray
        ``(2, 6)`` float64 ``[b0, b1, b2, a0, a1, a2]`` rows (shelf, then high-pass) for
        ``scipy.signal.sosfilt``. At 48 kHz these are the coefficients printed in BS.1770-4.
    """
    sos: np.ndarray = _k_weighting(sample_rate_checked(sample_rate)).copy()
    return sos


def _sum_of_squares(rows: np.ndarray) -> np.ndarray:
    """``(rows * rows).sum(axis=-1)`` in float64, as one BLAS dot product per row: on 100 ms
    steps two to three times faster than ``einsum``, which accumulates in float32 as well."""
    dots = np.matmul(rows[..., np.newaxis, :], rows[..., :, np.newaxis])[..., 0, 0]
    total: np.ndarray = dots.astype(np.float64)
    return total


def _power_to_lufs(power: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        lufs: np.ndarray = _OFFSET_DB + 10.0 * np.log10(power)
    return lufs


def _window_power(step_power: np.ndarray, steps: int) -> np.ndarray:
    """Mean power of every window of ``steps`` consecutive steps, one window per step."""
    if len(step_power) < steps:
        return np.zeros((0, *step_power.shape[1:]))
    count = len(step_power) - steps + 1
    # ``steps`` shifted whole-array additions: a strided mean over a window view reduces 30-value
    # windows one at a time, 14 times slower on an hour's short-term series.
    total = step_power[:count].copy()
    for shift in range(1, steps):  # at most 30 shifts
        total += step_power[shift : shift + count]
    mean: np.ndarray = total / steps
    return mean


def _gated_integrated(block_power: np.ndarray) -> np.ndarray:
    """BS.1770-4 integrated loudness of each column of 400 ms block powers."""
    lufs = _power_to_lufs(block_power)
    above_absolute = lufs > ABSOLUTE_GATE_LUFS
    count = above_absolute.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = (
            _power_to_lufs(np.where(above_absolute, block_power, 0.0).sum(axis=0) / count)
            + RELATIVE_GATE_LU
        )
        gated = above_absolute & (lufs > relative)
        mean = np.where(gated, block_power, 0.0).sum(axis=0) / gated.sum(axis=0)
    return np.where(gated.any(axis=0), _power_to_lufs(mean), -np.inf)


def _loudness_range(short_term_power: np.ndarray) -> np.ndarray:
    """EBU Tech 3342 loudness range of each column of 3 s short-term powers (LU)."""
    columns = short_term_power.shape[1] if short_term_power.ndim == 2 else 0
    out = np.zeros(columns)
    lufs = _power_to_lufs(short_term_power)
    for c in range(columns):  # a handful of columns, once per result
        values = lufs[:, c]
        power = short_term_power[:, c]
        kept = values > ABSOLUTE_GATE_LUFS
        if not kept.any():
            continue
        gate = float(_power_to_lufs(power[kept].mean())) + RANGE_RELATIVE_GATE_LU
        final = values[kept & (values > gate)]
        if len(final):
            low, high = np.percentile(final, [10.0, 95.0])
            out[c] = high - low
    return out


@dataclass(frozen=True)
class Loudness:
    """Loudness of each channel and of all channels together.

    Attributes
    ----------
    sample_rate
        Samples per second of the measured signal.
    step_frames
        Samples per 100 ms step.
    step_power
        ``(steps, channels)`` float64 mean square of the K-weighted signal over each complete
        100 ms step; the basis of every other figure.
    integrated_lufs
        ``(channels,)`` BS.1770-4 gated loudness of each channel as a mono programme; ``-inf``
        when no 400 ms block passes the gates (silence, or less than 400 ms of audio).
    range_lu
        ``(channels,)`` EBU Tech 3342 loudness range; 0 when fewer than two short-term values
        pass its gates.
    programme_lufs, programme_range_lu
        The same two figures for the sum of all channels (weight 1 each).
    """

    sample_rate: int
    step_frames: int
    step_power: np.ndarray = field(repr=False)
    integrated_lufs: np.ndarray
    range_lu: np.ndarray
    programme_lufs: float
    programme_range_lu: float

    def momentary_lufs(self) -> np.ndarray:
        """``(n, channels)`` momentary loudness (400 ms windows), one value every 100 ms.

        Value ``i`` covers steps ``i .. i+3``, so it ends at ``(i + 4) * step_frames``.
        """
        return _power_to_lufs(_window_power(self.step_power, _BLOCK_STEPS))

    def short_term_lufs(self) -> np.ndarray:
        """``(n, channels)`` short-term loudness (3 s windows), one value every 100 ms.

        Value ``i`` covers steps ``i .. i+29``, so it ends at ``(i + 30) * step_frames``.
        """
        return _power_to_lufs(_window_power(self.step_power, _SHORT_TERM_STEPS))


class LoudnessMeter(Accumulator[Loudness]):
    """Streaming :func:`loudness`: K-weighting with carried filter state, then 100 ms step sums."""

    def __init__(self, sample_rate: int) -> None:
        super().__init__()
        rate = sample_rate_checked(sample_rate)
        self.sample_rate = int(rate)
        # float32 throughout: int16 input is exact in it, the filter stays within 1e-6 of the
        # output's scale, and the 100 ms step powers within 1e-5 dB of float64.
        self._filter = SosFilter(_k_weighting(rate), dtype=np.float32)
        self._scratch = Scratch()
        self.step = to_samples(_STEP_S, rate)
        self._steps: list[np.ndarray] = []

    def _start(self, channels: int, dtype: np.dtype) -> None:
        self._state = self._filter.zero_state(channels)
        self._partial = np.zeros(channels)
        self._partial_frames = 0
        self._power_scale = 1.0 / (full_scale(dtype) ** 2 * self.step)

    def _consume(self, block: np.ndarray) -> None:
        # Filtered in the input's own units; the squares are scaled once per step instead.
        out = self._scratch.get("weighted", block.shape[::-1], np.float32)
        # Channel-major rows: the filter converts contiguous rows fastest.
        weighted, self._state = self._filter.apply(self._rows(block), self._state, out=out)
        first = min(self.step - self._partial_frames, weighted.shape[1])
        self._partial += _sum_of_squares(weighted[:, :first])
        self._partial_frames += first
        if self._partial_frames < self.step:
            return
        self._steps.append(self._partial[np.newaxis] * self._power_scale)
        whole = (weighted.shape[1] - first) // self.step
        body = weighted[:, first : first + whole * self.step].reshape(
            len(weighted), whole, self.step
        )
        steps = _sum_of_squares(body).T
        self._steps.append(steps * self._power_scale)
        rest = weighted[:, first + whole * self.step :]
        self._partial = _sum_of_squares(rest)
        self._partial_frames = rest.shape[1]

    def _finish(self) -> Loudness:
        assert self._channels is not None
        step_power = np.concatenate([np.zeros((0, self._channels)), *self._steps])
        block = _window_power(step_power, _BLOCK_STEPS)
        short = _window_power(step_power, _SHORT_TERM_STEPS)
        programme_steps = step_power.sum(axis=1, keepdims=True)
        return Loudness(
            sample_rate=self.sample_rate,
            step_frames=self.step,
            step_power=step_power,
            integrated_lufs=_gated_integrated(block),
            range_lu=_loudness_range(short),
            programme_lufs=float(
                _gated_integrated(_window_power(programme_steps, _BLOCK_STEPS))[0]
            ),
            programme_range_lu=float(
                _loudness_range(_window_power(programme_steps, _SHORT_TERM_STEPS))[0]
            ),
        )


def loudness(x: npt.ArrayLike, sample_rate: int) -> Loudness:
    """BS.1770-4 integrated loudness and EBU Tech 3342 loudness range of each channel.

    Parameters
    ----------
    x
        ``(frames, channels)`` or ``(frames,)`` samples (int16, int32 or float; full scale 1.0).
    sample_rate
        Samples per second; the K-weighting filter is designed for it.

    Returns
    -------
    Loudness
        Per-channel and programme figures, and the 100 ms step powers from which momentary and
        short-term series are derived on request.
    """
    meter = LoudnessMeter(sample_rate)
    meter.update(as_frames(x))
    return meter.result()
