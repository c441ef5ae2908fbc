from __future__ import annotations

import numpy as np
import pytest

from callrec.dsp import frame_rms_db, levels, noise_floor_db
from callrec.errors import UsageError

from .signals import sine, to_int16

RATE = 16_000


@pytest.mark.parametrize("peak_db", [-0.5, -6.0, -20.0, -40.0])
def test_sine_levels_in_both_rms_conventions(peak_db: float) -> None:
    x = to_int16(sine(peak_db, 2.0, RATE, freq=1000.0))
    got = levels(x, RATE)
    assert got.peak_dbfs[0] == pytest.approx(peak_db, abs=0.01)
    assert got.rms_dbfs[0] == pytest.approx(peak_db - 3.0103, abs=0.01)
    assert got.rms_aes17_dbfs[0] == pytest.approx(peak_db, abs=0.01)
    assert got.crest_db[0] == pytest.approx(3.0103, abs=0.02)
    assert got.clipped[0] == 0
    assert abs(got.dc_offset[0]) < 1e-4


def test_float_and_int16_agree() -> None:
    x = sine(-12.0, 1.0, RATE, freq=440.0)
    a, b = levels(x, RATE), levels(to_int16(x), RATE)
    assert a.rms_dbfs[0] == pytest.approx(b.rms_dbfs[0], abs=0.001)
    assert a.peak_dbfs[0] == pytest.approx(b.peak_dbfs[0], abs=0.001)


def test_int16_minimum_is_zero_dbfs_and_clipped_samples_are_counted() -> None:
    x = np.zeros((1000, 1), np.int16)
    x[10], x[20], x[30] = -32768, 32767, 32767
    got = levels(x, RATE)
    assert got.peak_dbfs[0] == 0.0
    assert got.clipped[0] == 3


@pytest.mark.parametrize("channels", [1, 5])
def test_int16_sums_are_exact_at_full_scale(channels: int) -> None:
    # The extremes of int16 over several whole grid blocks: sums and squares must not overflow
    # or round anywhere (one more frame than 2**18, with a lone positive maximum inside).
    frames = (1 << 18) + 1
    x = np.full((frames, channels), -32768, np.int16)
    x[12345] = 32767
    got = levels(x, RATE)
    total = (frames - 1) * -32768 + 32767
    squares = (frames - 1) * 32768**2 + 32767**2
    assert got.dc_offset.tolist() == [total / (frames * 32768.0)] * channels
    expected_rms = 10 * np.log10(squares / (frames * 32768.0**2))
    assert got.rms_dbfs.tolist() == [float(expected_rms)] * channels
    assert got.clipped.tolist() == [frames] * channels


def test_float_clipping_and_dc() -> None:
    x = np.full((1000, 1), 0.25)
    x[:5] = 1.0
    x[5:7] = -1.2
    got = levels(x, RATE)
    assert got.clipped[0] == 7
    assert got.dc_offset[0] == pytest.approx((993 * 0.25 + 5 - 2.4) / 1000)


def test_noise_floor_of_speech_with_background_noise() -> None:
    rng = np.random.default_rng(3)
    noise = rng.standard_normal(RATE * 10) * 10 ** (-60 / 20)
    noise[RATE : 4 * RATE] += sine(-10, 3.0, RATE, 300)
    got = levels(noise, RATE)
    assert got.noise_floor_dbfs[0] == pytest.approx(-60.0, abs=1.0)


def test_all_zero_channel() -> None:
    x = np.zeros((RATE, 2), np.int16)
    x[:, 1] = to_int16(sine(-6, 1.0, RATE))
    got = levels(x, RATE)
    assert got.peak_dbfs[0] == -np.inf and got.rms_dbfs[0] == -np.inf
    assert np.isnan(got.crest_db[0]) and np.isnan(got.noise_floor_dbfs[0])
    assert got.peak_dbfs[1] == pytest.approx(-6.0, abs=0.01)
    row = got.per_channel()[0]
    assert row["peak_dbfs"] is None and row["frames"] == RATE


def test_frame_rms_counts_complete_frames_and_reads_a_sine() -> None:
    x = sine(-6.0, 1.0, RATE, 1000)
    got = frame_rms_db(x, RATE, frame_s=0.025, hop_s=0.010)
    assert got.shape == (1 + (RATE - 400) // 160, 1)
    assert np.allclose(got, -6.0 - 3.0103, atol=0.01)


def test_frame_rms_rejects_bad_arguments() -> None:
    with pytest.raises(UsageError, match="hop_s"):
        frame_rms_db(np.zeros(100), RATE, hop_s=0.00001)
    with pytest.raises(UsageError, match="sample_rate"):
        frame_rms_db(np.zeros(100), 0)
    with pytest.raises(UsageError, match="dtype"):
        frame_rms_db(np.zeros(100, np.uint8), RATE)
    with pytest.raises(UsageError, match="shape"):
        frame_rms_db(np.zeros((2, 2, 2)), RATE)


def test_noise_floor_helper() -> None:
    frames = np.stack([np.linspace(-80, -20, 1001), np.full(1001, -np.inf)], axis=1)
    floor = noise_floor_db(frames, percentile=10)
    assert floor[0] == pytest.approx(-74.0, abs=0.06)
    assert np.isnan(floor[1])
