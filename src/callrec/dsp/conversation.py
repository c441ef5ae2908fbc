"""Who spoke when, taken together: talk time, silence, overlap, turns and interruptions.

Every input is one ``(n, 2)`` int64 array of sorted, disjoint ``[start, stop)`` speech intervals per
participant, on one time base (track samples). ::

    A   [=========)           [=====)
    B         [=====)   [==)     [======)
    any [===============)   [==)  [========)
    2+        [===)               [==)          overlap
    B interrupts A at the first [ of B: A was mid-turn and they overlap long enough

Definitions (the report documents them too):

- a participant *takes a turn* when they start speaking and the previous speech start, by anyone,
  was someone else's; their first speech start is a turn as well;
- a participant *interrupts* when they start a speech interval while another participant's
  interval is under way (started earlier, not yet ended) and the two overlap by at least
  ``min_overlap`` samples. Short backchannels ("mm-hm") overlap less and do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from .intervals import close_gaps, empty_intervals

__all__ = ["ConversationStats", "conversation_stats", "coverage", "intersect", "union"]


def _checked(intervals: np.ndarray) -> np.ndarray:
    arr = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    if (arr[:, 1] < arr[:, 0]).any():
        raise UsageError("an interval ends before it starts")
    return arr


def coverage(groups: list[np.ndarray], at_least: int = 1) -> np.ndarray:
    """Where at least ``at_least`` of the interval arrays cover a sample, as intervals."""
    arrays = [_checked(g) for g in groups]
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
    """Samples covered by both ``a`` and ``b`` (each disjoint), as intervals."""
    return coverage([union([a]), union([b])], 2)


def _length(intervals: np.ndarray) -> int:
    return int((intervals[:, 1] - intervals[:, 0]).sum()) if len(intervals) else 0


@dataclass(frozen=True)
class ConversationStats:
    """Conversation figures in samples; per-participant arrays follow the input order.

    Attributes
    ----------
    talk
        Samples during which anyone speaks.
    non_talk
        Recorded samples during which nobody speaks.
    overlap
        Samples during which two or more speak.
    turns, interruptions
        ``(participants,)`` int64 counts (see the module notes).
    """

    talk: int
    non_talk: int
    overlap: int
    turns: np.ndarray
    interruptions: np.ndarray


def _interrupting(
    parts: list[np.ndarray], table: np.ndarray, who: np.ndarray, min_overlap: int
) -> np.ndarray:
    """Which intervals of ``table`` (sorted by start; ``who`` says whose) are interruptions.

    Interval ``[a, b)`` interrupts when another participant's interval that started before
    ``a`` overlaps it by ``min_overlap``: ``min(b, end) - a >= min_overlap`` with ``end > a``.
    That is ``b - a >= min_overlap`` and, among the others' intervals started before ``a``, a
    latest end of at least ``a + max(min_overlap, 1)``.
    """
    starts = table[:, 0]
    latest = np.full((len(parts), len(table)), np.iinfo(np.int64).min, np.int64)
    for p, mine in enumerate(parts):  # one row per participant, each a few vector operations
        if len(mine):
            before = np.searchsorted(mine[:, 0], starts, side="left")
            running = np.maximum.accumulate(mine[:, 1])
            latest[p] = np.where(before > 0, running[np.maximum(before - 1, 0)], latest[p])
    latest[who, np.arange(len(table))] = np.iinfo(np.int64).min  # not one's own intervals
    others_end = latest.max(axis=0)
    long_enough = table[:, 1] - starts >= min_overlap
    found: np.ndarray = long_enough & (others_end >= starts + max(min_overlap, 1))
    return found


def conversation_stats(
    speech: list[np.ndarray], recorded: np.ndarray, *, min_overlap: int
) -> ConversationStats:
    """Talk, silence, overlap, turns and interruptions of several participants.

    Parameters
    ----------
    speech
        Per participant, ``(n, 2)`` int64 sorted disjoint speech intervals.
    recorded
        ``(m, 2)`` intervals where anything was recorded (pauses and gaps are not silence).
    min_overlap
        Samples two intervals must overlap for a start to count as an interruption.
    """
    if min_overlap < 0:
        raise UsageError(f"min_overlap must be zero or more, got {min_overlap}")
    parts = [_checked(s) for s in speech]
    anyone = union(parts)
    talk_recorded = intersect(anyone, union([recorded]))
    turns = np.zeros(len(parts), np.int64)
    interruptions = np.zeros(len(parts), np.int64)
    if parts and sum(len(p) for p in parts):
        who = np.concatenate([np.full(len(p), i, np.int64) for i, p in enumerate(parts)])
        table = np.concatenate(parts)
        order = np.lexsort((who, table[:, 0]))
        who, table = who[order], table[order]
        changed = np.concatenate([[True], who[1:] != who[:-1]])
        np.add.at(turns, who[changed], 1)
        interrupting = _interrupting(parts, table, who, min_overlap)
        np.add.at(interruptions, who[interrupting], 1)
    return ConversationStats(
        talk=_length(anyone),
        non_talk=max(0, _length(union([recorded])) - _length(talk_recorded)),
        overlap=_length(coverage(parts, 2)),
        turns=turns,
        interruptions=interruptions,
    )
