"""Graph ``recordResponse``: a caller's recorded answer, cleaned up and judged.

For each ``recordOperation`` and its downloaded audio:

1. the completion reason, from ``completionReason`` or ``resultInfo.subcode``;
2. the stop tone: a DTMF key that ends within :data:`STOP_TONE_TAIL_S` of the clip's end, with no
   speech after it. It is compared with the reason (``stopToneDetected``, subcode 8514);
3. speech, found before the stop tone only (a key press is loud and is not speech);
4. the clean clip: from the first speech start to the last speech end, each widened by
   :data:`CLEAN_PAD_S`, so the silence and the stop tone are gone;
5. a verdict:
   - ``failed`` when the operation failed or has no audio;
   - ``empty`` when less than :data:`MIN_SPEECH_S` of speech was found;
   - ``speech`` otherwise.

    audio    |  silence  | speech ... speech |  | # |
    speech               [=================)
    clean              [=====================)          pads of CLEAN_PAD_S
    stop tone                                   [===)   ends within STOP_TONE_TAIL_S of the end

The access token never leaves :class:`~callrec.models.RecordOperation`'s ``SecretStr``: nothing
here reads it, and the recording location is reported without its query string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from . import __version__
from .atomic import clear_partials, write_text
from .audio.reader import open_audio
from .audio.writer import write_audio
from .dsp.activity import speech_activity
from .dsp.dtmf import detect_dtmf
from .dsp.levels import levels
from .dsp.loudness import loudness
from .errors import CallrecError, MediaError, UsageError
from .models.graph import CompletionReason, OperationStatus, RecordOperation
from .models.loading import classify_json, parse_notifications, read_json
from .naming import safe_name
from .report import StrictModel

__all__ = [
    "CLEAN_PAD_S",
    "MIN_SPEECH_S",
    "RESPONSE_SCHEMA_VERSION",
    "STOP_TONE_TAIL_S",
    "FoundResponse",
    "ResponseReport",
    "ResponseResult",
    "analyze_response",
    "find_responses",
    "process_response",
]

RESPONSE_SCHEMA_VERSION = 1
STOP_TONE_TAIL_S = 1.0
"""A key that ends this close to the end of the clip, with no speech after it, is the stop tone."""
CLEAN_PAD_S = 0.02
"""Kept before the first and after the last speech in the clean clip."""
MIN_SPEECH_S = 0.2
"""Less speech than this in total is an ``empty`` answer."""

Verdict = Literal["speech", "empty", "failed"]


class StopTone(StrictModel):
    key: str
    start_s: float
    end_s: float
    matches_reason: bool = Field(
        description="Whether the completion reason says a stop tone ended the recording."
    )


class CleanClip(StrictModel):
    file: str | None = Field(description="The clean clip, relative to response.json's folder.")
    start_s: float = Field(description="Where the clean clip starts in the downloaded audio.")
    end_s: float


class ResponseReport(StrictModel):
    """What ``<operation id>.response.json`` holds. Times are seconds from the clip's start."""

    schema_version: Literal[1] = 1
    callrec_version: str = __version__
    operation_id: str | None
    client_context: str | None
    status: str | None
    code: int | None
    subcode: int | None
    message: str | None
    completion_reason: str | None
    recording_location: str | None = Field(description="Without its query string.")
    audio_file: str | None
    sample_rate: int | None
    duration_s: float | None
    stop_tone: StopTone | None
    clean: CleanClip | None
    speech_s: float
    speech_segments: list[tuple[float, float]]
    peak_dbfs: float | None = Field(description="Over the speech only.")
    rms_dbfs: float | None = Field(description="Over the speech only; a full-scale sine is -3.01.")
    loudness_lufs: float | None = Field(description="BS.1770-4 over the speech; null under 0.4 s.")
    verdict: Verdict
    verdict_reason: str
    thresholds: dict[str, float]
    warnings: list[str]
    error: dict[str, Any] | None = Field(
        default=None, description="Why the audio could not be used."
    )

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"


@dataclass(frozen=True)
class ResponseResult:
    """:class:`ResponseReport` plus the clean clip's samples (``(n, channels)``, the input's type)."""

    report: ResponseReport
    clean: np.ndarray | None


def _reason(op: RecordOperation) -> str | None:
    reason = op.completion_reason
    return reason.value if isinstance(reason, CompletionReason) else reason


def _status(op: RecordOperation) -> str | None:
    return op.status.value if isinstance(op.status, OperationStatus) else op.status


def _location(op: RecordOperation) -> str | None:
    return op.recording_location.split("?", 1)[0] if op.recording_location else None


