from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callrec.dsp import place
from callrec.errors import UsageError


def test_stitch_two_chunks_with_a_pause_gap_bit_exact() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(-32768, 32767, (1000, 2), dtype=np.int16)
    b = rng.integers(-32768, 32767, (500, 2), dtype=np.int16)
    track = np.zeros((1800, 2), np.int16)
    # chunk a: media 0-600 at track 0, then a pause, media 600-1000 at track 900
    place(a, track, block_start=0, out_start=0, spans=[[0, 0, 600], [600, 900, 400]])
    place(b, track, block_start=0, out_start=0, spans=[[0, 1300, 500]])
    assert np.array_equal(track[:600], a[:600])
    assert not track[600:900].any()
    assert np.array_equal(track[900:1300], a[600:])
    assert np.array_equal(track[1300:], b)


def test_channel_remap_and_untouched_channels() -> None:
    block = np.arange(30, dtype=np.int16).reshape(10, 3)
    out = np.full((10, 2), -1, np.int16)
    copied = place(block, out, block_start=0, out_start=0, spans=[[0, 0, 10]], channels=[2, -1])
    assert copied == 10
    assert np.array_equal(out[:, 0], block[:, 2]) and (out[:, 1] == -1).all()


@settings(max_examples=60, deadline=None)
@given(
    media=st.integers(1, 400),
    spans=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 80)), min_size=1, max_size=4),
    block=st.integers(1, 97),
    window=st.integers(1, 131),
)
def test_blockwise_placement_equals_whole_placement(
    media: int, spans: list[tuple[int, int]], block: int, window: int
) -> None:
    # Consecutive media runs, each shifted later on the track by a gap.
    table, m, t = [], 0, 0
    for length, gap in spans:
        length = min(length, media - m)
        t += gap
        table.append([m, t, length])
        m, t = m + length, t + length
    x = np.random.default_rng(media).integers(-9999, 9999, (media, 2), dtype=np.int16)
    track_len = t + 5
    whole = np.zeros((track_len, 2), np.int16)
    place(x, whole, block_start=0, out_start=0, spans=table)
    pieces = np.zeros((track_len, 2), np.int16)
    for w in range(0, track_len, window):  # output windows, each filled from input blocks
        out = pieces[w : w + window]
        for b in range(0, media, block):
            place(x[b : b + block], out, block_start=b, out_start=w, spans=table)
    assert np.array_equal(whole, pieces)


def test_placement_refuses_to_convert_or_guess() -> None:
    with pytest.raises(UsageError, match="does not convert"):
        place(
            np.zeros((4, 1), np.int16),
            np.zeros((4, 1)),
            block_start=0,
            out_start=0,
            spans=[[0, 0, 4]],
        )
    with pytest.raises(UsageError, match="channels="):
        place(np.zeros((4, 2)), np.zeros((4, 1)), block_start=0, out_start=0, spans=[[0, 0, 4]])
    with pytest.raises(UsageError, match="one input channel"):
        place(
            np.zeros((4, 2)),
            np.zeros((4, 1)),
            block_start=0,
            out_start=0,
            spans=[[0, 0, 4]],
            channels=[5],
        )
