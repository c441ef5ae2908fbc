"""Graph ``recordResponse``: a caller's recorded answer, cleaned up and judged.

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

Outputs are named after the operation: its id, else the last segment of its resource path (see
:func:`find_responses`), so operations without an id never share a name or overwrite each other.

The access token never leaves :class:`~callrec.models.RecordOperation`'s ``SecretStr``: nothing
here reads it, and the recording location and resource path are reported as scheme, host and
path only (:func:`~callrec.safety.redaction.redact_url`: no user name, query, fragment or ``;params``).
"""

from __future__ import annotations

import hashlib
import warnings as warnings_module
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from .. import __version__
from ..audio.reader import DecoderMessagesWarning, TruncatedMediaWarning, open_audio
from ..audio.writer import write_audio
from ..dsp.activity import speech_activity
from ..dsp.dtmf import KEY_GUARD_S, detect_dtmf
from ..dsp.intervals import pad
from ..dsp.level_meter import levels
from ..dsp.loudness_meter import loudness
from ..errors import CallrecError, JSONFileError, MediaError, UsageError
from ..payloads.fields import StrictModel
from ..payloads.reading import classify_json, parse_json, read_json, require_document
from ..safety.atomic import clear_partials, write_text
from ..safety.naming import safe_name
from ..safety.redaction import redact_text, redact_url
from ..timebase import to_samples
from .models import (
    CommsNotification,
    CompletionReason,
    OperationStatus,
    RecordOperation,
    parse_notifications,
)

