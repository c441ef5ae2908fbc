"""Half-open sample intervals in ``(n, 2)`` int64 arrays: building, merging, padding.

::

    mask      . . # # # . . . # # . # # # # . .
    runs          [     )       [  ) [       )
    close gaps < 2:             [            )
"""

from __future__ import annotations

import numpy as np

__all__ = ["close_gaps", "drop_short", "empty_intervals", "mask_runs", "pad"]


def empty_intervals() -> np.ndarray:
    """A fresh ``(0, 2)`` int64 array: "nothing found"."""
    return np.empty((0, 2), np.int64)


def mask_runs(mask: np.ndarray) -> list[np.ndarray]:
    """Runs of ``True`` in each column of a ``(n, channels)`` mask, as index intervals."""
    n, channels = mask.shape
    edged = np.zeros((n + 2, channels), np.int8)
    edged[1:-1] = mask
    rows, cols = np.nonzero(np.diff(edged, axis=0))
    order = np.lexsort((rows, cols))
    rows, cols = rows[order], cols[order]
    bounds = np.searchsorted(cols, np.arange(channels + 1))
    return [
        rows[bounds[c] : bounds[c + 1]].reshape(-1, 2).astype(np.int64) for c in range(channels)
    ]


def close_gaps(intervals: np.ndarray, min_gap: int) -> np.ndarray:
    """Merge neighbours separated by fewer than ``min_gap`` samples (touching ones always)."""
    if len(intervals) < 2:
        return intervals
    keep_gap = intervals[1:, 0] - intervals[:-1, 1] >= max(min_gap, 1)
    starts = intervals[np.concatenate([[True], keep_gap]), 0]
    stops = intervals[np.concatenate([keep_gap, [True]]), 1]
    return np.stack([starts, stops], axis=1)


def drop_short(intervals: np.ndarray, min_length: int) -> np.ndarray:
    """Intervals at least ``min_length`` samples long."""
    kept: np.ndarray = intervals[intervals[:, 1] - intervals[:, 0] >= min_length]
    return kept


def pad(intervals: np.ndarray, amount: int, length: int) -> np.ndarray:
    """Widen each interval by ``amount`` on both sides within ``[0, length)``, merging overlaps."""
    if amount <= 0 or not len(intervals):
        return intervals
    widened = np.stack(
        [np.maximum(intervals[:, 0] - amount, 0), np.minimum(intervals[:, 1] + amount, length)],
        axis=1,
    )
    return close_gaps(widened, 1)
