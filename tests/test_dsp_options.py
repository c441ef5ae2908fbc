"""Detector options: one checked dataclass each, keyword settings over them, the rate checked once."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from callrec.dsp import (
    FEATURES,
    ActivityOptions,
    Analyzer,
    DtmfDetector,
    DtmfOptions,
    FrameRms,
    LevelMeter,
    LoudnessMeter,
    SpeechDetector,
    analyze,
    detect_dtmf,
    k_weighting_sos,
    speech_activity,
)
from callrec.dsp._blocks import SampleRate, sample_rate_checked
from callrec.dsp.dtmf import KEY_GUARD_S
from callrec.dsp.intervals import pad
from callrec.errors import UsageError
from callrec.timebase import to_samples

from .signals import to_int16
from .test_dsp_streaming import RATE, feed, material, same

# The defaults the detectors had as keyword defaults before the options classes held them.
ACTIVITY_DEFAULTS = {
    "threshold_dbfs": -50.0,
    "max_threshold_dbfs": -30.0,
    "floor_margin_db": 12.0,
    "hysteresis_db": 6.0,
    "frame_s": 0.010,
    "hop_s": 0.010,
    "min_speech_s": 0.100,
    "min_silence_s": 0.300,
    "pad_s": 0.0,
    "noise_percentile": 10.0,
}
DTMF_DEFAULTS = {
    "frame_s": 0.0256,
    "hop_s": 0.010,
    "min_tone_s": 0.030,
    "max_dropout_s": 0.020,
    "min_tone_dbfs": -45.0,
    "min_peak_ratio_db": 6.0,
    "forward_twist_db": 4.0,
    "reverse_twist_db": 8.0,
    "min_tone_fraction": 0.7,
}
# Settings that change every option, each still sensible on the test material.
ACTIVITY_SETTINGS = {
    "threshold_dbfs": -45.0,
    "max_threshold_dbfs": -28.0,
    "floor_margin_db": 10.0,
    "hysteresis_db": 4.0,
    "frame_s": 0.025,
    "hop_s": 0.005,
    "min_speech_s": 0.05,
    "min_silence_s": 0.2,
    "pad_s": 0.02,
    "noise_percentile": 15.0,
}
DTMF_SETTINGS = {
    "frame_s": 0.02,
    "hop_s": 0.005,
    "min_tone_s": 0.04,
    "max_dropout_s": 0.03,
    "min_tone_dbfs": -50.0,
    "min_peak_ratio_db": 5.0,
    "forward_twist_db": 6.0,
    "reverse_twist_db": 6.0,
    "min_tone_fraction": 0.6,
}


def test_defaults_are_the_detectors_defaults() -> None:
    assert dataclasses.asdict(ActivityOptions()) == ACTIVITY_DEFAULTS
    assert dataclasses.asdict(DtmfOptions()) == DTMF_DEFAULTS
    assert SpeechDetector(RATE).options == ActivityOptions()
    assert DtmfDetector(RATE).options == DtmfOptions()
    x = to_int16(material(4.0, 2, seed=3))
    same(speech_activity(x, RATE), speech_activity(x, RATE, **ACTIVITY_DEFAULTS))
    same(speech_activity(x, RATE), speech_activity(x, RATE, ActivityOptions()))
    same(detect_dtmf(x, RATE), detect_dtmf(x, RATE, **DTMF_DEFAULTS))
    same(detect_dtmf(x, RATE), detect_dtmf(x, RATE, DtmfOptions()))


def test_the_detectors_attributes_come_from_the_options() -> None:
    speech = SpeechDetector(16000, ActivityOptions(**ACTIVITY_SETTINGS))
    assert (speech.frame, speech.hop, speech.sample_rate) == (400, 80, 16000)
    assert (speech.min_speech, speech.min_silence, speech.pad) == (800, 3200, 320)
    assert (speech.threshold_dbfs, speech.max_threshold_dbfs) == (-45.0, -28.0)
    assert (speech.floor_margin_db, speech.hysteresis_db, speech.noise_percentile) == (
        10.0,
        4.0,
        15.0,
    )
    keys = DtmfDetector(16000, DtmfOptions(**DTMF_SETTINGS))
    assert (keys.frame, keys.hop, keys.min_tone, keys.max_dropout) == (320, 80, 640, 480)
    assert keys.min_tone_power == 10.0 ** (-50.0 / 10.0)
    assert keys.min_peak_ratio == 10.0 ** (5.0 / 10.0)
    assert keys.twist == (10.0 ** (-6.0 / 10.0), 10.0 ** (6.0 / 10.0))
    assert keys.min_tone_fraction == 0.6


@pytest.mark.parametrize(
    ("options", "settings", "message"),
    [
        (ActivityOptions, {"hysteresis_db": -1.0}, "hysteresis_db must be zero or more, got -1.0"),
        (ActivityOptions, {"floor_margin_db": -1}, "floor_margin_db must be zero or more, got -1"),
        (ActivityOptions, {"min_speech_s": -0.1}, "min_speech_s must be zero or more"),
        (ActivityOptions, {"min_silence_s": math.nan}, "min_silence_s must be zero or more"),
        (ActivityOptions, {"pad_s": -0.5}, "pad_s must be zero or more, got -0.5"),
        (ActivityOptions, {"frame_s": 0.0}, "frame_s must be more than zero, got 0.0"),
        (ActivityOptions, {"hop_s": -0.01}, "hop_s must be more than zero"),
        (ActivityOptions, {"noise_percentile": 120}, "noise_percentile must be within 0-100"),
        (ActivityOptions, {"noise_percentile": -1.0}, "noise_percentile must be within 0-100"),
        (
            ActivityOptions,
            {"threshold_dbfs": -20.0},
            r"max_threshold_dbfs \(-30.0\) must not be below threshold_dbfs \(-20.0\)",
        ),
        (ActivityOptions, {"threshold_dbfs": -math.inf}, "threshold_dbfs must be a finite"),
        (ActivityOptions, {"threshold_dbfs": math.nan}, "threshold_dbfs must be a finite"),
        (ActivityOptions, {"max_threshold_dbfs": math.inf}, "max_threshold_dbfs must be a fin"),
        (ActivityOptions, {"min_silence_s": math.inf}, "min_silence_s must be a finite"),
        (ActivityOptions, {"pad_s": "0.1"}, "pad_s must be a number, got '0.1'"),
        (ActivityOptions, {"pad_s": True}, "pad_s must be a number, got True"),
        (DtmfOptions, {"frame_s": 0.0}, "frame_s must be more than zero"),
        (DtmfOptions, {"hop_s": math.nan}, "hop_s must be more than zero"),
        (DtmfOptions, {"min_tone_s": -0.01}, "min_tone_s must be zero or more"),
        (DtmfOptions, {"max_dropout_s": -0.01}, "max_dropout_s must be zero or more"),
        (DtmfOptions, {"min_peak_ratio_db": -1.0}, "min_peak_ratio_db must be zero or more"),
        (DtmfOptions, {"forward_twist_db": -1.0}, "forward_twist_db must be zero or more"),
        (DtmfOptions, {"reverse_twist_db": -1.0}, "reverse_twist_db must be zero or more"),
        (DtmfOptions, {"min_tone_fraction": 1.5}, "min_tone_fraction must be within 0-1"),
        (DtmfOptions, {"min_tone_dbfs": -math.inf}, "min_tone_dbfs must be a finite number"),
        (DtmfOptions, {"forward_twist_db": math.inf}, "forward_twist_db must be a finite"),
        (DtmfOptions, {"min_tone_s": None}, "min_tone_s must be a number, got None"),
    ],
)
def test_each_bad_option_is_refused_where_it_is_made(
    options: type[ActivityOptions | DtmfOptions], settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        options(**settings)
    with pytest.raises(UsageError, match=message):
        options.from_dict(settings)
    detector = SpeechDetector if options is ActivityOptions else DtmfDetector
    with pytest.raises(UsageError, match=message):
        detector(RATE, **settings)
    with pytest.raises(UsageError, match=message):  # a setting over good options
        detector(RATE, options(), **settings)


def test_what_depends_on_the_rate_is_the_detectors_to_check() -> None:
    fine = ActivityOptions(frame_s=5e-5)  # more than zero, less than a sample at 8 kHz
    with pytest.raises(UsageError, match=r"frame_s=5e-05 is less than one sample at 8000 Hz"):
        SpeechDetector(RATE, fine)
    assert SpeechDetector(48000, fine).frame == 2
    with pytest.raises(UsageError, match="hop_s=5e-05 is less than one sample"):
        DtmfDetector(RATE, hop_s=5e-5)


def test_an_unknown_name_is_named() -> None:
    with pytest.raises(
        UsageError,
        match=r"unknown speech activity option 'treshold_dbfs'; expected one of threshold_dbfs, "
        r"max_threshold_dbfs, .*, noise_percentile$",
    ):
        ActivityOptions.from_dict({"treshold_dbfs": -40.0})
    with pytest.raises(UsageError, match=r"unknown DTMF options 'min_tone', 'twist'; expected"):
        DtmfOptions.from_dict({"min_tone": 0.04, "min_tone_s": 0.04, "twist": 4.0})
    with pytest.raises(UsageError, match="unknown speech activity option 'treshold_dbfs'"):
        SpeechDetector(RATE, treshold_dbfs=-40.0)
    with pytest.raises(UsageError, match="unknown speech activity option 'treshold_dbfs'"):
        SpeechDetector(RATE, ActivityOptions(), treshold_dbfs=-40.0)
    with pytest.raises(UsageError, match="unknown speech activity option 'treshold_dbfs'"):
        speech_activity(np.zeros(100), RATE, treshold_dbfs=-40.0)
    with pytest.raises(UsageError, match="unknown DTMF option 'min_tone'"):
        DtmfDetector(RATE, min_tone=0.04)
    with pytest.raises(UsageError, match="unknown DTMF option 'min_tone'"):
        detect_dtmf(np.zeros(100), RATE, min_tone=0.04)
    with pytest.raises(TypeError):  # options are keyword-only: no positional mix-ups
        ActivityOptions(-40.0)  # type: ignore[call-arg]


def test_options_of_the_wrong_kind_are_refused() -> None:
    with pytest.raises(UsageError, match=r"expected ActivityOptions or None, got dict; Act"):
        Analyzer(RATE, features=["activity"], activity={"threshold_dbfs": -40.0})  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="expected DtmfOptions or None, got ActivityOptions"):
        DtmfDetector(RATE, ActivityOptions())  # type: ignore[arg-type]


def test_changed_lists_what_differs_from_the_defaults_sorted_by_name() -> None:
    assert ActivityOptions().changed() == {}
    assert DtmfOptions().changed() == {}
    assert ActivityOptions(threshold_dbfs=-40).changed() == {"threshold_dbfs": -40.0}
    changed = ActivityOptions(threshold_dbfs=-25.0, max_threshold_dbfs=-25.0, pad_s=0.0).changed()
    assert list(changed.items()) == [("max_threshold_dbfs", -25.0), ("threshold_dbfs", -25.0)]
    assert all(type(v) is float for v in changed.values())
    assert DtmfOptions(min_tone_s=0.04, frame_s=0.02).changed() == {
        "frame_s": 0.02,
        "min_tone_s": 0.04,
    }
    assert ActivityOptions.from_dict(ACTIVITY_SETTINGS).changed() == dict(
        sorted(ACTIVITY_SETTINGS.items())
    )


def test_options_are_frozen_and_equal_by_value() -> None:
    options = ActivityOptions(threshold_dbfs=-40)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.threshold_dbfs = -30.0  # type: ignore[misc]
    assert options == ActivityOptions(threshold_dbfs=-40.0)
    assert hash(options) == hash(ActivityOptions(threshold_dbfs=-40.0))
    assert ActivityOptions.from_dict({}) == ActivityOptions()


def test_keyword_settings_override_the_options() -> None:
    options = ActivityOptions(threshold_dbfs=-40.0, pad_s=0.05, min_silence_s=0.5)
    detector = SpeechDetector(RATE, options, pad_s=0.1, threshold_dbfs=-35.0)
    assert detector.options == ActivityOptions(threshold_dbfs=-35.0, pad_s=0.1, min_silence_s=0.5)
    assert detector.pad == to_samples(0.1, RATE) and detector.threshold_dbfs == -35.0
    assert options.pad_s == 0.05  # the options given are not changed
    keys = DtmfDetector(RATE, DtmfOptions(min_tone_s=0.05, max_dropout_s=0.01), min_tone_s=0.04)
    assert keys.options == DtmfOptions(min_tone_s=0.04, max_dropout_s=0.01)
    # An override is checked together with the options it joins.
    with pytest.raises(UsageError, match="must not be below threshold_dbfs"):
        SpeechDetector(RATE, ActivityOptions(threshold_dbfs=-40.0), max_threshold_dbfs=-45.0)
    x = to_int16(material(4.0, 2, seed=6))
    same(
        speech_activity(x, RATE, options, pad_s=0.1, threshold_dbfs=-35.0),
        speech_activity(x, RATE, min_silence_s=0.5, pad_s=0.1, threshold_dbfs=-35.0),
    )
    same(
        detect_dtmf(x, RATE, DtmfOptions(min_tone_s=0.05), min_tone_s=0.04),
        detect_dtmf(x, RATE, min_tone_s=0.04),
    )


@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_an_analyzer_given_options_is_the_detectors_given_settings(dtype: str) -> None:
    """Bit-identical: options are only a way of passing the same numbers."""
    x = material(6.0, 3, seed=7)
    x = to_int16(x) if dtype == "int16" else x.astype(np.float32)
    boundaries = [9000, 20011, 31000]
    analyzer = Analyzer(
        RATE,
        features=FEATURES,
        activity=ActivityOptions(**ACTIVITY_SETTINGS),
        dtmf=DtmfOptions(**DTMF_SETTINGS),
    )
    got = feed(analyzer, x, [1234, 20011, 40000], boundaries)
    keys = feed(DtmfDetector(RATE, **DTMF_SETTINGS), x, [], boundaries)
    assert any(len(t.keys) for t in keys), "the material's keys are found with these settings"
    same(got.dtmf, keys)
    guard = to_samples(KEY_GUARD_S, RATE)
    speech = SpeechDetector(RATE, **ACTIVITY_SETTINGS)
    speech.exclude([pad(t.intervals, guard, len(x), cuts=boundaries) for t in keys])
    same(got.activity, feed(speech, x, [], boundaries))
    # The settings change the result: the comparison is not between two sets of defaults.
    default = analyze(x, RATE, features=FEATURES, boundaries=boundaries)
    assert default.activity is not None and got.activity is not None
    assert not all(
        np.array_equal(a, b)
        for a, b in zip(default.activity.intervals, got.activity.intervals, strict=True)
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda rate: SpeechDetector(rate),
        lambda rate: DtmfDetector(rate),
        lambda rate: LevelMeter(rate),
        lambda rate: LoudnessMeter(rate),
        lambda rate: FrameRms(rate),
        lambda rate: Analyzer(rate),
        lambda rate: k_weighting_sos(rate),
        lambda rate: speech_activity(np.zeros(100), rate),
        lambda rate: detect_dtmf(np.zeros(100), rate),
        lambda rate: analyze(np.zeros(100), rate),
    ],
)
@pytest.mark.parametrize("rate", [0, -8000, 8000.0, "8000", None])
def test_every_public_entry_checks_the_rate(build: Any, rate: Any) -> None:
    with pytest.raises(UsageError, match="sample_rate must be a positive integer"):
        build(rate)


def test_an_analyzer_checks_its_rate_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its parts are built from the rate it checked, and do not check it again."""
    checked: list[object] = []

    def counting(sample_rate: int) -> SampleRate:
        if not isinstance(sample_rate, SampleRate):
            checked.append(sample_rate)
        return sample_rate_checked(sample_rate)

    for module in ("analysis", "activity", "dtmf", "frames", "level_meter", "loudness_meter"):
        monkeypatch.setattr(f"callrec.dsp.{module}.sample_rate_checked", counting)
    analyzer = Analyzer(np.int64(RATE), features=FEATURES)
    assert checked == [RATE]
    assert type(analyzer.sample_rate) is int
    analyzer.update(np.zeros((RATE, 1), np.int16))
    result = analyzer.result()
    assert type(result.sample_rate) is int and result.sample_rate == RATE
    assert result.activity is not None and type(result.activity.sample_rate) is int
    assert result.loudness is not None and type(result.loudness.sample_rate) is int
    checked.clear()
    SpeechDetector(RATE)
    assert checked == [RATE]