def _round(value: float) -> float | None:
    return round(float(value), 3) if np.isfinite(value) else None


def _base(op: RecordOperation) -> dict[str, Any]:
    info = op.result_info
    return {
        "operation_id": op.id,
        "client_context": op.client_context,
        "status": _status(op),
        "code": info.code if info else None,
        "subcode": info.subcode if info else None,
        "message": info.message if info else None,
        "completion_reason": _reason(op),
        "recording_location": _location(op),
        "thresholds": {
            "speech_on_dbfs_at_least": -50.0,
            "speech_on_dbfs_at_most": -30.0,
            "min_speech_s": MIN_SPEECH_S,
            "stop_tone_tail_s": STOP_TONE_TAIL_S,
            "clean_pad_s": CLEAN_PAD_S,
        },
    }


def _failed(op: RecordOperation, why: str, error: CallrecError | None = None) -> ResponseResult:
    report = ResponseReport(
        **_base(op),
        audio_file=str(error.file) if error is not None and error.file else None,
        sample_rate=None,
        duration_s=None,
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


def _read(audio: str | Path) -> tuple[np.ndarray, int, str]:
    with open_audio(audio) as reader:
        return reader.read(), reader.sample_rate, str(reader.path)


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
    """
    op = _operation(operation)
    if _status(op) == OperationStatus.FAILED.value:
        return _failed(op, f"the operation failed ({_reason(op) or 'no reason given'})")
    if audio is None:
        return _failed(op, "no audio was given for a completed operation")
    if isinstance(audio, np.ndarray):
        if sample_rate is None:
            raise UsageError("sample_rate is needed when the audio is an array")
        samples, rate, name = np.asarray(audio), int(sample_rate), None
        if samples.ndim == 1:
            samples = samples[:, np.newaxis]
    else:
        samples, rate, name = _read(audio)
    return _judge(op, samples, rate, name)


def _mono(samples: np.ndarray) -> np.ndarray:
    if samples.shape[1] == 1:
        return samples
    mixed: np.ndarray = samples.astype(np.float64).mean(axis=1, keepdims=True)
    return mixed


def _judge(op: RecordOperation, samples: np.ndarray, rate: int, name: str | None) -> ResponseResult:
    mono = _mono(samples)
    n = len(mono)
    warnings: list[str] = []
    tones = detect_dtmf(mono, rate)[0]
    reason = _reason(op)
    said_stop_tone = reason == CompletionReason.STOP_TONE_DETECTED.value
    stop: StopTone | None = None
    speech_end_limit = n
    if len(tones.keys) and n - int(tones.intervals[-1, 1]) <= round(STOP_TONE_TAIL_S * rate):
        start, end = (int(v) for v in tones.intervals[-1])
        stop = StopTone(
            key=tones.keys[-1],
            start_s=round(start / rate, 3),
            end_s=round(end / rate, 3),
            matches_reason=said_stop_tone,
        )
        speech_end_limit = start
        if not said_stop_tone:
            warnings.append(
                f"the clip ends with the key {tones.keys[-1]!r} but the completion reason is "
                f"{reason or 'not given'}"
            )
    elif said_stop_tone:
        warnings.append("the completion reason is stopToneDetected but no key was found at the end")
    found = speech_activity(mono[:speech_end_limit], rate).intervals[0]
    speech_samples = int((found[:, 1] - found[:, 0]).sum())
    segments = [(round(a / rate, 3), round(b / rate, 3)) for a, b in found.tolist()]
    clean = None
    clip: np.ndarray | None = None
    peak = rms = lufs = float("-inf")
    if speech_samples >= round(MIN_SPEECH_S * rate):
        pad = round(CLEAN_PAD_S * rate)
        lo, hi = max(0, int(found[0, 0]) - pad), min(speech_end_limit, int(found[-1, 1]) + pad)
        clip = samples[lo:hi]
        clean = CleanClip(file=None, start_s=round(lo / rate, 3), end_s=round(hi / rate, 3))
        speech = np.concatenate([mono[a:b] for a, b in found.tolist()])
        measured = levels(speech, rate)
        peak, rms = float(measured.peak_dbfs[0]), float(measured.rms_dbfs[0])
        lufs = float(loudness(speech, rate).integrated_lufs[0])
        verdict: Verdict = "speech"
        why = f"{speech_samples / rate:.2f} s of speech"
    else:
        verdict = "empty"
        why = f"{speech_samples / rate:.2f} s of speech, under the {MIN_SPEECH_S} s that makes an answer"
    report = ResponseReport(
        **_base(op),
        audio_file=name,
        sample_rate=rate,
        duration_s=round(n / rate, 3),
        stop_tone=stop,
        clean=clean,
        speech_s=round(speech_samples / rate, 3),
        speech_segments=segments,
        peak_dbfs=_round(peak),
        rms_dbfs=_round(rms),
        loudness_lufs=_round(lufs),
        verdict=verdict,
        verdict_reason=why,
        warnings=warnings,
    )
    return ResponseResult(report, clip)


def _operation(operation: RecordOperation | dict[str, Any] | str) -> RecordOperation:
    if isinstance(operation, RecordOperation):
        return operation
    data = json.loads(operation) if isinstance(operation, str) else operation
    found = parse_notifications(data).record_operations
    if len(found) != 1:
        raise UsageError(f"expected one recordOperation in the payload, found {len(found)}")
    return found[0]


@dataclass(frozen=True)
class FoundResponse:
    """A record operation, the file it came from, and its audio when one was found."""

    operation: RecordOperation
    notification_file: Path | None
    audio: Path | None
    problem: CallrecError | None = None


_AUDIO_SUFFIXES = frozenset({"", ".wav", ".mp3", ".flac", ".ogg", ".mp4", ".m4a", ".bin"})


def find_responses(paths: Iterable[str | Path]) -> tuple[list[FoundResponse], list[CallrecError]]:
    """Pair the record operations in the given notification files or folders with their audio.

    A folder is searched (not recursively into other folders' pairs: any depth, each audio file
    paired once). Audio is matched by the operation id or by the last path segment of
    ``recordingLocation`` (file name or stem, case-insensitive). A notification file plus one
    audio file pairs them directly. Unreadable JSON files are returned as errors.
    """
    given = [Path(p) for p in paths]
    files: list[Path] = []
    for item in given:
        if not item.exists():
            raise UsageError(f"{item}: no such file or folder")
        files += sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item]
    notifications: list[tuple[Path, RecordOperation]] = []
    audio: list[Path] = []
    errors: list[CallrecError] = []
    for path in files:
        if path.name.startswith("."):
            continue
        if path.suffix.lower() == ".json":
            if path.name.endswith(".response.json"):
                continue  # our own output
            try:
                data = read_json(path)
                if classify_json(data) == "graph_notification":
                    notifications += [
                        (path, op) for op in parse_notifications(data, file=path).record_operations
                    ]
            except CallrecError as exc:
                errors.append(exc)
        elif path.suffix.lower() in _AUDIO_SUFFIXES and not path.name.endswith(".clean.wav"):
            audio.append(path)
    explicit = len(notifications) == 1 and len(audio) == 1 and all(p.is_file() for p in given)
    found: list[FoundResponse] = []
    for path, op in notifications:
        if explicit:
            found.append(FoundResponse(op, path, audio[0]))
            continue
        names = {n.lower() for n in (op.id, op.recording_name) if n}
        matches = [a for a in audio if a.name.lower() in names or a.stem.lower() in names]
        if len(matches) == 1:
            found.append(FoundResponse(op, path, matches[0]))
        elif len(matches) > 1:
            listed = ", ".join(str(m) for m in matches)
            found.append(
                FoundResponse(
                    op, path, None, MediaError(f"several audio files match: {listed}", file=path)
                )
            )
        else:
            found.append(FoundResponse(op, path, None))
    return found, errors


def process_response(found: FoundResponse, out: str | Path) -> ResponseResult:
    """Analyse one found response and write ``<id>.response.json`` (and ``<id>.clean.wav``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clear_partials(out)
    op = found.operation
    name = safe_name(
        op.id or (found.notification_file.stem if found.notification_file else "response")
    )
    failed = _status(op) == OperationStatus.FAILED.value
    if found.problem is not None and not failed:
        result = _failed(op, "its audio could not be used", found.problem)
    elif found.audio is None and not failed:
        missing = MediaError(
            "no audio file named after the operation id or the recording location was found",
            file=found.notification_file,
        )
        result = _failed(op, "its audio was not found", missing)
    else:
        try:
            result = analyze_response(op, None if failed else found.audio)
        except MediaError as exc:
            result = _failed(op, "its audio could not be read", exc)
    report = result.report
    if result.clean is not None and report.clean is not None:
        write_audio(out / f"{name}.clean.wav", result.clean, report.sample_rate or 0)
        report = report.model_copy(
            update={"clean": report.clean.model_copy(update={"file": f"{name}.clean.wav"})}
        )
        result = ResponseResult(report, result.clean)
    write_text(out / f"{name}.response.json", report.to_json())
    return result