__all__ = [
    "CLEAN_PAD_S",
    "KEY_GUARD_S",
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
"""Less speech than this in total is not a spoken answer (``keys`` or ``empty``)."""

Verdict = Literal["speech", "keys", "empty", "failed"]


class Key(StrictModel):
    key: str = Field(description="0-9, *, #, A-D.")
    start_s: float
    end_s: float


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
    silenced: list[tuple[float, float]] = Field(
        default_factory=list,
        description="Spans of the downloaded audio inside the clip that hold a key (with its "
        "guard): digital silence in the clip.",
    )


class ResponseReport(StrictModel):
    """What ``<operation id>.response.json`` holds. Times are seconds from the clip's start."""

    schema_version: Literal[1] = 1
    callrec_version: str = __version__
    operation_id: str | None
    resource_url: str | None = Field(
        default=None,
        description="The operation's resourceUrl (older payloads: resource, or the operation's "
        "@odata.id): what identifies an operation without an id.",
    )
    client_context: str | None
    status: str | None
    code: int | None
    subcode: int | None
    message: str | None
    completion_reason: str | None
    recording_location: str | None = Field(
        description="Scheme, host and path only: no user name, query string (a SAS signature), "
        "fragment or ;params."
    )
    audio_file: str | None
    sample_rate: int | None
    duration_s: float | None
    keys: list[Key] = Field(
        default_factory=list,
        description="Every DTMF key found, in time order, the stop tone included; none of it is "
        "speech.",
    )
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
    return redact_url(op.recording_location) if op.recording_location else None


def _round(value: float) -> float | None:
    return round(float(value), 3) if np.isfinite(value) else None


def _resource_url(op: RecordOperation, notification: CommsNotification | None) -> str | None:
    """The operation's resource path: the notification's ``resourceUrl``, the older
    ``resource``, or the operation's own ``@odata.id``."""
    candidates: list[str | None] = [op.odata_id]
    if notification is not None:
        candidates[:0] = [notification.resource_url, notification.resource]
    for value in candidates:
        if value and value.strip():
            return redact_url(value)
    return None


def _text(value: str | None) -> str | None:
    """A payload's free text as a report may hold it: any URL in it reduced."""
    return redact_text(value) if value else value


def _base(op: RecordOperation, resource_url: str | None) -> dict[str, Any]:
    info = op.result_info
    return {
        "operation_id": _text(op.id),
        "resource_url": resource_url,
        "client_context": _text(op.client_context),
        "status": _text(_status(op)),
        "code": info.code if info else None,
        "subcode": info.subcode if info else None,
        "message": _text(info.message) if info else None,
        "completion_reason": _text(_reason(op)),
        "recording_location": _location(op),
        "thresholds": {
            "speech_on_dbfs_at_least": -50.0,
            "speech_on_dbfs_at_most": -30.0,
            "min_speech_s": MIN_SPEECH_S,
            "stop_tone_tail_s": STOP_TONE_TAIL_S,
            "clean_pad_s": CLEAN_PAD_S,
            "key_guard_s": KEY_GUARD_S,
        },
    }


def _failed(
    op: RecordOperation, resource_url: str | None, why: str, error: CallrecError | None = None
) -> ResponseResult:
    report = ResponseReport(
        **_base(op, resource_url),
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


def _read(audio: str | Path) -> tuple[np.ndarray, int, str, list[str]]:
    """The samples, rate and name of a downloaded answer, and what was wrong with the file
    (truncated, damaged data the decoder skipped): a warning each, never lost."""
    with warnings_module.catch_warnings(record=True) as caught:
        warnings_module.simplefilter("always", TruncatedMediaWarning)
        warnings_module.simplefilter("always", DecoderMessagesWarning)
        # The probe holds the rate to callrec.safety.limits (8 kHz and up): enough for DTMF's highest
        # tone (1633 Hz) and the K-weighting's shelf (1682 Hz).
        with open_audio(audio) as reader:
            samples = reader.read()
    said = [
        str(w.message)
        for w in caught
        if isinstance(w.message, (TruncatedMediaWarning, DecoderMessagesWarning))
    ]
    return samples, reader.sample_rate, str(reader.path), said


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
    op, resource_url = _operation(operation)
    return _analyze(op, resource_url, audio, sample_rate)


def _analyze(
    op: RecordOperation,
    resource_url: str | None,
    audio: str | Path | np.ndarray | None,
    sample_rate: int | None,
) -> ResponseResult:
    if _status(op) == OperationStatus.FAILED.value:
        return _failed(
            op, resource_url, f"the operation failed ({_reason(op) or 'no reason given'})"
        )
    if audio is None:
        return _failed(op, resource_url, "no audio was given for a completed operation")
    if isinstance(audio, np.ndarray):
        if sample_rate is None:
            raise UsageError("sample_rate is needed when the audio is an array")
        samples, rate, name = np.asarray(audio), int(sample_rate), None
        if samples.ndim == 1:
            samples = samples[:, np.newaxis]
    else:
        samples, rate, name, damage = _read(audio)
        judged = _judge(op, resource_url, samples, rate, name)
        if damage:
            report = judged.report
            judged = ResponseResult(
                report.model_copy(update={"warnings": [*damage, *report.warnings]}), judged.clean
            )
        return judged
    return _judge(op, resource_url, samples, rate, name)


def _mono(samples: np.ndarray) -> np.ndarray:
    if samples.shape[1] == 1:
        return samples
    mixed: np.ndarray = samples.astype(np.float64).mean(axis=1, keepdims=True)
    return mixed


def _judge(
    op: RecordOperation, resource_url: str | None, samples: np.ndarray, rate: int, name: str | None
) -> ResponseResult:
    mono = _mono(samples)
    n = len(mono)
    warnings: list[str] = []
    tones = detect_dtmf(mono, rate)[0]
    guarded = pad(tones.intervals, to_samples(KEY_GUARD_S, rate), n)
    found = _speech(mono, rate, guarded)
    keys = [
        Key(key=k, start_s=round(a / rate, 3), end_s=round(b / rate, 3))
        for k, (a, b) in zip(tones.keys, tones.intervals.tolist(), strict=True)
    ]
    reason = _reason(op)
    said_stop_tone = reason == CompletionReason.STOP_TONE_DETECTED.value
    stop: StopTone | None = None
    near_end = spoken_after = False
    if keys:
        start, end = (int(v) for v in tones.intervals[-1])
        near_end = n - end <= to_samples(STOP_TONE_TAIL_S, rate)
        spoken_after = len(found) > 0 and int(found[-1, 1]) > start
    if near_end and not spoken_after:
        stop = StopTone(
            key=keys[-1].key,
            start_s=keys[-1].start_s,
            end_s=keys[-1].end_s,
            matches_reason=said_stop_tone,
        )
        if not said_stop_tone:
            warnings.append(
                f"the clip ends with the key {keys[-1].key!r} but the completion reason is "
                f"{reason or 'not given'}"
            )
    elif said_stop_tone:
        warnings.append(
            f"the completion reason is stopToneDetected but speech follows the last key "
            f"{keys[-1].key!r}"
            if near_end
            else "the completion reason is stopToneDetected but no key was found at the end"
        )
    # The stop tone ends the recording; it is not part of the answer.
    answer_keys = tones.keys[:-1] if stop is not None else tones.keys
    speech_samples = int((found[:, 1] - found[:, 0]).sum())
    speech_s = speech_samples / rate
    segments = [(round(a / rate, 3), round(b / rate, 3)) for a, b in found.tolist()]
    clean = None
    clip: np.ndarray | None = None
    peak = rms = lufs = float("-inf")
    verdict: Verdict
    if speech_samples >= to_samples(MIN_SPEECH_S, rate):
        margin = to_samples(CLEAN_PAD_S, rate)
        lo, hi = max(0, int(found[0, 0]) - margin), min(n, int(found[-1, 1]) + margin)
        clip = samples[lo:hi].copy()
        # Speech never lies inside a guarded key, so silencing one removes no speech.
        inside = np.clip(guarded, lo, hi)
        inside = inside[inside[:, 1] > inside[:, 0]]
        for a, b in inside.tolist():  # one per key
            clip[a - lo : b - lo] = 0
        clean = CleanClip(
            file=None,
            start_s=round(lo / rate, 3),
            end_s=round(hi / rate, 3),
            silenced=[(round(a / rate, 3), round(b / rate, 3)) for a, b in inside.tolist()],
        )
        speech = np.concatenate([mono[a:b] for a, b in found.tolist()])
        measured = levels(speech, rate)
        peak, rms = float(measured.peak_dbfs[0]), float(measured.rms_dbfs[0])
        lufs = float(loudness(speech, rate).integrated_lufs[0])
        verdict = "speech"
        why = f"{speech_s:.2f} s of speech"
        if answer_keys:
            why += f"; the keys {' '.join(answer_keys)} are not counted"
    elif answer_keys:
        verdict = "keys"
        why = (
            f"the keys {' '.join(answer_keys)} and {speech_s:.2f} s of speech, under the "
            f"{MIN_SPEECH_S} s that makes a spoken answer"
        )
    else:
        verdict = "empty"
        why = f"{speech_s:.2f} s of speech, under the {MIN_SPEECH_S} s that makes an answer"
    report = ResponseReport(
        **_base(op, resource_url),
        audio_file=name,
        sample_rate=rate,
        duration_s=round(n / rate, 3),
        keys=keys,
        stop_tone=stop,
        clean=clean,
        speech_s=round(speech_s, 3),
        speech_segments=segments,
        peak_dbfs=_round(peak),
        rms_dbfs=_round(rms),
        loudness_lufs=_round(lufs),
        verdict=verdict,
        verdict_reason=why,
        warnings=warnings,
    )
    return ResponseResult(report, clip)


def _speech(mono: np.ndarray, rate: int, keys: np.ndarray) -> np.ndarray:
    """``(n, 2)`` speech intervals of a mono clip, none of them inside ``keys``: the keys are
    kept out before speech is decided (:meth:`~callrec.dsp.SpeechDetector.exclude`), so speech
    beside one ends where the voice does and is never bridged across it, as in
    ``callrec process``."""
    found: np.ndarray = speech_activity(mono, rate, exclude=keys).intervals[0]
    return found


def _operation(
    operation: RecordOperation | dict[str, Any] | str,
) -> tuple[RecordOperation, str | None]:
    if isinstance(operation, RecordOperation):
        return operation, _resource_url(operation, None)
    data = parse_json(operation) if isinstance(operation, str) else operation
    found = [n for n in parse_notifications(data).value if n.record_operation is not None]
    if len(found) != 1:
        raise UsageError(f"expected one recordOperation in the payload, found {len(found)}")
    op = found[0].record_operation
    assert op is not None
    return op, _resource_url(op, found[0])


@dataclass(frozen=True)
class FoundResponse:
    """A record operation, the file it came from, and its audio when one was found.

    ``resource_url`` is the notification's (see :class:`ResponseReport`); ``name`` is what
    :func:`find_responses` chose for the operation's output files, distinct from every other
    operation's in the same run.
    """

    operation: RecordOperation
    notification_file: Path | None
    audio: Path | None
    problem: CallrecError | None = None
    resource_url: str | None = None
    name: str | None = None


_AUDIO_SUFFIXES = frozenset({"", ".wav", ".mp3", ".flac", ".ogg", ".mp4", ".m4a", ".bin"})


def find_responses(paths: Iterable[str | Path]) -> tuple[list[FoundResponse], list[CallrecError]]:
    """Pair the record operations in the given notification files or folders with their audio.

    A folder is searched (not recursively into other folders' pairs: any depth, each audio file
    paired once). Audio is matched by the operation id or by the last path segment of
    ``recordingLocation`` (file name or stem, case-insensitive). A notification file plus one
    audio file pairs them directly. JSON files that cannot be read, or hold no object (a string,
    a number, an array of neither), are returned as errors. The same
    operation found twice (a notification delivered or saved twice) is kept once.

    Each operation gets an output name (see :func:`_output_names`) that no other operation of
    this call shares, even ignoring case.
    """
    given = [Path(p) for p in paths]
    files: list[Path] = []
    for item in given:
        if not item.exists():
            raise UsageError(f"{item}: no such file or folder")
        files += sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item]
    notifications: list[tuple[Path, int, RecordOperation, str | None]] = []
    seen: set[tuple[str | None, str]] = set()
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
                require_document(data, file=path)
                kind = classify_json(data)
                if kind != "graph_notification" and path in given:
                    # Named on the command line, it was meant as a notification: say it is not
                    # one (in a folder, other JSON is simply not ours).
                    raise JSONFileError(
                        "not a Graph commsNotifications payload with a recordOperation: expected "
                        "a JSON object with @odata.type #microsoft.graph.commsNotifications (or "
                        "one notification, or a recordOperation resource)",
                        file=path,
                    )
                if kind == "graph_notification":
                    parsed = parse_notifications(data, file=path).value
                    for index, notification in enumerate(parsed):
                        op = notification.record_operation
                        if op is None:
                            continue
                        resource_url = _resource_url(op, notification)
                        # The token is masked in the dump, so a re-sent copy with a fresh
                        # token is the same operation too.
                        same = (resource_url, op.model_dump_json(by_alias=True))
                        if same not in seen:
                            seen.add(same)
                            notifications.append((path, index, op, resource_url))
            except CallrecError as exc:
                errors.append(exc)
        elif path.suffix.lower() in _AUDIO_SUFFIXES and not path.name.endswith(".clean.wav"):
            audio.append(path)
    explicit = len(notifications) == 1 and len(audio) == 1 and all(p.is_file() for p in given)
    names = _output_names([(op, url, path, index) for path, index, op, url in notifications])
    found: list[FoundResponse] = []
    for (path, _, op, url), name in zip(notifications, names, strict=True):
        if explicit:
            found.append(FoundResponse(op, path, audio[0], resource_url=url, name=name))
            continue
        wanted = {n.lower() for n in (op.id, op.recording_name) if n}
        matches = [a for a in audio if a.name.lower() in wanted or a.stem.lower() in wanted]
        problem: CallrecError | None = None
        if len(matches) > 1:
            listed = ", ".join(str(m) for m in matches)
            problem = MediaError(f"several audio files match: {listed}", file=path)
        paired = matches[0] if len(matches) == 1 else None
        found.append(FoundResponse(op, path, paired, problem, resource_url=url, name=name))
    return found, errors


def _own_name(
    op: RecordOperation, resource_url: str | None, file: Path | None, index: int = 0
) -> tuple[str, str]:
    """An operation's output name when nothing else shares it, and the string behind it.

    The id; else the last segment of its resource path (``.../operations/<this>``); else of its
    recording location; else the notification file's name. Always through :func:`safe_name`:
    these strings come from files and never become paths as they are.
    """
    if op.id:
        return safe_name(redact_text(op.id)), op.id
    if resource_url:
        return safe_name(resource_url.rstrip("/").rsplit("/", 1)[-1] or resource_url), resource_url
    if op.recording_name:
        return safe_name(op.recording_name), op.recording_name
    stem = file.stem if file is not None else "response"
    return safe_name(stem), f"{file}#{index}"


def _output_names(
    operations: list[tuple[RecordOperation, str | None, Path | None, int]],
) -> list[str]:
    """Output names for the operations of one run: their own names, except where two of them
    would share one (even ignoring case: case-insensitive disks). Each of those gets ``~`` and a
    short hash of the string behind its name, or, when that string is shared too (one id, two
    different notifications), of the string and the whole operation. Every member of a clash is
    renamed, so no name depends on the order the operations were found in."""
    own = [_own_name(*item) for item in operations]
    groups: dict[str, list[int]] = {}
    for i, (name, _) in enumerate(own):
        groups.setdefault(name.casefold(), []).append(i)
    names = [name for name, _ in own]
    for members in groups.values():
        if len(members) < 2:
            continue
        sources = Counter(own[i][1] for i in members)
        for i in members:
            name, source = own[i]
            if sources[source] > 1:  # find_responses keeps no two equal operations
                source += "\n" + operations[i][0].model_dump_json(by_alias=True)
            digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:8]
            names[i] = f"{name}~{digest}"
    return names


