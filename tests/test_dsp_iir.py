"""The block-matrix IIR filter equals the sample-by-sample recursion of scipy.signal.sosfilt."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import butter, sosfilt

from callrec.dsp.iir import BLOCK, SosFilter, _balancing, _gramian, _state_space
from callrec.dsp.loudness_meter import k_weighting_sos

from .tolerances import FILTER32_ACCURACY, FILTER64_ACCURACY


def zi_of(state: np.ndarray, sections: int) -> np.ndarray:
    """Our ``(channels, 2 * sections)`` state as sosfilt's ``(sections, channels, 2)``."""
    return state.reshape(len(state), sections, 2).transpose(1, 0, 2)


def state_of(zi: np.ndarray) -> np.ndarray:
    return zi.transpose(1, 0, 2).reshape(zi.shape[1], -1)


def reference(sos: np.ndarray, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if x.shape[1] == 0:  # sosfilt does not take empty input
        return x.copy(), state
    y, zf = sosfilt(sos, x, axis=-1, zi=zi_of(state, len(sos)))
    return y, state_of(zf)


FILTERS = {
    "k-weighting 8 kHz": k_weighting_sos(8000),
    "k-weighting 16 kHz": k_weighting_sos(16000),
    "k-weighting 48 kHz": k_weighting_sos(48000),
    "butterworth band-pass, 3 sections": butter(3, [300, 3400], "bandpass", fs=16000, output="sos"),
    # A pure gain section leaves states that nothing excites: kept unbalanced.
    "low-pass then a plain gain": np.vstack(
        [butter(2, 1000, fs=16000, output="sos"), [[0.5, 0.0, 0.0, 1.0, 0.0, 0.0]]]
    ),
}


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("frames", [0, 1, BLOCK - 1, BLOCK, 5 * BLOCK + 3, 70_001])
def test_output_and_state_equal_the_recursion(name: str, frames: int) -> None:
    sos = FILTERS[name]
    rng = np.random.default_rng(frames)
    x = rng.standard_normal((3, frames))
    state = rng.standard_normal((3, 2 * len(sos))) * 0.1
    expected, expected_state = reference(sos, x, state)
    y, end = SosFilter(sos).apply(x, state)
    scale = max(1.0, float(np.abs(expected).max(initial=0)))
    np.testing.assert_allclose(y, expected, rtol=0, atol=FILTER64_ACCURACY * scale)
    np.testing.assert_allclose(end, expected_state, rtol=0, atol=FILTER64_ACCURACY * scale)


@settings(max_examples=30, deadline=None)
@given(cuts=st.lists(st.integers(0, 3000), min_size=1, max_size=6), seed=st.integers(0, 99))
def test_filtering_in_pieces_continues_exactly(cuts: list[int], seed: int) -> None:
    sos = k_weighting_sos(16000)
    x = np.random.default_rng(seed).standard_normal((2, sum(cuts)))
    expected, _ = reference(sos, x, np.zeros((2, 4)))
    filt = SosFilter(sos)
    state = filt.zero_state(2)
    pieces, start = [], 0
    for n in cuts:
        y, state = filt.apply(x[:, start : start + n], state)
        pieces.append(y.copy())  # the output buffer is the caller's; keep each piece
        start += n
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), expected, rtol=0, atol=1e-9)


def test_int16_columns_are_converted_on_the_way_in() -> None:
    sos = k_weighting_sos(16000)
    block = np.random.default_rng(5).integers(-32768, 32767, (4000, 5)).astype(np.int16)
    out = np.empty((5, 4000))
    y, _ = SosFilter(sos).apply(block.T, np.zeros((5, 4)), out=out)
    expected, _ = reference(sos, block.T.astype(np.float64), np.zeros((5, 4)))
    assert y is out
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-6)


def test_channels_do_not_interact() -> None:
    sos = k_weighting_sos(16000)
    x = np.random.default_rng(6).standard_normal((4, 9000))
    together, _ = SosFilter(sos).apply(x, np.zeros((4, 4)))
    for c in range(4):
        alone, _ = SosFilter(sos).apply(x[c : c + 1], np.zeros((1, 4)))
        # Both are within FILTER64_ACCURACY of the recursion; products over a different number
        # of rows may round differently, never further apart than that allows.
        scale = float(np.abs(alone).max())
        np.testing.assert_allclose(
            together[c], alone[0], rtol=0, atol=2 * FILTER64_ACCURACY * scale
        )


@pytest.mark.parametrize("name", FILTERS)
def test_float32_stays_within_a_millionth(name: str) -> None:
    sos = FILTERS[name]
    rng = np.random.default_rng(8)
    x = rng.integers(-20000, 20000, (2, 50_000)).astype(np.float64)
    state = rng.standard_normal((2, 2 * len(sos))) * 1000.0
    expected, expected_state = reference(sos, x, state)
    y, end = SosFilter(sos, dtype=np.float32).apply(x, state)
    assert y.dtype == np.float32
    assert end.dtype == np.float64
    # Per channel: the accuracy the loudness bounds (tests/tolerances.py) build on.
    scale = np.abs(expected).max(axis=1, keepdims=True)
    assert np.all(np.abs(y - expected) <= FILTER32_ACCURACY * scale)
    assert np.all(np.abs(end - expected_state) <= FILTER32_ACCURACY * scale)


@pytest.mark.parametrize("name", ["k-weighting 16 kHz", "butterworth band-pass, 3 sections"])
def test_balanced_gramians_are_equal_and_diagonal(name: str) -> None:
    a, b, c, _ = _state_space(FILTERS[name])
    balance = _balancing(a, b, c)
    unbalance = np.linalg.inv(balance)
    a, b, c = unbalance @ a @ balance, unbalance @ b, c @ balance
    controllability, observability = _gramian(a, b), _gramian(a.T, c)
    np.testing.assert_allclose(controllability, observability, atol=1e-9)
    off_diagonal = controllability - np.diag(np.diag(controllability))
    np.testing.assert_allclose(off_diagonal, 0.0, atol=1e-9)
    # The gramian is the fixed point it is defined as.
    fixed_point = a @ controllability @ a.T + np.outer(b, b)
    np.testing.assert_allclose(controllability, fixed_point, rtol=1e-9, atol=1e-12)
