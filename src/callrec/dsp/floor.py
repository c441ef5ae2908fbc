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
- a *response latency*: the length of a silence of everybody that somebody else's speech ends
  and the participant's speech starts: the floor passes to them (a *gap*, in conversation
  analysis, as against a *pause* within one speaker's talk). A start while somebody is still
  speaking is an overlap, not a response, and a silence that runs across a pause or a gap
  between chunks is not measured.
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


def monologues(speech: list[np.ndarray], recorded: np.ndarray, max_breath: int) -> list[np.ndarray]:
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
            (gaps[:, 1] - gaps[:, 0] < max_breath) & _silent(gaps, anyone) & _inside(gaps, where)
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
    anyone = union(parts)
    if len(anyone) < 2:
        return [np.zeros(0, np.int64) for _ in parts]
    # The silences of everybody between two stretches of speech, within recorded time.
    gaps = np.stack([anyone[:-1, 1], anyone[1:, 0]], axis=1)
    gaps = gaps[_inside(gaps, union([as_intervals(recorded)]))]
    ended = [np.isin(gaps[:, 0], p[:, 1]) for p in parts]
    out = []
    for i, mine in enumerate(parts):  # a few vector operations per participant
        by_others = np.logical_or.reduce([e for j, e in enumerate(ended) if j != i], initial=False)
        answers = np.isin(gaps[:, 1], mine[:, 0]) & by_others & ~ended[i]
        latency: np.ndarray = gaps[answers, 1] - gaps[answers, 0]
        out.append(latency)
    return out
