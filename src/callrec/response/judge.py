"""Judging one recorded answer: :func:`analyze_response` and the thresholds it judges by.

For each ``recordOperation`` and its downloaded audio:

1. the completion reason, from ``completionReason`` or ``resultInfo.subcode``;
2. the DTMF keys, anywhere in the clip. Each key, widened by :data:`KEY_GUARD_S` on both sides
   for its onset and decay, is kept out of everything below: a key press is loud but not speech;
3. the stop tone: the last key, when it ends within :data:`STOP_TONE_TAIL_S` of the clip's end with
   no speech after it. It is compared with the reason (``stopToneDetected``, subcode 8514);
4. speech: the keys are replaced by digital silence *before* speech is looked for, so they neither
   start speech nor hold it on, nor raise the noise floor, and the edges of speech next to a key
   are where the voice starts and stops. Speech joined across a key is then split around it;
5. the clean clip: from the first speech start to the last speech end, each widened by
   :data:`CLEAN_PAD_S`, so the silence and the stop tone are gone. Keys between speech parts are
   replaced by digital silence in it (a clean clip never holds a key);
6. a verdict:
   - ``failed`` when the operation failed or has no audio;
   - ``speech`` when at least :data:`MIN_SPEECH_S` of speech was found;
   - ``keys`` when less speech than that was found, but a key other than the stop tone was: the
     caller answered with keys only (they are in the report's ``keys``);
   - ``empty`` otherwise (silence, noise, or the stop tone alone).

    audio    |  silence  |speech|  5  |speech|  |  #  |
    keys                        [======)        [======)  each widened by KEY_GUARD_S
    speech                [====)       [====)
    clean                [===================)  pads of CLEAN_PAD_S; the 5 silenced
    stop tone                                    [====)  ends within STOP_TONE_TAIL_S of the end

What is off on the way (a truncated download, a stop tone the reason does not mention) is a
:class:`~callrec.errors.Finding` with a code of
:data:`~callrec.response.report.ResponseFindingCode`; the report's ``warnings`` are their messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..audio.reader import open_audio, reading_findings
from ..dsp.activity import ActivityOptions, speech_activity
from ..dsp.dtmf import KEY_GUARD_S, DtmfTones, detect_dtmf
from ..dsp.intervals import pad, total_length
from ..dsp.level_meter import levels
from ..dsp.loudness_meter import loudness
from ..errors import CallrecError, Finding, UsageError
from ..payloads.fields import document_db
from ..payloads.reading import parse_json
from ..timebase import to_samples, to_seconds
from .models import CompletionReason, RecordOperation, parse_notifications
from .operation import has_failed, operation_fields, reason_of, resource_url
from .report import (
    CleanClip,
    Key,
    ResponseFindingCode,
    ResponseReport,
    ResponseResult,
    StopTone,
    Verdict,
)

__all__ = [
    "CLEAN_PAD_S",
    "KEY_GUARD_S",
    "MIN_SPEECH_S",
    "STOP_TONE_TAIL_S",
    "analyze_response",
    "failed_answer",
    "judge_answer",
]

STOP_TONE_TAIL_S = 1.0
"""A key that ends this close to the end of the clip, with no speech after it, is the stop tone."""
CLEAN_PAD_S = 0.02
"""Kept before the first and after the last speech in the clean clip."""
MIN_SPEECH_S = 0.2
"""Less speech than this in total is not a spoken answer (``keys`` or ``empty``)."""


_DETECTOR = ActivityOptions()
"""Speech in an answer is found with the detector's defaults."""


def _thresholds() -> dict[str, float]:
    """What the answer was judged by, as the report lists it."""
    return {
        "speech_on_dbfs_at_least": _DETECTOR.threshold_dbfs,
        "speech_on_dbfs_at_most": _DETECTOR.max_threshold_dbfs,
        "min_speech_s": MIN_SPEECH_S,
        "stop_tone_tail_s": STOP_TONE_TAIL_S,
        "clean_pad_s": CLEAN_PAD_S,
        "key_guard_s": KEY_GUARD_S,
    }


def _finding(code: ResponseFindingCode, message: str, file: Path | None = None) -> Finding:
    return Finding(code, message, file=file)


def failed_answer(
    op: RecordOperation, resource: str | None, why: str, error: CallrecError | None = None
) -> ResponseResult:
    """The result of an answer that could not be judged (``verdict`` ``failed``): the operation
    failed, or its audio is missing or unusable (``error``)."""
    report = ResponseReport(
        **operation_fields(op, resource),
        thresholds=_thresholds(),
        audio_file=str(error.file) if error is not None and error.file else None,
        sample_rate=None,
        duration_s=None,
        keys=[],
        stop_tone=None,
        clean=None,
        speech_s=0.0,
        speech_segments=[],
        peak_dbfs=None,
        rms_dbfs=None,
        loudness_lufs=None,
        verdict="failed",
        verdict_reason=why,
        warnings=[],
        error=error.to_dict() if error is not None else None,
    )
    return ResponseResult(report, None)


