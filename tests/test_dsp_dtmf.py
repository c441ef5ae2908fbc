from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import resample_poly

from callrec.audio import read_audio
from callrec.dsp import DtmfDetector, DtmfTones, detect_dtmf
from callrec.dsp.dtmf import _second_largest
from callrec.dsp.frames import frame_count

from .conftest import MEDIA, SAMPLES
from .signals import COLUMNS, ROWS, band_noise, dtmf_tone, to_int16
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
    every = np.ones((len(x), count), bool)
    rows, blocks = detector._blocks(np.pad(x, ((0, 0), (0, hop))), every)
    power = detector._power(detector._project(blocks, count + detector._whole), rows)
    energy = detector._energy(blocks, rows)
    power, energy = power.reshape(len(x), count, 8), energy.reshape(len(x), count)
    windows = np.lib.stride_tricks.sliding_window_view(x, frame, axis=1)[:, ::hop][:, :count]
    hz = np.array([ROWS[k] for k in "147*"] + [COLUMNS[k] for k in "123A"], float)
    table = np.exp(-2j * np.pi * np.arange(frame)[:, np.newaxis] * hz / rate)
    exact = windows @ table  # (channels, frames, 8)
    delta = 2 * gamma(frame + 8, U64) * np.abs(windows).sum(-1)[..., np.newaxis]
    bound = (2 * np.abs(exact) * delta + delta**2) * 2 / frame**2
    want = np.abs(exact) ** 2 * 2 / frame**2
    assert (np.abs(power - want) <= bound).all()
    squares = (windows**2).sum(-1)
    assert (np.abs(energy - squares) <= 2 * gamma(frame, U64) * squares).all()


# The screens (see the module notes of callrec.dsp.dtmf) skip frames that cannot hold a key. With
# them switched off every frame is measured and classified: both must give the same keys, to the
# sample, for every input, and both what detect_dtmf gives on the whole array.

SAMPLE_MEDIA = [
    *sorted(p for p in SAMPLES.rglob("*") if p.suffix in {".wav", ".mp3"}),
    MEDIA / "speech-16k.wav",
]


def fed(
    x: np.ndarray,
    rate: int,
    *,
    screen: bool,
    blocks: Sequence[int] = (),
    boundaries: Sequence[int] = (),
    **options: float,
) -> tuple[DtmfTones, ...]:
    """The keys a DtmfDetector finds in ``x``, fed cut at ``blocks`` (and ``cut()`` at each of
    ``boundaries``), its screens on or off."""
    detector = DtmfDetector(rate, **options)
    detector._prescreen = screen
    position = 0
    for stop in sorted({*blocks, *boundaries, len(x)}):
        detector.update(x[position:stop])
        if stop in boundaries:  # before the samples from ``stop`` on
            detector.cut()
        position = stop
    return detector.result()


def same_keys(a: tuple[DtmfTones, ...], b: tuple[DtmfTones, ...]) -> None:
    assert len(a) == len(b)
    for p, q in zip(a, b, strict=True):
        assert p.keys == q.keys
        assert p.intervals.dtype == q.intervals.dtype and np.array_equal(p.intervals, q.intervals)


def screened_same(
    x: np.ndarray,
    rate: int,
    *,
    blocks: Sequence[int] = (),
    boundaries: Sequence[int] = (),
    **options: float,
) -> tuple[DtmfTones, ...]:
    """The keys of ``x``, checked identical with and without the screens, fed whole and in
    ``blocks``, and to detect_dtmf."""
    whole = detect_dtmf(x, rate, boundaries=boundaries, **options)
    for cuts in ([], blocks):
        for screen in (True, False):
            same_keys(
                whole, fed(x, rate, screen=screen, blocks=cuts, boundaries=boundaries, **options)
            )
    return whole


