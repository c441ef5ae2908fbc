"""A track's windows, built in place: what was placed, digital silence everywhere else, whatever
the windows held before (the writer hands each one back to be built in again)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callrec.errors import UsageError
from callrec.output.tracks import TrackAssembler


@st.composite
def parts(draw: st.DrawFn) -> tuple[int, int, list[tuple[int, np.ndarray]], list[int] | None]:
    """Window length, track length, parts in track order (gaps, touching, overlapping ends),
    and the columns taken (None: all; -1: an output channel left alone)."""
    window = draw(st.integers(1, 40), label="window")
    channels_in = draw(st.integers(1, 3), label="channels in")
    columns = draw(
        st.one_of(
            st.none(),
            st.lists(st.integers(-1, channels_in - 1), min_size=1, max_size=3),
        ),
        label="columns",
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    placed, at = [], 0
    for _ in range(draw(st.integers(0, 8), label="parts")):
        at += draw(st.integers(0, 3 * window), label="gap")
        length = draw(st.integers(0, 2 * window + 3), label="length")
        samples = rng.integers(-(2**15), 2**15, (length, channels_in), dtype=np.int16)
        placed.append((at, samples))
        at += length
    length = at + draw(st.integers(0, 2 * window), label="tail")
    return window, length, placed, columns


def expected_track(
    length: int, placed: list[tuple[int, np.ndarray]], columns: list[int] | None, out: int
) -> np.ndarray:
    track = np.zeros((length, out), np.int16)
    for at, samples in placed:
        taken = columns if columns is not None else list(range(samples.shape[1]))
        for target, source in enumerate(taken):
            if source >= 0:
                track[at : at + len(samples), target] = samples[:, source]
    return track


@settings(max_examples=150, deadline=None)
@given(case=parts(), reuse=st.sampled_from(["at once", "later", "never"]))
def test_windows_hold_what_was_placed_and_silence_elsewhere(
    case: tuple[int, int, list[tuple[int, np.ndarray]], list[int] | None], reuse: str
) -> None:
    window, length, placed, columns = case
    channels_in = placed[0][1].shape[1] if placed else 1
    out = len(columns) if columns is not None else channels_in
    track = TrackAssembler(out, np.dtype(np.int16), window)
    given_out: list[tuple[int, np.ndarray]] = []  # copies: what a writer wrote at the time
    back: list[np.ndarray] = []

    def take(start: int, block: np.ndarray) -> None:
        given_out.append((start, block.copy()))
        if reuse == "at once":
            track.reuse(block)
        elif reuse == "later":
            back.append(block)
            if len(back) > 2:  # a writer two windows behind
                track.reuse(back.pop(0))
        block[:] = 7  # the caller's to scribble on: the assembler must not rely on it

    for at, samples in placed:
        for start, block in track.add(at, samples, columns):
            take(start, block)
    for start, block in track.finish(length):
        take(start, block)
    starts = [start for start, _ in given_out]
    assert starts == list(range(0, length, window))
    built = np.concatenate([b for _, b in given_out]) if given_out else np.zeros((0, out))
    np.testing.assert_array_equal(built, expected_track(length, placed, columns, out))


def test_a_part_before_the_current_window_is_a_usage_error() -> None:
    track = TrackAssembler(1, np.dtype(np.int16), 10)
    list(track.add(25, np.ones((5, 1), np.int16)))
    with pytest.raises(UsageError, match="track order"):
        list(track.add(12, np.ones((1, 1), np.int16)))


def test_only_whole_windows_are_taken_back() -> None:
    track = TrackAssembler(1, np.dtype(np.int16), 10)
    others = [
        np.full((20, 1), 5, np.int16)[:10],  # a part of a larger array
        np.full((10, 2), 5, np.int16),  # another shape
        np.full((10, 1), 5, np.int32),  # another type
    ]
    for other in others:
        track.reuse(other)
    list(track.add(3, np.ones((4, 1), np.int16)))
    windows = [window for _, window in track.finish(40)]
    assert not any(np.shares_memory(w, o) for w in windows for o in others)
    expected = np.zeros((40, 1), np.int16)
    expected[3:7] = 1
    np.testing.assert_array_equal(np.concatenate(windows), expected)
