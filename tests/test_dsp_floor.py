"""Dead air, monologues and response latencies on conversations with exact, known gaps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callrec.dsp.floor import dead_air, monologues, response_latencies
from callrec.errors import UsageError


def iv(*pairs: tuple[int, int]) -> np.ndarray:
    return np.array(pairs, np.int64).reshape(-1, 2)


# A conversation in samples (think of them as 10 ms units): recorded 0-1000 and, after a pause,
# 1200-2000.
RECORDED = iv((0, 1000), (1200, 2000))
A = iv((0, 100), (120, 300), (500, 560), (1250, 1400))
B = iv((320, 400), (460, 520), (900, 1000), (1200, 1220), (1700, 1800))


def test_dead_air_is_silence_of_everybody_within_recorded_time() -> None:
    # Silences: 100-120, 300-320, 400-460, 560-900, 1220-1250, 1400-1700, 1800-2000; the pause
    # 1000-1200 is not recorded, so 1000 and 1200 end and start silences of their own.
    found = dead_air([A, B], RECORDED, 200)
    assert found.tolist() == [[560, 900], [1400, 1700], [1800, 2000]]
    assert dead_air([A, B], RECORDED, 201).tolist() == [[560, 900], [1400, 1700]]
    assert dead_air([A, B], RECORDED, 60).tolist() == [
        [400, 460],
        [560, 900],
        [1400, 1700],
        [1800, 2000],
    ]


def test_silence_on_both_sides_of_a_pause_is_two_silences() -> None:
    quiet = [iv((0, 100)), iv((1300, 1400))]
    recorded = iv((0, 500), (600, 1400))
    assert dead_air(quiet, recorded, 350).tolist() == [[100, 500], [600, 1300]]
    assert dead_air(quiet, recorded, 401).tolist() == [[600, 1300]]


def test_a_threshold_below_one_sample_is_refused() -> None:
    with pytest.raises(UsageError, match="min_length"):
        dead_air([A], RECORDED, 0)


def test_monologues_join_own_breaths_and_end_where_someone_else_speaks() -> None:
    a, b = monologues([A, B], RECORDED, max_breath=50)
    # A: 0-100 and 120-300 joined over a 20-sample breath nobody spoke in; 500-560 is cut by
    # B's 460-520 (A alone from 520); 1250-1400 alone.
    assert a.tolist() == [[0, 300], [520, 560], [1250, 1400]]
    # B: 900-1000 and 1200-1220 are not joined across the pause.
    assert b.tolist() == [[320, 400], [460, 500], [900, 1000], [1200, 1220], [1700, 1800]]


def test_a_breath_longer_than_the_limit_or_with_someone_speaking_ends_a_monologue() -> None:
    a = iv((0, 100), (130, 200), (300, 400))
    b = iv((210, 220))
    (mine, _) = monologues([a, b], iv((0, 1000)), max_breath=31)
    assert mine.tolist() == [[0, 200], [300, 400]]  # 200-300 holds B's 210-220
    (mine, _) = monologues([a, b], iv((0, 1000)), max_breath=30)
    assert mine.tolist() == [[0, 100], [130, 200], [300, 400]]


def test_response_latencies_from_the_others_end_to_the_turn() -> None:
    a, b = response_latencies([A, B], RECORDED)
    # Silences of everybody: 300-320 (A ends, B starts), 400-460 (B ends, B goes on: a pause
    # of B's, not a response), 560-900 (A ends, B starts; B's 460-520 ended inside A's talk),
    # 1000-1200 (the recording's pause: not measured), 1220-1250 (B ends, A starts), 1400-1700.
    assert b.tolist() == [20, 340, 300]
    # A's start at 500, while B speaks (460-520), is an overlap, not a response.
    assert a.tolist() == [30]


def test_a_backchannel_does_not_hide_the_response_after_it() -> None:
    agent = iv((0, 500), (600, 700))
    customer = iv((200, 240), (800, 900))  # "mm-hm" while the agent speaks, then the answer
    _, answers = response_latencies([agent, customer], iv((0, 1000)))
    assert answers.tolist() == [100]


def test_nobody_speaking_gives_nothing() -> None:
    empty = iv()
    assert dead_air([empty, empty], RECORDED, 100).tolist() == [[0, 1000], [1200, 2000]]
    assert [m.tolist() for m in monologues([empty, empty], RECORDED, 10)] == [[], []]
    assert [r.tolist() for r in response_latencies([empty, empty], RECORDED)] == [[], []]


@st.composite
def conversations(draw: st.DrawFn) -> tuple[list[np.ndarray], np.ndarray]:
    people = []
    for _ in range(draw(st.integers(1, 3))):
        edges = sorted(set(draw(st.lists(st.integers(0, 500), max_size=12))))
        pairs = [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)]
        people.append(iv(*pairs))
    return people, iv((0, 250), (260, 500))


@settings(max_examples=150, deadline=None)
@given(conversations(), st.integers(1, 60), st.integers(1, 60))
def test_the_figures_keep_their_definitions(
    talk: tuple[list[np.ndarray], np.ndarray], threshold: int, breath: int
) -> None:
    speech, recorded = talk
    timeline = np.zeros(500, np.int64)
    for person in speech:
        for a, b in person.tolist():
            timeline[a:b] += 1
    for a, b in dead_air(speech, recorded, threshold).tolist():
        assert b - a >= threshold and not timeline[a:b].any()
        assert not (a < 250 < b) and not (a < 260 < b)  # never across the pause
    for i, mine in enumerate(monologues(speech, recorded, breath)):
        for a, b in mine.tolist():  # starts and ends on own speech nobody else shares
            own = np.zeros(500, bool)
            for s, e in speech[i].tolist():
                own[s:e] = True
            assert own[a] and own[b - 1]
            assert (timeline[a:b][own[a:b]] == 1).all()  # where they speak, they speak alone
            assert (timeline[a:b][~own[a:b]] == 0).all()  # their breaths: nobody speaks
            quiet = np.flatnonzero(np.diff(np.concatenate([[0], (~own[a:b]).astype(int), [0]])))
            assert all(
                stop - start < breath for start, stop in zip(quiet[::2], quiet[1::2], strict=True)
            )
    for latency in response_latencies(speech, recorded):
        assert (latency >= 0).all()
