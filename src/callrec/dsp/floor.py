"""Who held the floor: dead air, monologues and response latencies, from speech intervals.

Every input is one ``(n, 2)`` int64 array of sorted, disjoint ``[start, stop)`` speech intervals
per participant, on one time base (track samples), and the recorded intervals (pauses and gaps
between chunks are not recorded: nothing said there counts, and nothing is measured across
them)::

    recorded  [==================================)  pause  [=====================)
    A         [====)  [=====)      [=)                      [========)
    B                        [===)      [====)                           [==)
    dead air                              [-----)  (at least the threshold; the pause is not)
    A's monologue [=============)  own breath joined, cut where B starts
    B responds after A           ^^  latency: A's end to B's start

- *dead air*: a stretch of recorded time, at least ``min_length`` long, in which nobody speaks;
  a pause or a gap between chunks ends it, and is not counted;
- a participant's *monologue*: a stretch of their speech in which nobody else speaks, their own
  pauses shorter than ``max_breath`` (recorded, and silent for everybody) counted as part of
  it; it ends where somebody else speaks, at a pause, or at a longer silence;
- a *response latency*: where a participant takes the turn (they start speaking and the
  previous speech start, by anyone, was somebody else's), the time from the end of the others'
  speech until then. A start while somebody is still speaking is an overlap, not a response,
  and a silence that runs across a pause or gap is not measured.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from .intervals import as_intervals, subtract, union

__all__ = ["dead_air", "monologues", "response_latencies"]


def _inside(spans: np.ndarray, recorded: np.ndarray) -> np.ndarray:
    """Which ``spans`` lie wholly inside one interval of ``recorded`` (sorted, disjoint)."""
    if not len(recorded):
        return np.zeros(len(spans), bool)
    row = np.searchsorted(recorded[:, 0], spans[:, 0], side="right") - 1
    holder = np.maximum(row, 0)
    inside: np.ndarray = (row >= 0) & (spans[:, 1] <= recorded[holder, 1])
    return inside


def _silent(spans: np.ndarray, anyone: np.ndarray) -> np.ndarray:
    """Which ``spans`` no interval of ``anyone`` (sorted, disjoint) overlaps."""
    if not len(anyone):
        return np.ones(len(spans), bool)
    # The first speech interval ending after a span's start must start at or after its end.
    first = np.searchsorted(anyone[:, 1], spans[:, 0], side="right")
    later = np.minimum(first, len(anyone) - 1)
    silent: np.ndarray = (first == len(anyone)) | (anyone[later, 0] >= spans[:, 1])
    return silent


def dead_air(speech: list[np.ndarray], recorded: np.ndarray, min_length: int) -> np.ndarray:
    """The dead air of a conversation (see the module notes), as sorted intervals."""
    if min_length < 1:
        raise UsageError(f"min_length must be at least one sample, got {min_length}")
    silence = subtract(union([as_intervals(recorded)]), union([as_intervals(s) for s in speech]))
    long_enough: np.ndarray = silence[silence[:, 1] - silence[:, 0] >= min_length]
    return long_enough


def monologues(
    speech: list[np.ndarray], recorded: np.ndarray, max_breath: int
) -> list[np.ndarray]:
    """Each participant's monologues (see the module notes), as sorted intervals."""
    parts = [as_intervals(s) for s in speech]
    anyone = union(parts)
    where = union([as_intervals(recorded)])
    out = []
    for i, mine in enumerate(parts):  # one pass of vector operations per participant
        others = union([p for j, p in enumerate(parts) if j != i])
        alone = subtract(mine, others)
        if len(alone) < 2:
            out.append(alone)
            continue
        gaps = np.stack([alone[:-1, 1], alone[1:, 0]], axis=1)
        joins = (
            (gaps[:, 1] - gaps[:, 0] < max_breath)
            & _silent(gaps, anyone)
            & _inside(gaps, where)
        )
        # A new monologue starts at every piece not joined to the one before it.
        starts = np.concatenate([[True], ~joins])
        first = np.flatnonzero(starts)
        last = np.concatenate([first[1:] - 1, [len(alone) - 1]])
        out.append(np.stack([alone[first, 0], alone[last, 1]], axis=1))
    return out


def response_latencies(speech: list[np.ndarray], recorded: np.ndarray) -> list[np.ndarray]:
    """Each participant's response latencies in samples (see the module notes), in time order."""
    parts = [as_intervals(s) for s in speech]
    where = union([as_intervals(recorded)])
    if not sum(len(p) for p in parts):
        return [np.zeros(0, np.int64) for _ in parts]
    who = np.concatenate([np.full(len(p), i, np.int64) for i, p in enumerate(parts)])
    table = np.concatenate(parts)
    order = np.lexsort((who, table[:, 0]))
    who, table = who[order], table[order]
    takes_turn = np.concatenate([[False], who[1:] != who[:-1]])
    out = []
    for i in range(len(parts)):  # one pass of vector operations per participant
        others = union([p for j, p in enumerate(parts) if j != i])
        starts = table[(who == i) & takes_turn, 0]
        if not len(others) or not len(starts):
            out.append(np.zeros(0, np.int64))
            continue
        # The others' speech that began before the start: the latest end among it.
        began = np.searchsorted(others[:, 0], starts, side="left")
        ended = np.where(began > 0, others[np.maximum(began - 1, 0), 1], np.iinfo(np.int64).max)
        waited = np.stack([ended, starts], axis=1)
        answered = (began > 0) & (ended <= starts)
        answered[answered] &= _inside(waited[answered], where)
        latency: np.ndarray = starts[answered] - ended[answered]
        out.append(latency)
    return out

