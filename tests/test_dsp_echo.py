"""Echo between channels, against known truth: a source, its delayed and attenuated copy in the
target beside the target's own speech, and what must not pass for an echo."""

from __future__ import annotations

import itertools
import tracemalloc
import warnings
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from callrec.dsp import (
    Analyzer,
    Echo,
    EchoOptions,
    SpeechDetector,
    analyze,
    find_echoes,
)
from callrec.dsp import echo as echo_module
from callrec.errors import UsageError

from .conftest import MEDIA
from .signals import band_noise

RATE = 16_000
MS = RATE // 1000
HOP = 10 * MS  # the speech detector's default frame and hop
NOISE_DBFS = -80.0  # each channel's own low noise floor


def envelope(n: int, rng: np.random.Generator, depth_db: float) -> np.ndarray:
    """Syllables of 80-250 ms at random gains within +-``depth_db``, edges smoothed over 20 ms:
    the level contour speech has, which band noise alone lacks."""
    gains, at = np.empty(n), 0
    while at < n:
        size = int(rng.uniform(0.08, 0.25) * RATE)
        gains[at : at + size] = rng.uniform(-depth_db, depth_db)
        at += size
    smooth = 20 * MS
    gains = np.convolve(gains, np.ones(smooth) / smooth, "same")
    return np.asarray(10 ** (gains / 20))


