from __future__ import annotations

import numpy as np
import pytest
import soundfile
from scipy.signal import resample_poly

from callrec.dsp import DtmfDetector, detect_dtmf
from callrec.dsp.frames import frame_count

from .conftest import MEDIA
from .signals import COLUMNS, ROWS, dtmf_tone, to_int16
from .tolerances import U64, gamma

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


def test_a_key_held_over_a_cut_is_two_keys_one_each_side() -> None:
    # A pause or chunk join cuts the stream: the samples on either side were never next to each
    # other, so no key may be made of both. Each side here holds 100 ms of the tone.
    rate = 16000
    quiet = np.zeros(int(0.2 * rate))
    x = np.concatenate([quiet, dtmf_tone("7", 0.2, rate), quiet])
    cut = int(0.3 * rate)
    (whole,) = detect_dtmf(x, rate)
    assert whole.keys == "7"
    (got,) = detect_dtmf(x, rate, boundaries=[cut])
    assert got.keys == "77"
    edge = int(0.02 * rate)
    assert got.intervals[0, 1] <= cut < got.intervals[1, 0] + 1
    assert abs(got.intervals[0, 0] - int(0.2 * rate)) <= edge
    assert abs(got.intervals[0, 1] - cut) <= edge and abs(got.intervals[1, 0] - cut) <= edge
    assert abs(got.intervals[1, 1] - int(0.4 * rate)) <= edge


def test_a_key_too_short_on_each_side_of_a_cut_is_no_key() -> None:
    rate = 16000
    quiet = np.zeros(int(0.2 * rate))
    x = np.concatenate([quiet, dtmf_tone("3", 0.05, rate), quiet])  # 25 ms on each side
    assert detect_dtmf(x, rate)[0].keys == "3"
    assert detect_dtmf(x, rate, boundaries=[int(0.225 * rate)])[0].keys == ""


@pytest.mark.parametrize(
    ("rate", "frame_s", "hop_s"),
    [(16000, 0.0256, 0.010), (8000, 0.0256, 0.010), (16000, 0.040, 0.020), (16000, 0.030, 0.040)],
)
def test_frame_powers_are_each_frames_own_dft(rate: int, frame_s: float, hop_s: float) -> None:
    # The detector sums hop-long blocks into frames (two blocks and a part at the defaults, whole
    # blocks only, or a part only when the frame is shorter than the hop); the truth is each
    # frame projected on its own. Two float64 evaluations of a sum of F terms of size |x| differ
    # by at most 2 gamma(F) sum |x| (a few more roundings for the phase tables and turns).
    detector = DtmfDetector(rate, frame_s=frame_s, hop_s=hop_s)
    frame, hop = detector.frame, detector.hop
    x = np.random.default_rng(4).uniform(-1, 1, (2, rate // 2))
    count = frame_count(x.shape[1], frame, hop)
    power, energy = detector._measure(np.pad(x, ((0, 0), (0, hop))), count)
    windows = np.lib.stride_tricks.sliding_window_view(x, frame, axis=1)[:, ::hop][:, :count]
    hz = np.array([ROWS[k] for k in "147*"] + [COLUMNS[k] for k in "123A"], float)
    table = np.exp(-2j * np.pi * np.arange(frame)[:, np.newaxis] * hz / rate)
    exact = windows @ table  # (channels, frames, 8)
    delta = 2 * gamma(frame + 8, U64) * np.abs(windows).sum(-1)[..., np.newaxis]
    bound = (2 * np.abs(exact) * delta + delta**2) * 2 / frame**2
    want = np.abs(exact) ** 2 * 2 / frame**2
    assert (np.abs(power.transpose(1, 0, 2) - want) <= bound).all()
    squares = (windows**2).sum(-1)
    assert (np.abs(energy.T - squares) <= 2 * gamma(frame, U64) * squares).all()
