"""How far two correct evaluations of the same figure may differ, derived from the arithmetic.

Two evaluations of one float computation may round differently when the BLAS kernel, the CPU or
the number of channels sharing a matrix product changes (OpenBLAS picks a kernel per CPU and
treats the edge tiles of a product differently). A test that compares them needs the bound that
the arithmetic allows, not a number tuned on one machine:

- *float sums*: any order of summing ``n`` non-negative terms is within ``gamma(n) * sum`` of the
  exact sum, ``gamma(n) = n u / (1 - n u)``, ``u`` the unit roundoff (Higham, *Accuracy and
  Stability of Numerical Algorithms*, 2nd ed., eq. 4.4); two orders differ by twice that;
- *the K-weighting filter in float32*: within :data:`FILTER32_ACCURACY` of the output's scale
  (its own tests check that against the float64 recursion, per channel), so two evaluations
  differ by at most twice that in any sample.

Loudness is then followed through its steps: 100 ms step powers, 400 ms block powers, the gated
mean (integrated loudness) and percentiles of 3 s short-term loudness (loudness range).
"""

from __future__ import annotations

import numpy as np

from callrec.dsp import Loudness

U32 = 2.0**-24
"""float32 unit roundoff."""
U64 = 2.0**-53
"""float64 unit roundoff."""
FILTER32_ACCURACY = 1e-6
"""The float32 K-weighting's specified error, relative to the largest output sample of each
channel: a specification, not a derivation (the filter's rounding runs through block products,
a state recursion and a change of coordinates), held by tests/test_dsp_iir.py against the
float64 sample-by-sample recursion on every CI kernel (measured: at most 4.1e-7). Every bound
below is derived from it and from the float arithmetic."""
FILTER64_ACCURACY = 1e-9
"""The same specification for float64 filtering (measured far smaller)."""


def gamma(n: int, u: float) -> float:
    """Higham's ``gamma_n``: the relative error bound of a sum of ``n`` non-negative terms."""
    if n * u >= 1:
        raise ValueError(f"gamma({n}) is unbounded at unit roundoff {u}")
    return n * u / (1 - n * u)


def db(relative: np.ndarray | float) -> np.ndarray:
    """The decibel change (10 log10) that a relative change of power ``relative`` can cause."""
    return np.asarray(10 * np.log10(1 + np.asarray(relative, dtype=np.float64)))


def step_power_bound(result: Loudness, channel: int, peak: float) -> np.ndarray:
    """Per 100 ms step, how far another correct evaluation of its power may lie from this one.

    ``peak`` is the channel's largest K-weighted sample (full scale 1.0). ``E = 2
    FILTER32_ACCURACY peak`` bounds the difference of two evaluations of any output sample, and
    for a step of ``N`` samples and power ``p`` (Cauchy-Schwarz gives ``mean |y| <= sqrt(p)``)::

        |p1 - p2| <= E (2 sqrt(p) + E)    squares of samples that differ by at most E
                   + 2 gamma_N(u32) p      the float32 sum of the step's squares, in any order
                   + 4 u64 p               the float64 scaling
    """
    power = result.step_power[:, channel]
    e = 2 * FILTER32_ACCURACY * peak
    n = result.step_frames
    bound: np.ndarray = e * (2 * np.sqrt(power) + e) + (2 * gamma(n, U32) + 4 * U64) * power
    return bound


def _windows(values: np.ndarray, steps: int) -> np.ndarray:
    if len(values) < steps:
        return np.zeros(0)
    mean: np.ndarray = np.lib.stride_tricks.sliding_window_view(values, steps).mean(axis=1)
    return mean


def _lufs(power: np.ndarray) -> np.ndarray:
    return np.asarray(-0.691 + 10 * np.log10(np.maximum(power, 1e-300)))


def _gated(
    power: np.ndarray, bound: np.ndarray, relative_lu: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """The windows that pass the -70 LUFS and the relative gate, their bounds, and how far the
    relative gate itself may move (it is the mean of the windows above -70 LUFS)."""
    lufs = _lufs(power)
    above = lufs > -70.0
    if not above.any():
        return np.zeros(0), np.zeros(0), 0.0
    gate = float(_lufs(power[above].mean())) + relative_lu
    gate_move = float(db(bound[above].sum() / power[above].sum()))
    moves = db(bound / np.maximum(power, 1e-300))
    # Both evaluations gate the same windows only if none is within reach of a gate.
    assert (np.abs(lufs + 70.0) > moves).all(), "a window sits at the -70 LUFS gate"
    near = above & (np.abs(lufs - gate) <= moves + gate_move)
    assert not near.any(), f"a window sits at the relative gate ({gate:.3f} LUFS)"
    kept = above & (lufs > gate)
    return power[kept], bound[kept], gate_move


def loudness_bounds(result: Loudness, channel: int, peak: float) -> tuple[float, float]:
    """How far integrated loudness (LU) and loudness range (LU) of ``channel`` may move.

    It first checks that no 400 ms block or 3 s window lies within its own bound of a gate, so
    that both evaluations gate the same ones. Then

    - integrated loudness is ``10 log10`` of the mean of the gated block powers, whose relative
      error is at most ``sum(block bounds) / sum(block powers)`` over the gated blocks;
    - loudness range is the difference of two percentiles of short-term loudness; a percentile
      (linear interpolation between order statistics) moves by no more than the largest move of
      the values it is taken from, so the range moves by at most twice that.
    """
    steps = step_power_bound(result, channel, peak)
    power = result.step_power[:, channel]
    blocks, block_bounds, _ = _gated(_windows(power, 4), _windows(steps, 4), -10.0)
    integrated = float(db(block_bounds.sum() / blocks.sum())) if len(blocks) else 0.0
    short, short_bounds, _ = _gated(_windows(power, 30), _windows(steps, 30), -20.0)
    moves = db(short_bounds / short) if len(short) else np.zeros(0)
    return integrated, 2 * float(moves.max(initial=0.0))