def bursts(
    seconds: float,
    rng: np.random.Generator,
    level_dbfs: float,
    *,
    gaps: tuple[float, float],
    depth_db: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Speech-like bursts (telephone-band noise, 0.3-1.5 s, syllable contour) at random gaps,
    and the mask of the samples they cover."""
    n = round(seconds * RATE)
    x, on = np.zeros(n), np.zeros(n, bool)
    t = rng.uniform(*gaps)
    while True:
        a = round(t * RATE)
        b = a + round(rng.uniform(0.3, 1.5) * RATE)
        if b >= n:
            return x, on
        x[a:b] = band_noise((b - a) / RATE, RATE, level_dbfs, rng) * envelope(b - a, rng, depth_db)
        on[a:b] = True
        t = b / RATE + rng.uniform(*gaps)


def delayed(x: np.ndarray, samples: int) -> np.ndarray:
    out = np.zeros_like(x)
    out[samples:] = x[: len(x) - samples]
    return out


def int16(*channels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The channels side by side with their own noise floor, as 16-bit samples."""
    x = np.stack(channels, axis=1)
    x = x + rng.standard_normal(x.shape) * 10 ** (NOISE_DBFS / 20)
    return np.clip(np.rint(x * 32768), -32768, 32767).astype(np.int16)


@dataclass
class Scene:
    """Channel 0 speaks; channel 1 holds its echo and speaks too. Masks are of the target."""

    x: np.ndarray
    echo: np.ndarray  # the source's bursts, delayed
    own: np.ndarray  # the target's own bursts
    parts: tuple[np.ndarray, np.ndarray, np.ndarray]  # source, own speech, echo (full scale 1)


def scene(delay_ms: int, attenuation_db: float, *, seconds: float = 40.0, seed: int = 0) -> Scene:
    rng = np.random.default_rng(seed)
    source, source_on = bursts(seconds, rng, -26.0, gaps=(0.3, 1.5), depth_db=6.0)
    # Own speech 20 dB above the echo's mean level, with a flatter contour: at least 10 dB above
    # the echo in every frame of double talk.
    own, own_on = bursts(seconds, rng, -6.0 - attenuation_db, gaps=(1.0, 4.0), depth_db=2.0)
    d = delay_ms * MS
    echo = delayed(source, d) * 10 ** (-attenuation_db / 20)
    x = int16(source, own + echo, rng=rng)
    return Scene(x, delayed(source_on, d), own_on, (source, own, echo))


def detector_of(x: np.ndarray, boundaries: tuple[int, ...] = ()) -> SpeechDetector:
    detector = SpeechDetector(RATE)
    for i, piece in enumerate(np.split(x, list(boundaries))):
        if i:
            detector.cut()
        detector.update(piece)
    detector.result()
    return detector


def covered(intervals: np.ndarray, mask: np.ndarray) -> float:
    """The share of ``mask``'s samples that ``intervals`` cover."""
    inside = np.zeros(len(mask), bool)
    for a, b in intervals.tolist():
        inside[a:b] = True
    return float((inside & mask).sum() / max(int(mask.sum()), 1))


def same(a: Echo, b: Echo) -> None:
    for f in fields(Echo):
        p, q = getattr(a, f.name), getattr(b, f.name)
        assert np.array_equal(p, q) if isinstance(p, np.ndarray) else p == q, f.name


GRID = [(d, level) for d in (0, 60, 140, 300, 480) for level in (10, 20, 26, 35)]


@pytest.mark.parametrize(("delay_ms", "attenuation_db"), [*GRID, (137, 23)])
def test_an_echo_is_found_with_its_delay_level_and_the_frames_it_explains(
    delay_ms: int, attenuation_db: float
) -> None:
    s = scene(delay_ms, attenuation_db, seed=delay_ms + int(attenuation_db))
    found = analyze(s.x, RATE, features=("activity", "echo")).echo
    assert found is not None and len(found) == 1, found  # not the reverse: the level decides
    (echo,) = found
    assert (echo.source, echo.target) == (0, 1)
    assert abs(echo.delay - delay_ms * MS) <= 20 * MS
    assert abs(echo.attenuation_db - attenuation_db) <= 3.0
    assert echo.share >= EchoOptions().min_share
    assert echo.intervals.dtype == np.int64 and echo.intervals.shape[1] == 2
    assert covered(echo.intervals, s.echo & ~s.own) >= 0.9
    assert covered(echo.intervals, s.own & ~s.echo) <= 0.05  # own speech, the source silent
    assert covered(echo.intervals, s.own & s.echo) <= 0.2  # double talk stays speech


def test_echo_of_real_speech_through_the_detector() -> None:
    speech, rate = soundfile.read(MEDIA / "speech-16k.wav")
    assert rate == RATE
    rng = np.random.default_rng(7)
    source = np.tile(speech, 4) * 2.0  # 40 s of the three phrases
    own, own_on = bursts(len(source) / RATE, rng, -30.0, gaps=(2.0, 5.0), depth_db=3.0)
    x = int16(source, own + delayed(source, 90 * MS) * 10 ** (-18 / 20), rng=rng)
    detector = detector_of(x)
    (echo,) = detector.echoes()
    assert (echo.source, echo.target) == (0, 1)
    assert abs(echo.delay - 90 * MS) <= 20 * MS
    assert abs(echo.attenuation_db - 18.0) <= 3.0
    assert covered(echo.intervals, own_on & ~delayed(np.abs(source) > 0, 90 * MS)) <= 0.05


def conversation(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Two people taking turns, each on their own channel, sometimes talking over each other."""
    n = round(seconds * RATE)
    a, b = np.zeros(n), np.zeros(n)
    t, turn = 0.5, 0
    while t < seconds - 5:
        i, j = round(t * RATE), round((t + rng.uniform(0.5, 4.0)) * RATE)
        speaker, other = (a, b) if turn == 0 else (b, a)
        speaker[i:j] += band_noise((j - i) / RATE, RATE, rng.uniform(-30, -15), rng) * envelope(
            j - i, rng, 8.0
        )
        if rng.uniform() < 0.4:  # a backchannel or an interruption
            k = rng.integers(i, j - 4000)
            m = k + min(round(rng.uniform(0.25, 1.0) * RATE), j - k)
            other[k:m] += band_noise((m - k) / RATE, RATE, -25.0, rng) * envelope(m - k, rng, 8.0)
        t, turn = j / RATE + rng.uniform(-0.3, 1.0), 1 - turn
    return int16(a, b, rng=rng)


@pytest.mark.parametrize("seed", range(3))
def test_no_echo_between_two_people_in_conversation(seed: int) -> None:
    x = conversation(120.0, np.random.default_rng(seed))
    assert analyze(x, RATE, features=("activity", "echo")).echo == ()


@pytest.mark.parametrize("level_dbfs", [-45.0, -35.0, -30.0])
def test_no_echo_from_unrelated_sound_always_on_in_the_target(level_dbfs: float) -> None:
    # A television behind the customer: speech-like, at levels a 10-30 dB echo would have.
    # Leaving out the frames far from the echo's level difference would make these correlate.
    rng = np.random.default_rng(int(-level_dbfs))
    source, _ = bursts(120.0, rng, -20.0, gaps=(0.3, 1.5), depth_db=6.0)
    noise = band_noise(len(source) / RATE, RATE, level_dbfs, rng) * envelope(len(source), rng, 8)
    own, _ = bursts(120.0, rng, -25.0, gaps=(2.0, 6.0), depth_db=3.0)
    assert (
        analyze(int16(source, noise + own, rng=rng), RATE, features=("activity", "echo")).echo == ()
    )


def test_no_echo_in_a_silent_target() -> None:
    rng = np.random.default_rng(3)
    source, _ = bursts(40.0, rng, -20.0, gaps=(0.3, 1.5), depth_db=6.0)
    noise_only = int16(source, np.zeros_like(source), rng=rng)
    assert analyze(noise_only, RATE, features=("activity", "echo")).echo == ()
    digital_zero = noise_only.copy()
    digital_zero[:, 1] = 0
    assert analyze(digital_zero, RATE, features=("activity", "echo")).echo == ()


def test_a_copy_at_the_same_level_is_no_echo_but_one_12_db_down_is() -> None:
    # A channel copied into another at 0 dB is the same voice, not an echo 10-40 dB down, and
    # which one would be the source cannot be told: nothing is reported. 12 dB down, the copy
    # is what a 0 ms echo would be.
    rng = np.random.default_rng(4)
    source, _ = bursts(40.0, rng, -20.0, gaps=(0.3, 1.5), depth_db=6.0)
    x = int16(source, source, rng=rng)
    x[:, 1] = x[:, 0]
    assert analyze(x, RATE, features=("activity", "echo")).echo == ()
    quieter = analyze(int16(source, source / 4, rng=rng), RATE, features=("activity", "echo"))
    assert quieter.echo is not None and len(quieter.echo) == 1
    assert quieter.echo[0].delay == 0 and abs(quieter.echo[0].attenuation_db - 12.04) <= 1.0


def test_a_speakerphone_switched_off_halfway() -> None:
    s = scene(120, 20, seconds=120.0, seed=11)
    source, own, echo_part = s.parts
    first = np.arange(len(source)) < len(source) // 2
    # Then the target speaks quietly, at the echo's level: were the echo taken to be there
    # still, its speech while the source talks would pass for it.
    target = np.where(first, own + echo_part, own / 10)
    x = int16(source, target, rng=np.random.default_rng(12))
    (echo,) = analyze(x, RATE, features=("activity", "echo")).echo or ()
    assert abs(echo.delay - 120 * MS) <= 20 * MS and abs(echo.attenuation_db - 20) <= 3
    assert covered(echo.intervals, s.echo & ~s.own & first) >= 0.9
    assert covered(echo.intervals, s.own & s.echo & ~first) <= 0.05


def test_no_frame_is_paired_across_a_cut() -> None:
    s = scene(300, 20, seed=5)
    cut = 20 * RATE + 1234  # off the frame grid: the frames restart there
    detector = detector_of(s.x, (cut,))
    (echo,) = detector.echoes()
    assert abs(echo.delay - 300 * MS) <= 20 * MS
    spans = echo.intervals
    assert not ((spans[:, 0] < cut) & (cut < spans[:, 1])).any(), "an interval crosses the cut"
    # For the first 300 ms after the cut, the source's voice 300 ms earlier lies across it.
    assert not ((spans[:, 1] > cut) & (spans[:, 0] < cut + echo.delay - HOP)).any()
    assert covered(spans, s.echo & ~s.own) >= 0.9


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_block_size_and_float_levels_do_not_change_the_result(data: st.DataObject) -> None:
    s = scene(140, 20, seconds=40.0, seed=13)
    boundaries = sorted(data.draw(st.lists(st.integers(1, len(s.x) - 1), max_size=3)))
    whole = Analyzer(RATE, features=("activity", "echo"))
    for i, piece in enumerate(np.split(s.x, boundaries)):
        if i:
            whole.cut()
        whole.update(piece)
    expected = whole.result().echo
    assert expected is not None and len(expected) == 1
    cuts = sorted(data.draw(st.lists(st.integers(0, len(s.x)), max_size=30)))
    blocked = Analyzer(RATE, features=("activity", "echo"))
    position = 0
    for piece in np.split(s.x, sorted(set(cuts + boundaries))):
        if position in boundaries:
            blocked.cut()
        blocked.update(piece)
        position += len(piece)
    got = blocked.result().echo
    assert got is not None and len(got) == 1
    same(expected[0], got[0])
    # The same levels in float dBFS give the same echo: they are read as hundredths of a dB.
    detector = detector_of(s.x, tuple(boundaries))
    series, activity = detector.frame_levels(), detector.result()
    in_db = np.where(series.levels == np.iinfo(np.int16).min, -np.inf, series.levels / 100.0)
    (again,) = find_echoes(
        in_db,
        series.starts,
        detector.frame,
        activity.on_dbfs,
        hop=detector.hop,
        sample_rate=RATE,
        off_dbfs=activity.off_dbfs,
        floor_dbfs=activity.noise_floor_dbfs,
        boundaries=series.cuts,
        length=len(s.x),
    )
    same(expected[0], again)


def test_temporaries_stay_bounded_whatever_the_length() -> None:
    """The levels are read a piece at a time: the peak does not grow with the recording, and
    the lag scan holds no more pairs than it is allowed, whatever that is."""
    detector = detector_of(scene(140, 20, seconds=60.0, seed=17).x)
    series, activity = detector.frame_levels(), detector.result()

    def peak_of(minutes: int) -> tuple[int, tuple[Echo, ...]]:
        levels = np.tile(series.levels, (1, minutes))
        starts = np.arange(levels.shape[1], dtype=np.int64) * HOP
        tracemalloc.start()
        found = find_echoes(levels, starts, HOP, activity.on_dbfs, hop=HOP, sample_rate=RATE)
        peak = tracemalloc.get_traced_memory()[1] - sum(e.intervals.nbytes for e in found)
        tracemalloc.stop()
        return peak, found

    (short, _), (long, found) = peak_of(10), peak_of(60)
    assert len(found) == 1
    # The lag scan holds 32768 frame pairs (under 1 MB) and reads 16384 frames at a time, the
    # rest a window of 3000 frames; only the intervals found grow with the length.
    assert long < 3_000_000, long
    assert long < short + 200_000, (short, long)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(echo_module, "_SCAN_PAIRS", 1 << 12)
        small, again = peak_of(60)
    # Per pair the scan holds a keep flag, its target bin and level difference (int16) and its
    # flat bin (int32): 9 bytes; per kept pair (most of them here: an echo) its position (intp),
    # its flat bin and bincount's copy of that (int32, intp): 20 more. An eighth of the pairs
    # frees 7/8 * 32768 * 9 = 258 kB if none were kept, 831 kB if all were; 566 kB measured.
    assert small < long - 400_000, (small, long)
    same(found[0], again[0])  # counts do not depend on the pieces they are made in


SILENT = int(np.iinfo(np.int16).min)
SPAN = (echo_module._HIGHEST - echo_module._LOWEST) // echo_module._SCAN_BIN + 1


def slow_lag_histograms(
    levels: np.ndarray, firsts: list[int], thresholds: tuple[int, int], lags: int, stride: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lag scan's counts of channel 0 against channel 1, pair by pair, as the module notes
    define them: source frame ``i`` active (heard, at least *on*, ``i % stride == 0``), target
    frame ``i + k`` heard and at least its clear level, both in one segment."""
    on, clear = thresholds
    s_counts = np.zeros((lags, SPAN), np.int64)
    t_counts = np.zeros((lags, SPAN), np.int64)
    d_counts = np.zeros((lags, 2 * SPAN - 1), np.int64)

    def level(row: int, i: int) -> int | None:
        raw = int(levels[row, i])
        return None if raw == SILENT else min(max(raw, echo_module._LOWEST), echo_module._HIGHEST)

    def bin_of(value: int) -> int:
        return (value - echo_module._LOWEST) // echo_module._SCAN_BIN

    for first, end in itertools.pairwise(firsts):
        for i in range(first, end):
            s = level(0, i)
            if s is None or s < on or i % stride:
                continue
            for k in range(min(lags, end - i)):
                t = level(1, i + k)
                if t is None or t < clear:
                    continue
                s_counts[k, bin_of(s)] += 1
                t_counts[k, bin_of(t)] += 1
                d_counts[k, bin_of(s) - bin_of(t) + SPAN - 1] += 1
    return s_counts, t_counts, d_counts


def slow_lag_shares(
    counts: tuple[np.ndarray, np.ndarray, np.ndarray], least_pairs: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per lag, the whole rows' correlation and box sums (the module notes' definition)."""
    s_counts, t_counts, d_counts = counts
    lags, span = s_counts.shape
    box = np.ones(2 * (echo_module._BAND // echo_module._SCAN_BIN) + 1, np.int64)
    score, rough = np.zeros(lags), np.zeros(lags, np.int64)
    for lag in range(lags):
        pairs = int(s_counts[lag].sum())
        if pairs < least_pairs:
            continue
        chance = np.correlate(s_counts[lag], t_counts[lag], "full")
        excess = np.convolve(d_counts[lag], box, "same") * pairs - np.convolve(chance, box, "same")
        best = int(np.argmax(excess))
        score[lag] = excess[best] / pairs**2
        rough[lag] = (best - (span - 1)) * echo_module._SCAN_BIN
    return score, rough


def scan_plan(lags: int, least_pairs: float) -> Any:
    return echo_module._Plan(
        lags=lags, window=3000, least_pairs=least_pairs, hop=HOP, options=EchoOptions()
    )


@st.composite
def channel_levels(draw: st.DrawFn, frames: int) -> np.ndarray:
    """int16 centi-dB levels of one channel: within a band a few dozen dB wide (as speech and
    noise fill) or anywhere, digital silence sprinkled in or throughout, the type's extremes."""
    if draw(st.integers(0, 9)) == 0:
        return np.full(frames, SILENT, np.int16)
    centre = draw(st.integers(-11_000, 11_000))
    width = draw(st.sampled_from([0, 300, 3000, 25_000]))
    level = st.one_of(
        st.integers(centre - width, centre + width).map(lambda x: max(-32_767, min(x, 32_767))),
        st.sampled_from([SILENT, -32_767, 32_767]),
    )
    return np.array(draw(st.lists(level, min_size=frames, max_size=frames)), np.int16)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_lag_scan_counts_every_pair_once(data: st.DataObject) -> None:
    """The lag scan (pieces, pair matrices, bins ranges) and the shares taken from it against
    plain loops over the pairs and whole-row correlations; pieces and pair batches tiny or
    large, cuts, strides, thresholds anywhere, silent and empty channels."""
    frames = data.draw(st.integers(0, 160), label="frames")
    levels = np.stack([data.draw(channel_levels(frames)) for _ in range(2)])
    cuts = data.draw(st.lists(st.integers(0, frames * HOP), max_size=4), label="cuts")
    starts = np.arange(frames, dtype=np.int64) * HOP
    arr, grid = echo_module._checked(levels, starts, HOP, sorted(cuts), None)
    threshold = st.integers(-12_000, 12_000) | st.sampled_from([-(10**9), 10_001, 10**9])
    thresholds = (data.draw(threshold, label="on"), data.draw(threshold, label="clear"))
    lags = data.draw(st.integers(1, 12), label="lags")
    stride = data.draw(st.integers(1, 4), label="stride")
    least_pairs = data.draw(st.sampled_from([0.0, 1.0, 2.5, 40.0]), label="least_pairs")
    plan = scan_plan(lags, least_pairs)
    with pytest.MonkeyPatch.context() as patch, np.errstate(invalid="ignore"):
        patch.setattr(echo_module, "_SCAN_FRAMES", data.draw(st.sampled_from([1, 7, 1 << 14])))
        patch.setattr(echo_module, "_SCAN_PAIRS", data.draw(st.sampled_from([1, 20, 1 << 15])))
        counts = echo_module._lag_histograms(arr, grid, (0, 1), thresholds, plan, stride)
        shares = echo_module._lag_shares(counts, plan)
        expected = slow_lag_histograms(levels, grid.firsts.tolist(), thresholds, lags, stride)
        expected_shares = slow_lag_shares(expected, least_pairs)
    for got, want in zip(counts, expected, strict=True):
        assert got.dtype == want.dtype and np.array_equal(got, want)
    for got, want in zip(shares, expected_shares, strict=True):
        assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_lag_shares_of_any_counts_match_the_whole_rows(data: st.DataObject) -> None:
    """Counts that no scan would give (the differences unrelated to the levels, single bins at
    the ends of the range, excesses below zero everywhere) keep the shares exact too."""
    lags = data.draw(st.integers(1, 5), label="lags")
    counts = [np.zeros((lags, size), np.int64) for size in (SPAN, SPAN, 2 * SPAN - 1)]
    for found in counts:
        size = found.shape[1]
        column = st.integers(0, size - 1) | st.sampled_from([0, 1, size - 2, size - 1])
        cell = st.tuples(st.integers(0, lags - 1), column, st.integers(1, 10**6))
        for lag, at, count in data.draw(st.lists(cell, max_size=12)):
            found[lag, at] += count
    least_pairs = data.draw(st.sampled_from([0.0, 1.0, 10**7]), label="least_pairs")
    with np.errstate(invalid="ignore"):
        got = echo_module._lag_shares((counts[0], counts[1], counts[2]), scan_plan(lags, 0.0))
        want = slow_lag_shares((counts[0], counts[1], counts[2]), 0.0)
        assert all(np.array_equal(p, q, equal_nan=True) for p, q in zip(got, want, strict=True))
        plan = scan_plan(lags, least_pairs)
        got = echo_module._lag_shares((counts[0], counts[1], counts[2]), plan)
        want = slow_lag_shares((counts[0], counts[1], counts[2]), least_pairs)
    assert all(np.array_equal(p, q, equal_nan=True) for p, q in zip(got, want, strict=True))


def test_the_detector_hands_its_levels_over_without_a_copy() -> None:
    x = scene(60, 20, seconds=10.0, seed=1).x
    detector = SpeechDetector(RATE)
    detector.update(x)
    with pytest.raises(UsageError, match="result"):
        detector.frame_levels()
    with pytest.raises(UsageError, match="result"):
        detector.echoes()
    detector.result()
    series = detector.frame_levels()
    assert series.levels.dtype == np.int16 and series.levels.shape == (2, len(series.starts))
    assert np.shares_memory(series.levels, detector.frame_levels().levels)
    assert not series.levels.flags.writeable
    assert series.starts.tolist() == list(range(0, len(x), HOP))
    assert series.cuts.tolist() == []


def test_options_are_checked_when_made_and_the_analyzer_needs_activity() -> None:
    assert EchoOptions().changed() == {}
    assert EchoOptions.from_dict({"margin_db": 8}).changed() == {"margin_db": 8.0}
    for bad in (
        {"min_share": 1.5},
        {"window_s": 0.0},
        {"max_delay_s": -0.1},
        {"min_attenuation_db": 20.0, "max_attenuation_db": 15.0},
        {"margin_db": float("nan")},
    ):
        with pytest.raises(UsageError):
            EchoOptions(**bad)
    with pytest.raises(UsageError, match="unknown echo option"):
        EchoOptions.from_dict({"min_correlation": 0.5})
    with pytest.raises(UsageError, match="needs 'activity'"):
        Analyzer(RATE, features=("levels", "echo"))
    x = scene(60, 20, seconds=10.0, seed=1).x
    assert analyze(x, RATE).echo is None  # not a default feature
    whole = analyze(x, RATE, features=("activity", "echo"))
    assert whole.echo is not None and whole.channel(1).echo is None


def test_find_echoes_checks_its_inputs() -> None:
    levels = np.zeros((2, 10), np.int16)
    starts = np.arange(10, dtype=np.int64) * HOP
    call: dict[str, Any] = {"hop": HOP, "sample_rate": RATE}
    assert find_echoes(levels, starts, HOP, [-50.0, -50.0], **call) == ()
    with pytest.raises(UsageError, match="frame_starts"):
        find_echoes(levels, starts[:5], HOP, [-50.0, -50.0], **call)
    with pytest.raises(UsageError, match="ascending"):
        find_echoes(levels, starts[::-1], HOP, [-50.0, -50.0], **call)
    with pytest.raises(UsageError, match="on_dbfs"):
        find_echoes(levels, starts, HOP, [-50.0], **call)
    with pytest.raises(UsageError, match="levels"):
        find_echoes(levels.astype(np.int32), starts, HOP, [-50.0, -50.0], **call)
    with pytest.raises(UsageError, match="hop"):
        find_echoes(levels, starts, HOP, [-50.0, -50.0], hop=0, sample_rate=RATE)
    with pytest.raises(UsageError, match="sample_rate"):
        find_echoes(levels, starts, HOP, [-50.0, -50.0], hop=HOP, sample_rate=0)
    one = analyze(np.zeros((RATE, 1), np.int16), RATE, features=("activity", "echo"))
    assert one.echo == ()


def test_min_source_s_zero_judges_what_has_pairs_and_skips_what_has_none() -> None:
    """Zero is a valid ``min_source_s``: a window or lag without a single pair is still not
    judged (no 0 / 0), so the answer is the one of the smallest positive value, with no
    warning; and the echo of a speakerphone that is silent for a while is still found."""
    s = scene(120, 20, seconds=100.0, seed=21)
    x = s.x.copy()
    x[25 * RATE : 65 * RATE] = 0  # both digitally silent: a 30 s window without a pair

    def echoes(min_source_s: float) -> tuple[Echo, ...] | None:
        options = EchoOptions(min_source_s=min_source_s)
        analyzer = Analyzer(RATE, features=("activity", "echo"), echo=options)
        analyzer.update(x)
        return analyzer.result().echo

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zero = echoes(0.0)
    tiny = echoes(1e-9)
    assert zero is not None and tiny is not None and len(zero) == 1
    same(zero[0], tiny[0])
    assert abs(zero[0].delay - 120 * MS) <= 20 * MS
    # Lags without a pair: the target is digital silence but for its first second.
    levels = np.full((2, 3000), SILENT, np.int16)
    levels[0] = np.random.default_rng(22).choice([-2000, -9000], 3000)
    levels[1, :100] = -8000
    starts = np.arange(3000, dtype=np.int64) * HOP

    def found(min_source_s: float) -> tuple[Echo, ...]:
        options = EchoOptions(min_source_s=min_source_s)
        return find_echoes(
            levels, starts, 2 * HOP, [-4000, -4000], hop=HOP, sample_rate=RATE, options=options
        )

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert found(0.0) == found(1e-9) == ()
