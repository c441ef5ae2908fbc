from __future__ import annotations

import numpy as np
import pytest
import soundfile
from scipy.signal import resample_poly

from callrec.dsp import detect_dtmf

from .conftest import MEDIA
from .signals import dtmf_tone, to_int16

ALL_KEYS = "1234567890*#ABCD"


def keyed(
    keys: str, rate: int, *, tone_s: float = 0.08, gap_s: float = 0.06, **kw: float
) -> tuple[np.ndarray, list[int]]:
    parts, starts, pos = [np.zeros(int(0.1 * rate))], [], int(0.1 * rate)
    for key in keys:
        tone = dtmf_tone(key, tone_s, rate, **kw)
        starts.append(pos)
        parts += [tone, np.zeros(int(gap_s * rate))]
        pos += len(tone) + int(gap_s * rate)
    return np.concatenate(parts), starts


@pytest.mark.parametrize("rate", [8000, 16000])
def test_every_key_in_noise(rate: int) -> None:
    x, starts = keyed(ALL_KEYS, rate)
    x = x + np.random.default_rng(rate).standard_normal(len(x)) * 10 ** (-35 / 20)  # ~20 dB SNR
    (got,) = detect_dtmf(to_int16(x), rate)
    assert got.keys == ALL_KEYS
    assert np.abs(got.intervals[:, 0] - np.array(starts)).max() <= 0.02 * rate


@pytest.mark.parametrize("twist_db", [-6.0, 3.0])
def test_twist_within_limits_is_accepted(twist_db: float) -> None:
    x, _ = keyed("58", 8000, twist_db=twist_db)
    assert detect_dtmf(x, 8000)[0].keys == "58"


def test_excessive_twist_is_rejected() -> None:
    x, _ = keyed("58", 8000, twist_db=10.0)
    assert detect_dtmf(x, 8000)[0].keys == ""


def test_a_tone_shorter_than_the_minimum_is_ignored() -> None:
    x, _ = keyed("7", 16000, tone_s=0.02)
    assert detect_dtmf(x, 16000)[0].keys == ""
    x, _ = keyed("7", 16000, tone_s=0.045)
    assert detect_dtmf(x, 16000)[0].keys == "7"


def test_a_held_key_is_one_key_and_repeats_are_separate() -> None:
    x, _ = keyed("99", 8000, tone_s=0.5, gap_s=0.1)
    (got,) = detect_dtmf(x, 8000)
    assert got.keys == "99"
    assert (got.intervals[:, 1] - got.intervals[:, 0] >= 0.45 * 8000).all()


@pytest.mark.parametrize("rate", [8000, 16000])
def test_no_false_keys_on_speech(rate: int) -> None:
    speech, speech_rate = soundfile.read(MEDIA / "speech-16k.wav", dtype="float64")
    if rate != speech_rate:
        speech = resample_poly(speech, rate, speech_rate)
    (got,) = detect_dtmf(speech, rate)
    assert got.keys == "" and got.intervals.shape == (0, 2)


def test_keys_per_channel() -> None:
    a, _ = keyed("12", 8000)
    b, _ = keyed("#", 8000)
    b = np.concatenate([b, np.zeros(len(a) - len(b))])
    got = detect_dtmf(np.stack([a, b], axis=1), 8000)
    assert [t.keys for t in got] == ["12", "#"]
