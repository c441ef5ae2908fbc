"""Talk time, overlap, turns and interruptions from speech intervals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from callrec.dsp.conversation import conversation_stats
from callrec.dsp.intervals import close_gaps, coverage, intersect, union
from callrec.errors import UsageError


def iv(*pairs: tuple[int, int]) -> np.ndarray:
    return np.array(pairs, np.int64).reshape(-1, 2)


def test_known_answer() -> None:
    # A: [0, 100) [200, 260);  B: [80, 150) starts inside A with 20 of overlap;
    # C: [210, 300) starts inside A's second utterance, overlapping it by 50.
    a, b, c = iv((0, 100), (200, 260)), iv((80, 150)), iv((210, 300))
    stats = conversation_stats([a, b, c], iv((0, 400)), min_overlap=30)
    assert stats.talk == 150 + 100
    assert stats.non_talk == 400 - 250
    assert stats.overlap == 20 + 50
    assert stats.turns.tolist() == [2, 1, 1]
    assert stats.interruptions.tolist() == [0, 0, 1]  # B's 20 is under the 30 minimum


def test_pauses_are_not_silence() -> None:
    stats = conversation_stats([iv((0, 10))], iv((0, 50), (80, 100)), min_overlap=0)
    assert stats.non_talk == 60  # 70 recorded, 10 of them speech; 50..80 was not recorded


def test_touching_intervals_do_not_overlap() -> None:
    assert coverage([iv((0, 10)), iv((10, 20))], 2).shape == (0, 2)
    assert union([iv((0, 10)), iv((10, 20))]).tolist() == [[0, 20]]


def test_bad_input() -> None:
    with pytest.raises(UsageError):
        conversation_stats([iv((5, 1))], iv((0, 10)), min_overlap=0)
    with pytest.raises(UsageError):
        conversation_stats([iv((0, 1))], iv((0, 10)), min_overlap=-1)


@st.composite
def speech(draw: st.DrawFn, top: int = 500) -> np.ndarray:
    edges = sorted(draw(st.lists(st.integers(0, top), max_size=12, unique=True)))
    pairs = np.array(edges[: len(edges) // 2 * 2], np.int64).reshape(-1, 2)
    return close_gaps(pairs, 1)


@given(st.lists(speech(), min_size=1, max_size=4))
def test_invariants_against_a_sample_count(parts: list[np.ndarray]) -> None:
    depth = np.zeros(600, np.int64)
    for p in parts:
        for a, b in p:
            depth[a:b] += 1
    stats = conversation_stats(parts, iv((0, 600)), min_overlap=0)
    assert stats.talk == int((depth >= 1).sum())
    assert stats.overlap == int((depth >= 2).sum())
    assert stats.non_talk == 600 - stats.talk
    assert stats.interruptions.sum() <= stats.turns.sum() + sum(len(p) for p in parts)
    assert stats.turns.sum() <= sum(len(p) for p in parts)
    both = intersect(parts[0], union(parts))
    assert int((both[:, 1] - both[:, 0]).sum()) == int((parts[0][:, 1] - parts[0][:, 0]).sum())


@given(st.lists(speech(top=40), min_size=1, max_size=5), st.integers(0, 12))
def test_interruptions_follow_their_definition(parts: list[np.ndarray], min_overlap: int) -> None:
    # The definition, one interval at a time: it starts while another participant's interval
    # that began earlier is still running, and the two overlap by at least min_overlap samples.
    expected = [0] * len(parts)
    for p, mine in enumerate(parts):
        for a, b in mine:
            for q, theirs in enumerate(parts):
                if q != p and any(
                    s < a < e and min(b, e) - a >= min_overlap for s, e in theirs.tolist()
                ):
                    expected[p] += 1
                    break
    stats = conversation_stats(parts, iv((0, 600)), min_overlap=min_overlap)
    assert stats.interruptions.tolist() == expected
