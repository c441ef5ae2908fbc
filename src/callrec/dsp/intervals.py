"""Half-open sample intervals in ``(n, 2)`` int64 arrays: building, merging, padding, and their
algebra (coverage, union, intersection, subtraction). The one module for intervals.

::

    mask      . . # # # . . . # # . # # # # . .
    runs          [     )       [  ) [       )
    close gaps < 2:             [            )

    a           [==========)    [=====)
    b                [==)          [=======)
    union       [==========)    [==========)     coverage(..., 1)
    intersect        [==)          [==)          coverage(..., 2)
    subtract    [====)  [==)    [==)             a without b
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..errors import UsageError

__all__ = [
    "as_intervals",
    "close_gaps",
    "coverage",
    "drop_short",
    "empty_intervals",
    "intersect",
    "mask_runs",
    "pad",
    "shift_by_segment",
    "subtract",
    "total_length",
    "union",
]


def empty_intervals() -> np.ndarray:
    """A fresh ``(0, 2)`` int64 array: "nothing found"."""
    return np.empty((0, 2), np.int64)


def total_length(intervals: np.ndarray) -> int:
    """Samples the ``(n, 2)`` intervals cover, counted once each if they are disjoint."""
    return int((intervals[:, 1] - intervals[:, 0]).sum()) if len(intervals) else 0


def as_intervals(intervals: npt.ArrayLike) -> np.ndarray:
    """``intervals`` as an ``(n, 2)`` int64 array; :class:`UsageError` if one ends before it
    starts."""
    arr = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    if (arr[:, 1] < arr[:, 0]).any():
        raise UsageError("an interval ends before it starts")
    return arr


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


def pad(intervals: np.ndarray, amount: int, length: int, *, cuts: npt.ArrayLike = ()) -> np.ndarray:
    """Widen each of the sorted ``intervals`` by ``amount`` on both sides within
    ``[0, length)``, merging overlaps.

    ``cuts`` (ascending sample positions) are edges no interval is widened or merged across:
    the audio on the other side was not next to it (a pause, a chunk join). An interval must not
    span a cut.
    """
    if amount <= 0 or not len(intervals):
        return intervals
    edges = np.concatenate([[0], np.asarray(cuts, dtype=np.int64).reshape(-1), [length]])
    segment = np.clip(np.searchsorted(edges, intervals[:, 0], side="right") - 1, 0, len(edges) - 2)
    widened = np.stack(
        [
            np.maximum(intervals[:, 0] - amount, edges[segment]),
            np.minimum(intervals[:, 1] + amount, edges[segment + 1]),
        ],
        axis=1,
    )
    keep_gap = (widened[1:, 0] > widened[:-1, 1]) | (segment[1:] != segment[:-1])
    starts = widened[np.concatenate([[True], keep_gap]), 0]
    stops = widened[np.concatenate([keep_gap, [True]]), 1]
    return np.stack([starts, stops], axis=1)


def coverage(groups: list[np.ndarray], at_least: int = 1) -> np.ndarray:
    """Where at least ``at_least`` of the interval arrays cover a sample, as sorted, disjoint
    intervals (touching pieces are one). An array whose own intervals overlap counts twice
    there (:func:`intersect` merges each array first)."""
    arrays = [as_intervals(g) for g in groups]
    if not arrays or sum(len(a) for a in arrays) == 0:
        return empty_intervals()
    edges = np.concatenate([a.ravel() for a in arrays])
    steps = np.tile(np.array([1, -1], np.int64), len(edges) // 2)
    # At one position, ends come before starts, so touching intervals do not count as overlap.
    order = np.lexsort((steps, edges))
    edges, depth = edges[order], np.cumsum(steps[order])
    inside = depth >= at_least
    starts = edges[np.flatnonzero(inside & ~np.concatenate([[False], inside[:-1]]))]
    stops = edges[np.flatnonzero(~inside & np.concatenate([[False], inside[:-1]]))]
    out = np.stack([starts, stops], axis=1)
    return close_gaps(out[out[:, 1] > out[:, 0]], 1)  # touching pieces are one interval


def union(groups: list[np.ndarray]) -> np.ndarray:
    """Samples covered by any array, as sorted disjoint intervals."""
    return coverage(groups, 1)


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Samples covered by both ``a`` and ``b``, as sorted disjoint intervals."""
    return coverage([union([a]), union([b])], 2)


def subtract(intervals: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """The samples of ``intervals`` that no hole covers, as sorted, disjoint intervals.

    Both are ``(n, 2)`` int64 half-open intervals in any order, overlapping or not (see the module
    picture); touching pieces of the result are one interval.
    """
    have, gone = _disjoint(intervals), _disjoint(holes)
    if not len(have) or not len(gone):
        return have
    # Between two consecutive edges of either set, a sample is in or out of each set as a whole.
    points = np.unique(np.concatenate([have.ravel(), gone.ravel()]))
    lo, hi = points[:-1], points[1:]
    keep = _covered(have, lo) & ~_covered(gone, lo)
    return close_gaps(np.stack([lo[keep], hi[keep]], axis=1), 1)


def _disjoint(intervals: np.ndarray) -> np.ndarray:
    """Sorted, disjoint intervals covering what ``intervals`` covers (empty ones dropped)."""
    arr = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    arr = arr[arr[:, 1] > arr[:, 0]]
    if len(arr) < 2:
        return arr
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    # An interval may end inside, or before the end of, one that started earlier.
    reach = np.maximum.accumulate(arr[:, 1])
    new = np.concatenate([[True], arr[1:, 0] > reach[:-1]])
    ends = np.concatenate([np.flatnonzero(new)[1:] - 1, [len(arr) - 1]])
    return np.stack([arr[new, 0], reach[ends]], axis=1)


def _covered(intervals: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Whether each position lies inside one of the sorted, disjoint ``intervals``."""
    row = np.searchsorted(intervals[:, 0], positions, side="right") - 1
    inside: np.ndarray = (row >= 0) & (positions < intervals[np.maximum(row, 0), 1])
    return inside


def shift_by_segment(intervals: np.ndarray, starts: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Each interval moved by the shift of the segment its start lies in.

    Segment ``i`` runs from ``starts[i]`` (sorted) to the next start; an interval that starts
    before the first segment takes the first segment's shift. This maps intervals between two
    time bases that differ by a constant within each segment (the analysis' recorded samples
    and the wall clock, the wall clock and the compact track)::

        source   [seg 0     )[seg 1  )[seg 2      )
        target   [seg 0     )   [seg 1  )     [seg 2      )     each moved by its shift
    """
    if not len(intervals) or not len(starts):
        same: np.ndarray = intervals.copy()
        return same
    segment = np.maximum(np.searchsorted(starts, intervals[:, 0], side="right") - 1, 0)
    moved: np.ndarray = intervals + shifts[segment][:, np.newaxis]
    return moved
