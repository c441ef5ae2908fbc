"""Block size never changes a result; channels never influence each other."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callrec.dsp import (
    FEATURES,
    Analysis,
    Analyzer,
    DtmfDetector,
    FrameRms,
    LevelMeter,
    LoudnessMeter,
    SpeechDetector,
    analyze,
    detect_dtmf,
    frame_rms_db,
    levels,
    loudness,
    speech_activity,
)
from callrec.dsp._blocks import grid_frames
from callrec.errors import UsageError

from .signals import dtmf_tone, to_int16
from .tolerances import loudness_bounds, step_power_bound

RATE = 8000


def material(seconds: float, channels: int, seed: int) -> np.ndarray:
    """Noise with bursts and a DTMF key: something for every feature to find."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    x = rng.standard_normal((n, channels)) * 10 ** (-65 / 20)
    for c in range(channels):
        for _ in range(4):
            a = int(rng.integers(0, n - n // 4))
            x[a : a + int(rng.integers(n // 40, n // 4)), c] += rng.standard_normal() * 0.1
        key = dtmf_tone("5", 0.1, RATE, level_dbfs=-12)
        b = int(rng.integers(0, n - len(key)))
        x[b : b + len(key), c] += key
    return x


def split(x: np.ndarray, cuts: list[int]) -> list[np.ndarray]:
    points = sorted({min(max(c, 0), len(x)) for c in cuts})
    return np.split(x, points)


def same(a: Any, b: Any, *, rtol: float = 0.0) -> None:
    """Equal field by field, array by array (NaN equal to NaN); exactly unless ``rtol`` > 0."""
    if isinstance(a, (np.ndarray, np.floating, float)) and np.asarray(a).dtype.kind == "f":
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape
        if rtol:
            assert np.allclose(a, b, rtol=rtol, atol=0.0, equal_nan=True)
        else:
            assert np.array_equal(a, b, equal_nan=True)
    elif isinstance(a, np.ndarray):
        assert a.shape == b.shape and np.array_equal(a, b)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for p, q in zip(a, b, strict=True):
            same(p, q, rtol=rtol)
    elif hasattr(a, "__dataclass_fields__"):
        for f in fields(a):
            same(getattr(a, f.name), getattr(b, f.name), rtol=rtol)
    else:
        assert a == b


ACCUMULATORS: dict[str, Callable[[], Any]] = {
    "frame_rms": lambda: FrameRms(RATE, frame_s=0.025, hop_s=0.010),
    "levels": lambda: LevelMeter(RATE),
    "loudness": lambda: LoudnessMeter(RATE),
    "activity": lambda: SpeechDetector(RATE),
    "activity_25ms": lambda: SpeechDetector(RATE, frame_s=0.025, hop_s=0.010, pad_s=0.05),
    "dtmf": lambda: DtmfDetector(RATE),
}


def feed(acc: Any, x: np.ndarray, cuts: list[int], boundaries: list[int]) -> Any:
    """``x`` fed in the blocks ``cuts`` and ``boundaries`` make, with ``acc.cut()`` at each
    boundary; the result."""
    position = 0
    for block in split(x, cuts + boundaries):
        if position in boundaries:
            acc.cut()
        acc.update(block)
        position += len(block)
    if position in boundaries:
        acc.cut()
    return acc.result()


@pytest.mark.parametrize("name", sorted(ACCUMULATORS))
@pytest.mark.parametrize("dtype", ["int16", "float32"])
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_block_size_does_not_change_the_result(name: str, dtype: str, data: st.DataObject) -> None:
    # 17 s at 8 kHz is more than one grid block of 2 channels (131072 frames)
    seconds = data.draw(st.sampled_from([0.4, 3.0, 17.0]), label="seconds")
    x = material(seconds, 2, seed=data.draw(st.integers(0, 3), label="seed"))
    x = to_int16(x) if dtype == "int16" else x.astype(np.float32)
    small = st.integers(0, 300)  # blocks shorter than a frame happen here
    anywhere = st.integers(0, len(x))
    cuts = data.draw(st.lists(st.one_of(small, anywhere), max_size=40), label="cuts")
    whole = ACCUMULATORS[name]()
    boundaries: list[int] = []
    if hasattr(whole, "cut"):  # where the audio is not continuous: pauses, chunk joins
        boundaries = sorted(data.draw(st.lists(anywhere, max_size=6), label="boundaries"))
    expected = feed(whole, x, [], boundaries)
    same(expected, feed(ACCUMULATORS[name](), x, cuts, boundaries))
    found: list[np.ndarray] = []  # what a cut must split: speech and keys
    if isinstance(whole, SpeechDetector):
        found = list(expected.intervals)
    elif isinstance(whole, DtmfDetector):
        found = [tones.intervals for tones in expected]
    for iv in found:
        for b in boundaries:
            assert not ((iv[:, 0] < b) & (b < iv[:, 1])).any(), "an interval crosses a cut"


@pytest.mark.parametrize("name", ["activity", "activity_25ms", "dtmf", "levels"])
def test_cuts_on_and_beside_grid_block_edges(name: str) -> None:
    # A block that ends on a grid edge is consumed before the cut there is made: the cut then
    # waits for the next grid block, which must give what cutting inside a block gives.
    grid = grid_frames(1)
    x = to_int16(material((2 * grid + 5000) / RATE, 1, seed=8))
    boundaries = [grid - 1, grid, grid + 1, 2 * grid, len(x) - 3]
    expected = feed(ACCUMULATORS[name](), x, [], boundaries)
    for blocks in ([grid], [grid // 2, grid, 2 * grid], list(range(0, len(x), 7919))):
        same(expected, feed(ACCUMULATORS[name](), x, blocks, boundaries))
    if name == "activity":
        same(expected, speech_activity(x, RATE, boundaries=boundaries))
    if name == "dtmf":
        same(expected, detect_dtmf(x, RATE, boundaries=boundaries))


def test_blocks_of_one_frame_and_of_the_grid_size() -> None:
    grid_size = grid_frames(1)
    x = to_int16(material(grid_size * 2.5 / RATE, 1, seed=9))
    whole = LoudnessMeter(RATE)
    whole.update(x)
    ones, grid = LoudnessMeter(RATE), LoudnessMeter(RATE)
    for i in range(0, 3000):
        ones.update(x[i : i + 1])
    ones.update(x[3000:])
    for i in range(0, len(x), grid_size):
        grid.update(x[i : i + grid_size])
    same(whole.result(), ones.result())
    same(whole.result(), grid.result())


def test_loudness_streaming_within_a_thousandth_of_an_lu_of_a_one_shot_filter() -> None:
    from scipy.signal import sosfilt

    from callrec.dsp import k_weighting_sos

    x = material(12.0, 1, seed=2)
    y = sosfilt(k_weighting_sos(RATE), x, axis=0)
    step = RATE // 10
    power = (y[: len(y) // step * step] ** 2).reshape(-1, step).mean(axis=1)
    blocks = np.lib.stride_tricks.sliding_window_view(power, 4).mean(axis=1)
    lufs = -0.691 + 10 * np.log10(blocks)
    gated = blocks[lufs > -70]
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10
    final = blocks[(lufs > -70) & (lufs > relative)]
    reference = -0.691 + 10 * np.log10(final.mean())
    assert loudness(x, RATE).integrated_lufs[0] == pytest.approx(reference, abs=0.001)


def test_loudness_step_powers_within_a_hundred_thousandth_of_a_db_of_float64() -> None:
    """The meter filters in float32; loud and quiet int16 steps stay true to float64."""
    from scipy.signal import sosfilt

    from callrec.dsp import LoudnessMeter, k_weighting_sos

    rate = 16000
    rng = np.random.default_rng(12)
    gains = np.repeat(10 ** (rng.uniform(-60, 0, 40) / 20), rate // 2)  # 20 s, new gain every 0.5 s
    x = np.clip(
        np.rint(rng.standard_normal((len(gains), 3)) * gains[:, None] * 9000), -32768, 32767
    )
    x = x.astype(np.int16)
    meter = LoudnessMeter(rate)
    for start in range(0, len(x), 7001):
        meter.update(x[start : start + 7001])
    got = meter.result().step_power
    y = sosfilt(k_weighting_sos(rate), x / 32768.0, axis=0)
    step = rate // 10
    expected = (y[: len(y) // step * step] ** 2).reshape(-1, step, 3).mean(axis=1)
    np.testing.assert_allclose(10 * np.log10(got / expected), 0.0, atol=1e-5)


MULTI: dict[str, Callable[[np.ndarray], Any]] = {
    "frame_rms": lambda x: [frame_rms_db(x, RATE)[:, c] for c in range(x.shape[1])],
    "levels": lambda x: levels(x, RATE),
    "loudness": lambda x: loudness(x, RATE),
    "activity": lambda x: speech_activity(x, RATE),
    "dtmf": lambda x: detect_dtmf(x, RATE),
}


def channel(result: Any, c: int, name: str) -> Any:
    """The part of a multichannel result that belongs to channel ``c``."""
    if name == "frame_rms":
        return result[c]
    if name == "dtmf":
        return result[c]
    if name == "loudness":
        return (result.integrated_lufs[c], result.range_lu[c], result.step_power[:, c])
    if name == "activity":
        return (result.intervals[c], result.noise_floor_dbfs[c], result.on_dbfs[c])
    return [getattr(result, f.name)[c] for f in fields(result)]


@pytest.mark.parametrize("name", sorted(set(MULTI) - {"loudness"}))
@pytest.mark.parametrize("dtype", ["int16", "float64"])
def test_multichannel_equals_per_channel(name: str, dtype: str) -> None:
    """Bit-identical: these features reduce each channel along its own row with numpy's own
    loops (no BLAS), and their int16 sums are exact in any order."""
    x = material(6.0, 5, seed=4)
    x = to_int16(x) if dtype == "int16" else x
    together = MULTI[name](x)
    for c in range(5):
        alone = MULTI[name](x[:, c : c + 1])
        same(channel(together, c, name), channel(alone, 0, name))


@pytest.mark.parametrize("dtype", ["int16", "float64"])
@pytest.mark.parametrize("rate", [8000, 16000, 48000])
def test_loudness_of_a_channel_does_not_depend_on_its_neighbours(dtype: str, rate: int) -> None:
    """Within the float32 rounding the arithmetic allows (tests/tolerances.py): the filter's
    products round differently with the BLAS kernel and with how many channels share them."""
    from scipy.signal import sosfilt

    from callrec.dsp import k_weighting_sos

    x = material(6.0, 5, seed=4)
    if rate != RATE:  # the same material, stretched: the bounds scale with the step length
        x = np.repeat(x, rate // RATE, axis=0)
    x = to_int16(x) if dtype == "int16" else x
    scaled = x / 32768.0 if dtype == "int16" else x
    peaks = np.abs(sosfilt(k_weighting_sos(rate), scaled, axis=0)).max(axis=0)
    together = loudness(x, rate)
    for c in range(5):
        alone = loudness(x[:, c : c + 1], rate)
        steps = step_power_bound(alone, 0, float(peaks[c]))
        assert np.all(np.abs(together.step_power[:, c] - alone.step_power[:, 0]) <= steps)
        integrated, loudness_range = loudness_bounds(alone, 0, float(peaks[c]))
        assert abs(together.integrated_lufs[c] - alone.integrated_lufs[0]) <= integrated
        assert abs(together.range_lu[c] - alone.range_lu[0]) <= loudness_range
        # What the README promises, from the bounds at these rates.
        assert integrated <= 0.003 and loudness_range <= 0.01
    # A mutant that leaks a neighbour into a channel by a thousandth of its amplitude fails here.
    leaky = x.astype(np.float64)
    leaky[:, 1] += 1e-3 * leaky[:, 0]
    leaked = loudness(leaky.astype(x.dtype) if dtype == "float64" else leaky.astype(np.int16), rate)
    alone = loudness(x[:, 1:2], rate)
    assert np.any(
        np.abs(leaked.step_power[:, 1] - alone.step_power[:, 0])
        > step_power_bound(alone, 0, float(peaks[1]))
    )


def keys_of(x: np.ndarray, boundaries: list[int] | None = None) -> list[np.ndarray]:
    """Each channel's keys, widened by the guard the Analyzer keeps out of speech."""
    from callrec.dsp.dtmf import KEY_GUARD_S
    from callrec.dsp.intervals import pad

    guard = round(KEY_GUARD_S * RATE)
    found = detect_dtmf(x, RATE, boundaries=boundaries or [])
    return [pad(t.intervals, guard, len(x)) for t in found]


def test_analyzer_is_the_single_features_in_one_pass() -> None:
    x = to_int16(material(5.0, 3, seed=5))
    got = analyze(x, RATE, features=("levels", "loudness", "activity", "dtmf"))
    same(got.levels, levels(x, RATE))
    same(got.loudness, loudness(x, RATE))
    same(got.dtmf, detect_dtmf(x, RATE))
    same(got.activity, speech_activity(x, RATE, exclude=keys_of(x)))
    # The material holds a key on every channel: without dtmf, it is speech.
    alone = analyze(x, RATE, features=("activity",)).activity
    assert alone is not None and got.activity is not None
    assert not all(
        np.array_equal(a, b) for a, b in zip(alone.intervals, got.activity.intervals, strict=True)
    )
    assert got.frames == len(x) and got.channels == 3
    assert analyze(x, RATE).dtmf is None


def test_analyzer_cuts_are_the_single_features_cuts() -> None:
    x = to_int16(material(5.0, 3, seed=5))
    boundaries = [9000, 20011, 31000]
    got = analyze(x, RATE, features=FEATURES, boundaries=boundaries)
    same(
        got.activity,
        speech_activity(x, RATE, boundaries=boundaries, exclude=keys_of(x, boundaries)),
    )
    same(got.levels, feed(LevelMeter(RATE), x, [], boundaries))
    whole = levels(x, RATE)  # int16 sums are exact: a cut moves only the noise floor's frames
    same((got.levels.rms_dbfs, got.levels.dc_offset), (whole.rms_dbfs, whole.dc_offset))
    same(got.loudness, loudness(x, RATE))  # loudness runs on over cuts
    same(got.dtmf, detect_dtmf(x, RATE, boundaries=boundaries))
    same(got, feed(Analyzer(RATE, features=FEATURES), x, [1234, 20011, 40000], boundaries))


@pytest.mark.parametrize("make", [lambda: LevelMeter(RATE), lambda: Analyzer(RATE)])
def test_feeding_misuse_is_a_usage_error(make: Callable[[], Any]) -> None:
    fed = make()
    with pytest.raises(UsageError, match="at least one block"):
        fed.result()
    fed.update(np.zeros((10, 2), np.int16))
    with pytest.raises(UsageError, match="2 of int16"):
        fed.update(np.zeros((10, 3), np.int16))
    with pytest.raises(UsageError, match="2 of int16"):
        fed.update(np.zeros((10, 2), np.float32))
    fed.result()
    with pytest.raises(UsageError, match="after result"):
        fed.update(np.zeros((10, 2), np.int16))


def test_accumulator_misuse_is_a_usage_error() -> None:
    meter = LevelMeter(RATE)
    meter.update(np.zeros((10, 2), np.int16))
    meter.result()
    with pytest.raises(UsageError, match="after result"):
        meter.cut()
    detector = SpeechDetector(RATE)
    detector.update(np.zeros((10, 2), np.int16))
    detector.result()
    with pytest.raises(UsageError, match="after result"):
        detector.cut()
    with pytest.raises(UsageError, match="unknown feature"):
        Analyzer(RATE, features=["levels", "pitch"])


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_channel_major_blocks_give_the_same_analysis(data: st.DataObject) -> None:
    # The pass feeds unmixed media channel-major (the transpose of C-ordered rows), which the
    # parts read without a copy; the figures must be those of the interleaved frames.
    channels = data.draw(st.integers(1, 3), label="channels")
    x = to_int16(material(17.0, channels, seed=data.draw(st.integers(0, 3), label="seed")))
    anywhere = st.integers(0, len(x))
    cuts = data.draw(st.lists(anywhere, max_size=8), label="cuts")
    boundaries = sorted(data.draw(st.lists(anywhere, max_size=3), label="boundaries"))
    expected = feed(Analyzer(RATE, features=FEATURES), x, cuts, boundaries)
    analyzer = Analyzer(RATE, features=FEATURES)
    position = 0
    for block in split(x, cuts + boundaries):
        if position in boundaries:
            analyzer.cut()
        channel_major = np.ascontiguousarray(block.T).T
        analyzer.update(channel_major)
        channel_major[:] = 0  # the caller may reuse its array once update returns
        position += len(block)
    if position in boundaries:
        analyzer.cut()
    same(expected, analyzer.result())


@pytest.mark.parametrize("name", [*sorted(ACCUMULATORS), "analyzer"])
def test_fed_only_empty_blocks_each_measures_nothing(name: str) -> None:
    fed = ACCUMULATORS[name]() if name in ACCUMULATORS else Analyzer(RATE, features=FEATURES)
    for _ in range(2):
        fed.update(np.zeros((0, 2), np.int16))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing divided by zero frames on the way
        got = fed.result()
    found = got if isinstance(got, Analysis) else Analysis(RATE, 0, 2)
    if isinstance(fed, LevelMeter):
        found = replace(found, levels=got)
    elif isinstance(fed, LoudnessMeter):
        found = replace(found, loudness=got)
    elif isinstance(fed, SpeechDetector):
        found = replace(found, activity=got)
    elif isinstance(fed, DtmfDetector):
        found = replace(found, dtmf=got)
    elif isinstance(fed, FrameRms):  # frame levels: none
        assert got.shape == (0, 2)
    assert (found.frames, found.channels) == (0, 2)
    if found.levels is not None:
        assert list(found.levels.frames) == [0, 0] and list(found.levels.clipped) == [0, 0]
        assert (
            np.isneginf(found.levels.peak_dbfs).all() and np.isneginf(found.levels.rms_dbfs).all()
        )
    if found.loudness is not None:
        assert np.isneginf(found.loudness.integrated_lufs).all()
    if found.activity is not None:
        assert [len(speech) for speech in found.activity.intervals] == [0, 0]
    if found.dtmf is not None:
        assert [(t.keys, len(t.intervals)) for t in found.dtmf] == [("", 0), ("", 0)]
    if isinstance(got, Analysis):
        assert got.echo == () and None not in (got.levels, got.loudness, got.activity)