@pytest.mark.parametrize("path", SAMPLE_MEDIA, ids=lambda p: p.name)
def test_the_screens_change_no_key_in_the_sample_recordings(path: Path) -> None:
    x, rate = read_audio(path)
    step = rate // 3 + 17
    found = screened_same(x, rate, blocks=list(range(step, len(x), step)))
    screened_same(x, rate, boundaries=[len(x) // 3, len(x) // 2 + 5])
    if path.parent.name == "record-response" and path.stem.startswith("17e3"):
        assert found[0].keys == "#"  # the one sample with a key: not a vacuous comparison


def at_levels(rate: int, levels: list[float], twists: list[float], seed: int) -> np.ndarray:
    """Keys at each (peak) level and twist, 30 to 90 ms long, with gaps, over faint noise."""
    rng = np.random.default_rng(seed)
    parts = []
    for level in levels:
        for twist in twists:
            key = ALL_KEYS[int(rng.integers(len(ALL_KEYS)))]
            tone_s = float(rng.uniform(0.03, 0.09))
            parts += [dtmf_tone(key, tone_s, rate, level_dbfs=level, twist_db=twist)]
            parts += [np.zeros(int(rng.integers(rate // 50, rate // 10)))]
    x = np.concatenate(parts)
    return x + rng.standard_normal(len(x)) * 10 ** (-75 / 20)


# A tone at peak level L has a power of L - 3.01 dB: the threshold -45 dBFS is a peak of -41.99.
EDGE_LEVELS = [-60.0, -50.0, -45.0, -42.1, -42.0, -41.99, -41.98, -41.9, -40.0, -30.0, -10.0, 0.0]
EDGE_TWISTS = [-9.0, -8.05, -8.0, -7.95, -4.0, 0.0, 3.95, 4.0, 4.05, 6.0]


@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_the_screens_change_no_key_at_the_level_and_twist_limits(rate: int) -> None:
    x = at_levels(rate, EDGE_LEVELS, EDGE_TWISTS, seed=rate)
    (found,) = screened_same(x, rate, blocks=[len(x) // 3])
    # Some keys pass and some do not: the comparison is at the limits, not all one way.
    assert 0 < len(found.keys) < len(EDGE_LEVELS) * len(EDGE_TWISTS)


@pytest.mark.parametrize("dtype", ["int16", "int32", "float32", "float64"])
def test_the_screens_change_no_key_for_any_sample_type(dtype: str) -> None:
    x = at_levels(16000, EDGE_LEVELS[::2], EDGE_TWISTS[::3], seed=5) * 0.7
    typed = {
        "int16": to_int16(x),
        "int32": np.clip(np.rint(x * 2.0**31), -(2**31), 2**31 - 1).astype(np.int32),
        "float32": x.astype(np.float32),
        "float64": x,
    }[dtype]
    found = screened_same(typed, 16000, blocks=[5000, 5001, 12345])
    assert found[0].keys


def test_the_screens_change_no_key_over_speech_like_noise() -> None:
    rng = np.random.default_rng(11)
    rate = 16000
    x = at_levels(rate, [-40.0, -30.0, -20.0, -10.0], [-6.0, 0.0, 3.0], seed=3)
    channels = [x + band_noise(len(x) / rate, rate, db, rng) for db in (-50.0, -35.0, -25.0)]
    speech, _ = soundfile.read(MEDIA / "speech-16k.wav", dtype="float64")
    speech = np.resize(speech, len(x))
    channels.append(x * 0.5 + speech)  # keys and speech at once
    found = screened_same(np.stack(channels, axis=1), rate, boundaries=[len(x) // 2])
    assert all(tones.keys for tones in found)


def test_the_screens_change_no_key_at_cuts() -> None:
    rate = 8000
    x = at_levels(rate, [-41.99, -30.0], [-7.9, 0.0, 3.9], seed=8)
    step = len(x) // 7
    for shift in (0, 1, 79, 80, 81, 204):
        screened_same(x, rate, boundaries=list(range(shift, len(x), step)), blocks=[333])


@pytest.mark.parametrize(
    "options",
    [
        {"frame_s": 0.04, "hop_s": 0.02},  # whole blocks only
        {"frame_s": 0.03, "hop_s": 0.04},  # a part only: frames shorter than the hop
        {"frame_s": 0.05, "hop_s": 0.005},
        {"min_tone_fraction": 0.0, "min_peak_ratio_db": 0.0},
        {"min_tone_dbfs": -75.0},
        {"min_tone_dbfs": -210.0},  # below what the screens take: every frame is measured
    ],
    ids=str,
)
def test_the_screens_change_no_key_with_other_options(options: dict[str, float]) -> None:
    x = at_levels(16000, [*EDGE_LEVELS[::2], -72.0, -70.0], EDGE_TWISTS[::2], seed=13)
    screened_same(x, 16000, blocks=[7777], boundaries=[len(x) // 2], **options)


# The float64 measurement warns of inf and overflow in such frames, as it always has.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("special", [np.nan, np.inf, 1e25, 1e-25, 1e160])
def test_the_screens_change_no_key_with_extreme_samples(special: float) -> None:
    x = at_levels(16000, [-30.0, -10.0], [0.0], seed=2)
    if special > 1e10 or special < 1e-10:
        x = x * special  # beyond float32's range, or below its normal numbers
    else:
        x[len(x) // 3] = special
    screened_same(x, 16000, blocks=[len(x) // 2])


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_screens_change_no_key_anywhere(data: st.DataObject) -> None:
    rate = data.draw(st.sampled_from([8000, 16000, 44100]), label="rate")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    n = int(data.draw(st.floats(0.05, 1.5), label="seconds") * rate)
    x = rng.standard_normal(n) * 10 ** (data.draw(st.floats(-90, -20), label="noise_db") / 20)
    for _ in range(data.draw(st.integers(0, 6), label="keys")):
        key = data.draw(st.sampled_from(ALL_KEYS))
        tone = dtmf_tone(
            key,
            data.draw(st.floats(0.01, 0.3)),
            rate,
            level_dbfs=data.draw(st.floats(-50, 0)),
            twist_db=data.draw(st.floats(-10, 6)),
        )[: n // 2]
        at = data.draw(st.integers(0, n - len(tone)))
        x[at : at + len(tone)] += tone
    anywhere = st.integers(0, n)
    blocks = data.draw(st.lists(st.one_of(st.integers(0, 400), anywhere), max_size=12))
    boundaries = sorted(set(data.draw(st.lists(anywhere, max_size=4), label="boundaries")))
    x = to_int16(x) if data.draw(st.booleans(), label="int16") else x
    screened_same(x, rate, blocks=blocks, boundaries=boundaries)


@pytest.mark.parametrize("rate", [16000, 44100, 48000])
def test_powers_of_some_frames_are_those_of_all_frames_bit_for_bit(rate: int) -> None:
    # The screened frames' spectra are made from the blocks they read alone: each must be what
    # measuring every frame gives, whichever frames are measured (a product of fewer rows would
    # give BLAS another kernel, with other roundings). To the bit at 16 kHz on every OpenBLAS
    # kernel. At 44.1 and 48 kHz (hops of 441 and 480 samples), OpenBLAS's Haswell kernel sums
    # some products in another order for other data in the padded rows: measured 1.8e-16 and
    # 5.2e-16 of the largest power. Bound: a sum of ``hop`` products, each summand off by at most
    # an ulp per addition, squared: 4 * hop * eps of the largest power.
    detector = DtmfDetector(rate)
    x = np.random.default_rng(rate).uniform(-1, 1, (2, rate))
    hop, whole = detector.hop, detector._whole
    count = frame_count(x.shape[1], detector.frame, hop)
    padded = np.pad(x, ((0, 0), (0, hop)))

    def measured(channel: np.ndarray, number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        frames = np.zeros((len(x), count), bool)
        frames[channel, number] = True
        rows, blocks = detector._blocks(padded, frames)
        power = detector._power(detector._project(blocks, count + whole), rows)
        return power, detector._energy(blocks, rows)

    channel, number = np.divmod(np.arange(2 * count), count)
    power, energy = measured(channel, number)
    for pick in ([0], [count + 5], [3, 4, 5, count + 70], list(range(0, 2 * count, 7))):
        some = measured(channel[pick], number[pick])
        assert np.array_equal(some[1], energy[pick])
        if rate == 16000:
            assert np.array_equal(some[0], power[pick])
        else:
            bound = 4 * hop * np.finfo(np.float64).eps * power[pick].max()
            assert np.abs(some[0] - power[pick]).max() <= bound


def test_the_screens_leave_speech_and_noise_unmeasured() -> None:
    # What makes the detector cheap: frames of speech and noise never reach the float64 spectra.
    speech, rate = soundfile.read(MEDIA / "speech-16k.wav", dtype="float64")
    x = speech + np.random.default_rng(1).standard_normal(len(speech)) * 10 ** (-62 / 20)
    detector = DtmfDetector(rate)
    measured: list[int] = []
    classify = detector._classify

    def counted(power: np.ndarray, energy: np.ndarray) -> np.ndarray:
        measured.append(len(power))
        return classify(power, energy)

    detector._classify = counted  # type: ignore[method-assign]
    detector.update(to_int16(x))
    assert detector.result()[0].keys == "" and sum(measured) == 0


def test_the_second_largest_is_what_a_sort_gives() -> None:
    rng = np.random.default_rng(6)
    x = rng.choice([0.0, 1e-300, 0.5, 0.5, 2.0, 3.0, np.inf], (5000, 4))  # ties, zeros, inf
    x = np.concatenate([x, rng.exponential(1.0, (5000, 4))])
    assert np.array_equal(_second_largest(x), np.sort(x, axis=-1)[:, -2])