def _read(audio: str | Path) -> tuple[np.ndarray, int, str, list[Finding]]:
    """The samples, rate and name of a downloaded answer, and what was wrong with the file
    (truncated, damaged data the decoder skipped): a finding each, never lost."""
    damage: list[Finding] = []
    # The probe holds the rate to callrec.safety.limits (8 kHz and up): enough for DTMF's
    # highest tone (1633 Hz) and the K-weighting's shelf (1682 Hz).
    with reading_findings(damage), open_audio(audio) as reader:
        samples = reader.read()
    return samples, reader.sample_rate, str(reader.path), damage


def analyze_response(
    operation: RecordOperation | dict[str, Any] | str,
    audio: str | Path | np.ndarray | None,
    *,
    sample_rate: int | None = None,
) -> ResponseResult:
    """Judge one recorded answer and cut its clean clip.

    Parameters
    ----------
    operation
        The ``recordOperation``: a model, or a notification payload as a dict or JSON text
        (``commsNotifications``, one notification, or the bare resource); it must hold exactly
        one record operation.
    audio
        The downloaded file, or its samples as a ``(frames,)``/``(frames, channels)`` array, or
        ``None`` when there is none (a failed operation).
    sample_rate
        Required with an array; a file's header gives it.

    Raises
    ------
    MediaError
        The audio file is missing, empty or unreadable (a failed operation without audio is not
        an error: its verdict is ``failed``).
    UsageError
        An array without ``sample_rate``, or a payload without exactly one record operation.
    InputError
        JSON text that is not a JSON document (:class:`~callrec.errors.JSONFileError`), or a
        payload that is not a notification (:class:`~callrec.errors.MetadataError`).
    """
    op, resource = _operation(operation)
    return judge_answer(op, resource, audio, sample_rate)


def _operation(
    operation: RecordOperation | dict[str, Any] | str,
) -> tuple[RecordOperation, str | None]:
    if isinstance(operation, RecordOperation):
        return operation, resource_url(operation, None)
    data = parse_json(operation) if isinstance(operation, str) else operation
    found = [n for n in parse_notifications(data).value if n.record_operation is not None]
    if len(found) != 1:
        raise UsageError(f"expected one recordOperation in the payload, found {len(found)}")
    op = found[0].record_operation
    assert op is not None
    return op, resource_url(op, found[0])


def judge_answer(
    op: RecordOperation,
    resource: str | None,
    audio: str | Path | np.ndarray | None,
    sample_rate: int | None = None,
) -> ResponseResult:
    """:func:`analyze_response` of an operation already read, whose resource path
    (:func:`~callrec.response.operation.resource_url`) is ``resource``."""
    if has_failed(op):
        return failed_answer(
            op, resource, f"the operation failed ({reason_of(op) or 'no reason given'})"
        )
    if audio is None:
        return failed_answer(op, resource, "no audio was given for a completed operation")
    if isinstance(audio, np.ndarray):
        if sample_rate is None:
            raise UsageError("sample_rate is needed when the audio is an array")
        samples = np.asarray(audio)
        if samples.ndim == 1:
            samples = samples[:, np.newaxis]
        return _judge(op, resource, samples, int(sample_rate), None, [])
    samples, rate, name, damage = _read(audio)
    return _judge(op, resource, samples, rate, name, damage)


def _mono(samples: np.ndarray) -> np.ndarray:
    if samples.shape[1] == 1:
        return samples
    mixed: np.ndarray = samples.astype(np.float64).mean(axis=1, keepdims=True)
    return mixed


def _judge(
    op: RecordOperation,
    resource: str | None,
    samples: np.ndarray,
    rate: int,
    name: str | None,
    damage: list[Finding],
) -> ResponseResult:
    """Judge ``(frames, channels)`` samples; ``damage`` is what reading them found."""
    mono = _mono(samples)
    n = len(mono)
    tones = detect_dtmf(mono, rate)[0]
    guarded = pad(tones.intervals, to_samples(KEY_GUARD_S, rate), n)
    found = _speech(mono, rate, guarded)
    keys = [
        Key(key=k, start_s=to_seconds(a, rate), end_s=to_seconds(b, rate))
        for k, (a, b) in zip(tones.keys, tones.intervals.tolist(), strict=True)
    ]
    stop, mismatch = _stop_tone(reason_of(op), tones, keys, found, n, rate)
    # The stop tone ends the recording; it is not part of the answer.
    answer_keys = tones.keys[:-1] if stop is not None else tones.keys
    speech_samples = total_length(found)
    clean: CleanClip | None = None
    clip: np.ndarray | None = None
    peak = rms = lufs = None
    if speech_samples >= to_samples(MIN_SPEECH_S, rate):
        clean, clip = _cut(samples, found, guarded, rate)
        peak, rms, lufs = _speech_levels(mono, found, rate)
    verdict, why = _verdict(speech_samples / rate, answer_keys, spoken=clean is not None)
    findings = (*damage, *mismatch)
    report = ResponseReport(
        **operation_fields(op, resource),
        thresholds=_thresholds(),
        audio_file=name,
        sample_rate=rate,
        duration_s=to_seconds(n, rate),
        keys=keys,
        stop_tone=stop,
        clean=clean,
        speech_s=to_seconds(speech_samples, rate),
        speech_segments=[(to_seconds(a, rate), to_seconds(b, rate)) for a, b in found.tolist()],
        peak_dbfs=peak,
        rms_dbfs=rms,
        loudness_lufs=lufs,
        verdict=verdict,
        verdict_reason=why,
        warnings=[f.message for f in findings],
    )
    return ResponseResult(report, clip, findings)


