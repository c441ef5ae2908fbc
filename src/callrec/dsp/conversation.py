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
from .intervals import as_intervals, coverage, intersect, total_length, union

__all__ = ["ConversationStats", "conversation_stats"]


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
    parts = [as_intervals(s) for s in speech]
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
        talk=total_length(anyone),
        non_talk=max(0, total_length(union([recorded])) - total_length(talk_recorded)),
        overlap=total_length(coverage(parts, 2)),
        turns=turns,
        interruptions=interruptions,
    )
