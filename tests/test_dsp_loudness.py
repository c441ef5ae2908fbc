"""Loudness against EBU Tech 3341 (integrated) and Tech 3342 (loudness range) test signals."""

from __future__ import annotations

import numpy as np
import pytest

from callrec.dsp import LoudnessMeter, k_weighting_sos, loudness
from callrec.errors import UsageError

from .signals import sequence, sine

MONO_SHIFT_DB = -10 * np.log10(2)

TECH_3341 = {
    1: ([(-23, 20)], -23.0),
    2: ([(-33, 20)], -33.0),
    3: ([(-36, 10), (-23, 60), (-36, 10)], -23.0),
    4: ([(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], -23.0),
    5: ([(-26, 20.1), (-20, 20.1), (-26, 20.1)], -23.0),
}
TECH_3342 = {
    1: ([(-20, 20), (-30, 20)], 10.0),
    2: ([(-20, 20), (-15, 20)], 5.0),
    3: ([(-40, 20), (-20, 20)], 20.0),
    4: ([(-50, 20), (-35, 20), (-20, 20), (-35, 20), (-50, 20)], 15.0),
}


def test_k_weighting_reproduces_the_published_48k_coefficients() -> None:
    sos = k_weighting_sos(48000)
    shelf_b = [1.53512485958697, -2.69169618940638, 1.19839281085285]
    shelf_a = [1.0, -1.69065929318241, 0.73248077421585]
    high_a = [1.0, -1.99004745483398, 0.99007225036621]
    assert np.allclose(sos[0, :3], shelf_b, atol=1e-8)
    assert np.allclose(sos[0, 3:], shelf_a, atol=1e-8)
    assert np.allclose(sos[1, :3], [1.0, -2.0, 1.0])
    assert np.allclose(sos[1, 3:], high_a, atol=1e-8)


def test_k_weighting_is_designed_for_the_rate() -> None:
    from scipy.signal import sosfreqz

    # The same analog response, up to the bilinear transform's warping near Nyquist.
    probe = np.array([30.0, 100.0, 997.0, 2000.0])
    _, h48 = sosfreqz(k_weighting_sos(48000), worN=probe, fs=48000)
    for rate, tolerance_db in ((44100, 0.01), (16000, 0.15)):
        _, h = sosfreqz(k_weighting_sos(rate), worN=probe, fs=rate)
        assert np.allclose(20 * np.log10(np.abs(h)), 20 * np.log10(np.abs(h48)), atol=tolerance_db)
    # Reusing the 48 kHz coefficients at 16 kHz would put the shelf at a third of its frequency.
    _, wrong = sosfreqz(k_weighting_sos(48000), worN=probe, fs=16000)
    assert abs(20 * np.log10(abs(wrong[2])) - 20 * np.log10(abs(h48[2]))) > 1.0


@pytest.mark.parametrize("case", sorted(TECH_3341))
def test_tech_3341_stereo_48k(case: int) -> None:
    parts, expected = TECH_3341[case]
    x = sequence(parts, 48000)
    got = loudness(np.stack([x, x], axis=1), 48000)
    assert got.programme_lufs == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("case", sorted(TECH_3341))
def test_tech_3341_mono_16k(case: int) -> None:
    parts, expected = TECH_3341[case]
    got = loudness(sequence(parts, 16000), 16000)
    assert got.integrated_lufs[0] == pytest.approx(expected + MONO_SHIFT_DB, abs=0.1)
    assert got.programme_lufs == got.integrated_lufs[0]


@pytest.mark.parametrize("case", sorted(TECH_3342))
@pytest.mark.parametrize("rate", [48000, 16000])
def test_tech_3342_loudness_range(case: int, rate: int) -> None:
    parts, expected = TECH_3342[case]
    x = sequence(parts, rate)
    stereo = loudness(np.stack([x, x], axis=1), rate)
    assert stereo.programme_range_lu == pytest.approx(expected, abs=1.0)
    mono = loudness(x, rate)  # a level shift leaves a range unchanged
    assert mono.range_lu[0] == pytest.approx(expected, abs=1.0)


def test_momentary_and_short_term_series_of_a_steady_sine() -> None:
    x = sine(-23, 10.0, 48000)
    got = loudness(np.stack([x, x], axis=1), 48000)
    momentary, short = got.momentary_lufs(), got.short_term_lufs()
    assert momentary.shape == (100 - 3, 2) and short.shape == (100 - 29, 2)
    assert np.allclose(momentary, -23 + MONO_SHIFT_DB, atol=0.05)
    assert np.allclose(short, -23 + MONO_SHIFT_DB, atol=0.05)


def test_silence_and_too_short_signals_have_no_loudness() -> None:
    assert loudness(np.zeros(16000 * 2), 16000).integrated_lufs[0] == -np.inf
    short = loudness(sine(-20, 0.3, 16000), 16000)
    assert short.integrated_lufs[0] == -np.inf and short.range_lu[0] == 0.0


def test_channels_are_measured_separately() -> None:
    a, b = sine(-23, 5, 16000), sine(-33, 5, 16000)
    got = loudness(np.stack([a, b], axis=1), 16000)
    assert got.integrated_lufs[0] - got.integrated_lufs[1] == pytest.approx(10.0, abs=0.01)


def test_rate_too_low_for_k_weighting() -> None:
    with pytest.raises(UsageError, match="too low"):
        loudness(np.zeros(100), 2000)


@pytest.mark.parametrize("extra", [0, 1, 799, 800, 801, 1599])
@pytest.mark.parametrize("steps", [1, 2, 5])
def test_any_length_around_whole_steps(steps: int, extra: int) -> None:
    """A block holding one step and less than a second one reshaped an empty body to (c, 0, -1):
    a 0.1 s chunk at 16 kHz stopped the whole batch with a ValueError."""
    rate = 16000
    step = rate // 10
    n = steps * step + extra
    x = np.full((n, 2), 1000, np.int16)
    got = loudness(x, rate)
    assert got.step_power.shape == (n // step, 2)
    streamed = LoudnessMeter(rate)
    for start in range(0, n, 700):
        streamed.update(x[start : start + 700])
    assert np.array_equal(streamed.result().step_power, got.step_power)