def process_response(found: FoundResponse, out: str | Path) -> ResponseResult:
    """Analyse one found response and write ``<name>.response.json`` (and ``<name>.clean.wav``).

    ``<name>`` is :attr:`FoundResponse.name`, else the operation's own name (its id, else the
    last segment of its resource path). The report is written last, after the clean clip, or
    after an earlier run's clean clip of the same name is removed when there is none now: a
    report is never beside a clip that is not its own.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clear_partials(out)
    op = found.operation
    resource_url = found.resource_url or _resource_url(op, None)
    name = found.name or _own_name(op, resource_url, found.notification_file)[0]
    failed = _status(op) == OperationStatus.FAILED.value
    if found.problem is not None and not failed:
        result = _failed(op, resource_url, "its audio could not be used", found.problem)
    elif found.audio is None and not failed:
        missing = MediaError(
            "no audio file named after the operation id or the recording location was found",
            file=found.notification_file,
        )
        result = _failed(op, resource_url, "its audio was not found", missing)
    else:
        try:
            result = _analyze(op, resource_url, None if failed else found.audio, None)
        except CallrecError as exc:  # this answer fails; the others are still judged
            result = _failed(op, resource_url, "its audio could not be used", exc)
        except OSError as exc:
            error = MediaError(f"cannot be read: {exc.strerror or exc}", file=found.audio)
            result = _failed(op, resource_url, "its audio could not be read", error)
    report_path, clip_path = out / f"{name}.response.json", out / f"{name}.clean.wav"
    # Gone first, so that a run stopped half-way leaves no report beside a clip of another run.
    report_path.unlink(missing_ok=True)
    report = result.report
    if result.clean is not None and report.clean is not None:
        write_audio(clip_path, result.clean, report.sample_rate or 0)
        report = report.model_copy(
            update={"clean": report.clean.model_copy(update={"file": clip_path.name})}
        )
        result = ResponseResult(report, result.clean)
    else:
        clip_path.unlink(missing_ok=True)
    write_text(report_path, report.to_json())
    return result
