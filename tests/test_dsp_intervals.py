"""Interval algebra against sample masks: what each sample is, known without the code under test."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from callrec.dsp.intervals import pad, subtract

N = 40
spans = st.lists(st.tuples(st.integers(0, N), st.integers(0, N)), max_size=8)


def mask_of(pairs: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(N, bool)
    for a, b in pairs:
        mask[a:b] = True
    return mask


def runs_of(mask: np.ndarray) -> list[list[int]]:
    """Maximal runs of True, in order: one per interval of a sorted, disjoint, merged result."""
    out: list[list[int]] = []
    for i in np.flatnonzero(mask).tolist():  # a 40-sample mask
        if out and out[-1][1] == i:
            out[-1][1] = i + 1
        else:
            out.append([i, i + 1])
    return out


@given(spans, spans)
def test_subtract_is_the_difference_of_the_masks(
    have: list[tuple[int, int]], holes: list[tuple[int, int]]
) -> None:
    # In any order, overlapping, touching or empty (a > b is empty too): the sets they cover.
    got = subtract(
        np.array(have, np.int64).reshape(-1, 2), np.array(holes, np.int64).reshape(-1, 2)
    )
    assert got.dtype == np.int64 and got.shape[1] == 2
    assert got.tolist() == runs_of(mask_of(have) & ~mask_of(holes))


def test_subtract_of_nothing_is_a_typed_empty() -> None:
    empty = np.empty((0, 2), np.int64)
    assert subtract(empty, np.array([[0, 5]])).shape == (0, 2)
    assert subtract(np.array([[3, 9], [0, 4]]), empty).tolist() == [[0, 9]]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 400), min_size=2, max_size=12, unique=True),
    st.lists(st.integers(1, 399), max_size=3, unique=True),
    st.integers(1, 40),
)
def test_pad_never_widens_or_merges_across_a_cut(
    points: list[int], cuts: list[int], amount: int
) -> None:
    """Against a sample mask built one segment (between cuts) at a time."""
    length = 400
    cuts = sorted(cuts)
    edges = [0, *cuts, length]
    pairs = np.array(sorted(points)[: len(points) // 2 * 2], np.int64).reshape(-1, 2)
    # An interval may not span a cut: cut those that do at their first cut.
    spans = []
    for a, b in pairs.tolist():
        inner = [c for c in cuts if a < c < b]
        spans.append((a, inner[0] if inner else b))
    intervals = np.array(spans, np.int64).reshape(-1, 2)
    got = pad(intervals, amount, length, cuts=cuts)
    for a, b in got.tolist():  # no result crosses a cut
        assert not any(a < c < b for c in cuts), (a, b, cuts)
    for lo, hi in itertools.pairwise(edges):
        want = np.zeros(length, bool)
        for a, b in spans:
            if lo <= a < hi:
                want[max(a - amount, lo) : min(b + amount, hi)] = True
        have = np.zeros(length, bool)
        for a, b in got.tolist():
            if lo <= a < hi:
                have[a:b] = True
        assert np.array_equal(have[lo:hi], want[lo:hi])


def test_shift_by_segment_moves_each_interval_with_the_segment_it_starts_in() -> None:
    from callrec.dsp.intervals import shift_by_segment

    starts = np.array([0, 100, 250], np.int64)
    shifts = np.array([10, -50, 1000], np.int64)
    intervals = np.array([[5, 20], [100, 150], [249, 250], [250, 400], [900, 901]], np.int64)
    moved = shift_by_segment(intervals, starts, shifts)
    assert moved.tolist() == [[15, 30], [50, 100], [199, 200], [1250, 1400], [1900, 1901]]
    before_the_first = shift_by_segment(np.array([[-5, -1]], np.int64), starts + 3, shifts)
    assert before_the_first.tolist() == [[5, 9]]
    empty = np.empty((0, 2), np.int64)
    assert shift_by_segment(empty, starts, shifts).shape == (0, 2)
    assert shift_by_segment(intervals, starts[:0], shifts[:0]).tolist() == intervals.tolist()
