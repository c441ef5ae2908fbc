from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from callrec.dsp import speech_activity, speech_bounds
from callrec.errors import UsageError

from .conftest import MEDIA
from .signals import sine

RATE = 16_000
TEN_MS = RATE // 100


def bursts(
    edges_s: list[tuple[float, float]], *, seconds: float, noise_dbfs: float, seed: int = 0
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(seconds * RATE)) * 10 ** (noise_dbfs / 20)
    for a, b in edges_s:
        i, j = round(a * RATE), round(b * RATE)
        x[i:j] += sine(-18, (j - i) / RATE, RATE, 220.0)
    return x


def test_bursts_with_known_edges_within_ten_ms() -> None:
    edges = [(0.5, 1.75), (2.503, 3.9), (5.0123, 5.4)]
    got = speech_activity(bursts(edges, seconds=7, noise_dbfs=-70), RATE).intervals[0]
    assert got.dtype == np.int64 and got.shape == (3, 2)
    expected = np.array([[round(a * RATE), round(b * RATE)] for a, b in edges])
    assert np.abs(got - expected).max() <= TEN_MS


@settings(max_examples=30, deadline=None)
@given(
    start=st.floats(0.2, 2.0),
    length=st.floats(0.15, 2.0),
    noise=st.floats(-80, -40),
)
def test_a_burst_is_found_to_ten_ms_at_any_position_and_noise_level(
    start: float, length: float, noise: float
) -> None:
    got = speech_activity(bursts([(start, start + length)], seconds=5, noise_dbfs=noise), RATE)
    iv = got.intervals[0]
    assert len(iv) == 1
    assert abs(iv[0, 0] - round(start * RATE)) <= TEN_MS
    assert abs(iv[0, 1] - round((start + length) * RATE)) <= TEN_MS


def test_threshold_adapts_to_a_noisy_channel_but_not_to_the_loudest_frame() -> None:
    quiet = bursts([(1.0, 2.0)], seconds=4, noise_dbfs=-75)
    noisy = bursts([(1.0, 2.0)], seconds=4, noise_dbfs=-45)
    got = speech_activity(np.stack([quiet, noisy], axis=1), RATE)
    assert got.on_dbfs[0] == -50.0
    assert got.on_dbfs[1] == pytest.approx(got.noise_floor_dbfs[1] + 12.0)
    assert got.noise_floor_dbfs[1] == pytest.approx(-45.0, abs=1.5)
    for iv in got.intervals:
        assert len(iv) == 1 and abs(iv[0, 0] - RATE) <= TEN_MS
    clicked = quiet.copy()
    clicked[3 * RATE] = 0.99  # one loud click moves nothing
    again = speech_activity(clicked, RATE)
    assert again.on_dbfs[0] == got.on_dbfs[0]
    assert np.array_equal(again.intervals[0], got.intervals[0])


def test_hysteresis_keeps_speech_through_a_dip_between_thresholds() -> None:
    x = np.concatenate([sine(-20, 1, RATE), sine(-55, 0.5, RATE), sine(-20, 1, RATE)])
    x = np.concatenate([np.zeros(RATE), x, np.zeros(RATE)])
    x += np.random.default_rng(1).standard_normal(len(x)) * 10 ** (-80 / 20)
    # -55 dBFS peak is about -58 RMS: below "on" (-50) but above "off" at -60.
    held = speech_activity(x, RATE, hysteresis_db=10.0, min_silence_s=0.0)
    assert held.intervals[0].tolist() == [[RATE, 3.5 * RATE]]
    dropped = speech_activity(x, RATE, hysteresis_db=2.0, min_silence_s=0.0)
    assert len(dropped.intervals[0]) == 2


def test_min_speech_min_silence_and_padding() -> None:
    x = bursts([(1.0, 1.05), (2.0, 3.0), (3.2, 4.0)], seconds=5, noise_dbfs=-80)
    got = speech_activity(x, RATE, min_speech_s=0.1, min_silence_s=0.3)
    assert got.intervals[0].tolist() == [[2 * RATE, 4 * RATE]]
    apart = speech_activity(x, RATE, min_speech_s=0.0, min_silence_s=0.1)
    assert len(apart.intervals[0]) == 3
    padded = speech_activity(x, RATE, pad_s=0.25)
    assert padded.intervals[0].tolist() == [[int(1.75 * RATE), int(4.25 * RATE)]]
    at_edges = speech_activity(bursts([(0.0, 1.0)], seconds=1.0, noise_dbfs=-80), RATE, pad_s=0.5)
    assert at_edges.intervals[0].tolist() == [[0, RATE]]


def test_silence_gives_typed_empties_and_bounds() -> None:
    got = speech_activity(np.zeros((RATE, 2), np.int16), RATE)
    assert all(iv.shape == (0, 2) and iv.dtype == np.int64 for iv in got.intervals)
    assert got.bounds().tolist() == [[0, 0], [0, 0]]
    assert speech_bounds([np.array([[5, 9], [20, 30]])]).tolist() == [[5, 30]]


def test_espeak_speech_is_found_inside_the_phrases() -> None:
    truth = json.loads((MEDIA / "speech-16k.json").read_text())
    x, rate = soundfile.read(MEDIA / "speech-16k.wav", dtype="int16")
    got = speech_activity(x, rate, min_silence_s=0.5).intervals[0]
    phrases = truth["phrases"]
    assert len(got) == len(phrases)
    for (start, stop), phrase in zip(got.tolist(), phrases, strict=True):
        window, voiced = phrase["window"], phrase["voiced"]
        assert window[0] - TEN_MS <= start and stop <= window[1] + TEN_MS
        covered = min(stop, voiced[1]) - max(start, voiced[0])
        assert covered >= 0.9 * (voiced[1] - voiced[0]), phrase["text"]
        assert abs(start - voiced[0]) <= 3 * TEN_MS  # the first syllable, not later


def test_bad_options() -> None:
    with pytest.raises(UsageError, match="min_silence_s"):
        speech_activity(np.zeros(100), RATE, min_silence_s=-1)
    with pytest.raises(UsageError, match="noise_percentile"):
        speech_activity(np.zeros(100), RATE, noise_percentile=120)