def _speech(mono: np.ndarray, rate: int, keys: np.ndarray) -> np.ndarray:
    """``(n, 2)`` speech intervals of a mono clip, none of them inside ``keys``: the keys are
    kept out before speech is decided (:meth:`~callrec.dsp.SpeechDetector.exclude`), so speech
    beside one ends where the voice does and is never bridged across it, as in
    ``callrec process``."""
    found: np.ndarray = speech_activity(mono, rate, _DETECTOR, exclude=keys).intervals[0]
    return found


def _stop_tone(
    reason: str | None,
    tones: DtmfTones,
    keys: list[Key],
    speech: np.ndarray,
    n: int,
    rate: int,
) -> tuple[StopTone | None, list[Finding]]:
    """The stop tone among ``keys`` of a clip of ``n`` samples, if any, and where it and the
    completion ``reason`` disagree."""
    said_stop_tone = reason == CompletionReason.STOP_TONE_DETECTED.value
    near_end = spoken_after = False
    if keys:
        start, end = (int(v) for v in tones.intervals[-1])
        near_end = n - end <= to_samples(STOP_TONE_TAIL_S, rate)
        spoken_after = len(speech) > 0 and int(speech[-1, 1]) > start
    if near_end and not spoken_after:
        last = keys[-1]
        stop = StopTone(
            key=last.key, start_s=last.start_s, end_s=last.end_s, matches_reason=said_stop_tone
        )
        if said_stop_tone:
            return stop, []
        message = (
            f"the clip ends with the key {last.key!r} but the completion reason is "
            f"{reason or 'not given'}"
        )
        return stop, [_finding("stop-tone-not-in-reason", message)]
    if not said_stop_tone:
        return None, []
    if near_end:  # a key near the end, but speech after it
        message = (
            f"the completion reason is stopToneDetected but speech follows the last key "
            f"{keys[-1].key!r}"
        )
        return None, [_finding("speech-after-last-key", message)]
    message = "the completion reason is stopToneDetected but no key was found at the end"
    return None, [_finding("stop-tone-not-found", message)]


def _cut(
    samples: np.ndarray, speech: np.ndarray, guarded: np.ndarray, rate: int
) -> tuple[CleanClip, np.ndarray]:
    """The clean clip of ``samples``: from the first speech to the last, padded by
    :data:`CLEAN_PAD_S`, with the ``guarded`` keys inside it silenced."""
    n = len(samples)
    margin = to_samples(CLEAN_PAD_S, rate)
    lo, hi = max(0, int(speech[0, 0]) - margin), min(n, int(speech[-1, 1]) + margin)
    clip = samples[lo:hi].copy()
    # Speech never lies inside a guarded key, so silencing one removes no speech.
    inside = np.clip(guarded, lo, hi)
    inside = inside[inside[:, 1] > inside[:, 0]]
    for a, b in inside.tolist():  # one per key
        clip[a - lo : b - lo] = 0
    clean = CleanClip(
        file=None,
        start_s=to_seconds(lo, rate),
        end_s=to_seconds(hi, rate),
        silenced=[(to_seconds(a, rate), to_seconds(b, rate)) for a, b in inside.tolist()],
    )
    return clean, clip


def _speech_levels(
    mono: np.ndarray, speech: np.ndarray, rate: int
) -> tuple[float | None, float | None, float | None]:
    """Peak, RMS (dBFS) and loudness (LUFS) over the speech alone."""
    joined = np.concatenate([mono[a:b] for a, b in speech.tolist()])
    measured = levels(joined, rate)
    lufs = float(loudness(joined, rate).integrated_lufs[0])
    return document_db(measured.peak_dbfs[0]), document_db(measured.rms_dbfs[0]), document_db(lufs)


def _verdict(speech_s: float, answer_keys: str, *, spoken: bool) -> tuple[Verdict, str]:
    """The verdict and the sentence that gives its reason."""
    if spoken:
        why = f"{speech_s:.2f} s of speech"
        if answer_keys:
            why += f"; the keys {' '.join(answer_keys)} are not counted"
        return "speech", why
    if answer_keys:
        return "keys", (
            f"the keys {' '.join(answer_keys)} and {speech_s:.2f} s of speech, under the "
            f"{MIN_SPEECH_S} s that makes a spoken answer"
        )
    return "empty", f"{speech_s:.2f} s of speech, under the {MIN_SPEECH_S} s that makes an answer"
