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
from .signals import band_noise, sine

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


# Cuts: the stream holds audio that is not continuous (a pause, a gap, a chunk join).

CUT = 24_040  # 1.5025 s: 40 samples into a 10 ms frame, so the old frame grid straddles it


def with_bursts(
    seconds: float, bursts_at: list[tuple[int, int]], rng: np.random.Generator, noise_dbfs: float
) -> np.ndarray:
    """Room noise with band-limited bursts (the "speech") on exactly the given samples."""
    x = rng.standard_normal(round(seconds * RATE)) * 10 ** (noise_dbfs / 20)
    for a, b in bursts_at:
        x[a:b] += band_noise((b - a) / RATE, RATE, -26.0, rng)
    return x


@settings(max_examples=30, deadline=None)
@given(
    cut=st.integers(RATE, 2 * RATE),
    before=st.floats(0.05, 0.15),
    after=st.floats(0.05, 0.15),
    noise=st.floats(-80, -55),
    seed=st.integers(0, 100),
)
def test_edges_50_to_150_ms_from_a_cut_are_found_to_ten_ms(
    cut: int, before: float, after: float, noise: float, seed: int
) -> None:
    # Together the two silences are shorter than the 300 ms minimum silence: carried over the
    # cut, bridging would join the bursts and move both edges to the cut.
    truth = [(RATE // 2, cut - round(before * RATE)), (cut + round(after * RATE), cut + RATE)]
    x = with_bursts(3.0, truth, np.random.default_rng(seed), noise)
    got = speech_activity(x, RATE, boundaries=[cut]).intervals[0]
    assert got.shape == (2, 2)
    assert np.abs(got - np.array(truth)).max() <= TEN_MS


def test_speech_running_into_a_cut_ends_and_starts_exactly_there() -> None:
    rng = np.random.default_rng(5)
    # A -20 dBFS sine: any 40 samples of it (a ninth of a 220 Hz period or more) are far above
    # the thresholds, so the short frame before the cut is speech and the frame after is not.
    up_to = bursts([(0.5, CUT / RATE)], seconds=3, noise_dbfs=-70)
    got = speech_activity(up_to, RATE, boundaries=[CUT]).intervals[0]
    assert got.tolist() == [[RATE // 2, CUT]]
    from_cut = with_bursts(3.0, [], rng, -70)
    from_cut[CUT : 2 * RATE] += sine(-20, (2 * RATE - CUT) / RATE, RATE, 220.0)
    got = speech_activity(from_cut, RATE, boundaries=[CUT]).intervals[0]
    assert got.shape == (1, 2) and got[0, 0] == CUT and abs(got[0, 1] - 2 * RATE) <= TEN_MS
    # An utterance cut by a pause: two intervals that meet at the cut, neither crossing it.
    through = with_bursts(3.0, [(RATE // 2, 2 * RATE)], rng, -70)
    got = speech_activity(through, RATE, boundaries=[CUT]).intervals[0]
    assert got.shape == (2, 2) and got[0, 1] == got[1, 0] == CUT
    assert abs(got[0, 0] - RATE // 2) <= TEN_MS and abs(got[1, 1] - 2 * RATE) <= TEN_MS


def test_hysteresis_min_speech_and_padding_restart_at_a_cut() -> None:
    rng = np.random.default_rng(6)
    # Speech up to the cut, then a tone 3 dB below the "on" threshold (-50) and above "off" (-56):
    # held on as the tail of the speech in a continuous stream, not speech after a cut.
    x = with_bursts(3.0, [(RATE // 2, CUT)], rng, -75)
    x[CUT : CUT + RATE // 2] += sine(-50.0, 0.5, RATE)  # peak -50 dBFS: RMS -53 dBFS
    held = speech_activity(x, RATE).intervals[0]
    assert held.shape == (1, 2) and held[0, 1] >= CUT + RATE // 2 - TEN_MS  # the tone is held
    got = speech_activity(x, RATE, boundaries=[CUT]).intervals[0]
    assert got.tolist() == [[RATE // 2, CUT]]
    # A 60 ms burst right after the cut is kept, though shorter than the minimum: it may go on
    # across the cut (a seamless chunk join), and only the caller knows whether it does. A 60 ms
    # burst that touches no cut is dropped.
    short = round(0.06 * RATE)
    y = with_bursts(3.0, [(RATE // 2, CUT), (CUT, CUT + short)], rng, -75)
    assert speech_activity(y, RATE).intervals[0].shape == (1, 2)
    assert speech_activity(y, RATE, boundaries=[CUT]).intervals[0].tolist() == [
        [RATE // 2, CUT],
        [CUT, CUT + short],
    ]
    alone = with_bursts(
        3.0, [(RATE // 2, CUT), (CUT + RATE // 2, CUT + RATE // 2 + short)], rng, -75
    )
    assert speech_activity(alone, RATE, boundaries=[CUT]).intervals[0].tolist() == [
        [RATE // 2, CUT]
    ]
    # Padding stops at the cut on both sides.
    pad = round(0.2 * RATE)
    truth = [(RATE // 2, CUT - round(0.08 * RATE)), (CUT + round(0.12 * RATE), 2 * RATE)]
    z = with_bursts(3.0, truth, rng, -75)
    got = speech_activity(z, RATE, boundaries=[CUT], pad_s=0.2).intervals[0]
    assert got.shape == (2, 2) and got[0, 1] == got[1, 0] == CUT
    assert abs(got[0, 0] - (truth[0][0] - pad)) <= TEN_MS
    assert abs(got[1, 1] - (truth[1][1] + pad)) <= TEN_MS


def test_cuts_at_the_ends_or_twice_at_one_place_change_nothing() -> None:
    x = with_bursts(2.0, [(RATE // 2, CUT), (CUT + 800, 28_000)], np.random.default_rng(7), -70)
    once = speech_activity(x, RATE, boundaries=[CUT])
    again = speech_activity(x, RATE, boundaries=[0, CUT, CUT, len(x)])
    assert np.array_equal(once.intervals[0], again.intervals[0])
    assert np.array_equal(
        speech_activity(x, RATE, boundaries=[0, len(x)]).intervals[0],
        speech_activity(x, RATE).intervals[0],
    )


def test_bad_boundaries() -> None:
    x = np.zeros(1000)
    for bad in ([500, 100], [-1], [1001], [10.5], [[1, 2]]):
        with pytest.raises(UsageError, match="boundaries"):
            speech_activity(x, RATE, boundaries=bad)


def test_a_keys_margin_stops_at_a_cut() -> None:
    """A key that ends at a cut keeps 30 ms of speech out before it, none after: the speech
    starting right after the cut was never next to the key."""
    from callrec.dsp import analyze

    from .signals import dtmf_tone

    rng = np.random.default_rng(11)
    key = dtmf_tone("5", 0.2, RATE, level_dbfs=-12.0)
    x = with_bursts(3.0, [(CUT, CUT + RATE // 2)], rng, -75)
    x[CUT - len(key) : CUT] += key
    got = analyze(x, RATE, features=("activity", "dtmf"), boundaries=[CUT])
    assert got.dtmf is not None and got.dtmf[0].keys == "5"
    assert got.activity is not None
    assert got.activity.intervals[0].tolist() == [[CUT, CUT + RATE // 2]]
