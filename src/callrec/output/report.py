"""The report of one processed recording: a versioned, typed schema and its file forms.

``report.json`` is :class:`Report` serialised with :meth:`Report.to_json`; :func:`load_report`
reads it back into the same object (:mod:`callrec.output.tables` gives the tables written beside
it). The JSON Schema (``Report.model_json_schema()``) is
committed as ``docs/report.schema.json``.

Times are seconds. Unless a field says otherwise they are on the wall clock, counted from the
recording's ``start_time``. Levels that do not exist (the RMS of digital silence, the loudness of
less than 400 ms of audio) are ``null``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    field_serializer,
    model_serializer,
    model_validator,
)

from ..errors import CallrecError, Finding, JSONFileError, MissingExtraError
from ..payloads.fields import StrictModel
from ..safety.paths import as_path
from ..safety.redaction import redact_text

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "ChunkReport",
    "CompactSpan",
    "ConversationReport",
    "DeadAirReport",
    "ErrorReport",
    "FindingReport",
    "InputFile",
    "KeyPress",
    "LatencyReport",
    "ParticipantReport",
    "ParticipantTalk",
    "PauseReport",
    "ProblemReport",
    "Provenance",
    "QualityFlag",
    "Report",
    "TrackReport",
    "TrimReport",
    "WarningReport",
    "load_report",
]

REPORT_SCHEMA_VERSION = 1

RMS_CONVENTION = (
    "rms_dbfs is the plain ratio to full scale: a full-scale sine reads -3.01 dBFS "
    "(add 3.01 dB for AES17, where it reads 0 dBFS)"
)
LOUDNESS_METHOD = (
    "ITU-R BS.1770-4 integrated loudness of each track as a mono programme (K-weighting designed "
    "for the sample rate, gates -70 LUFS / -10 LU); loudness range by EBU Tech 3342"
)
TURN_DEFINITION = (
    "a participant takes a turn when they start speaking and the previous speech start, by "
    "anyone, was someone else's; they interrupt when they start speaking while another "
    "participant is mid-utterance and the two overlap by at least interruption_min_overlap_s; "
    "dead air is recorded time of at least dead_air.threshold_s in which nobody speaks (a pause "
    "or a gap between chunks ends it and is not counted); a monologue is a stretch of one "
    "participant's speech in which nobody else speaks, their own silences shorter than the "
    "dead-air threshold included; a response latency is the length of a silence of everybody "
    "that follows another participant's speech and ends with theirs, within recorded time; "
    "talk_ratio is a participant's talk time over the sum of everybody's"
)


class PauseReport(StrictModel):
    start_s: float = Field(description="Start of the pause, seconds from the recording start.")
    duration_s: float


class ChunkReport(StrictModel):
    index: int
    document_id: str | None
    media_file: str | None = Field(description="The chunk's media file as found on input.")
    start_s: float = Field(description="Where the chunk starts on the wall clock.")
    duration_s: float = Field(description="The chunk's wall-clock span, pauses included.")
    media_duration_s: float = Field(description="Recorded (media) time of the chunk.")
    pauses: list[PauseReport]
    pause_reading: str = Field(
        description="How chunkDuration was read: includes_pauses or excludes_pauses."
    )
    end_reason: str | None


class TrimReport(StrictModel):
    file: str = Field(description="The trimmed track, relative to the report's folder.")
    start_s: float = Field(description="Where the trimmed track starts on the untrimmed one.")
    end_s: float = Field(description="Where it ends on the untrimmed one.")


class ClipReport(TrimReport):
    """One utterance's clip (``--clips``): the file, and where it starts and ends on the track
    (the utterance and its padding)."""


class StereoReport(StrictModel):
    """``stereo.wav`` (``--stereo``): which participants are summed on which side."""

    file: str = Field(description="The stereo file, relative to the report's folder.")
    left: list[str] = Field(description="Participant ids summed on the left channel.")
    right: list[str] = Field(description="Participant ids summed on the right channel.")


class KeyPress(StrictModel):
    """A DTMF key pressed on a track."""

    key: str = Field(description="0-9, *, #, A-D.")
    start_s: float = Field(description="Where the key starts on the wall clock.")
    end_s: float = Field(description="Where it ends on the wall clock.")
    track_start_s: float = Field(
        description="Where it starts in the track file: start_s in aligned layout, compact "
        "track time in compact layout."
    )
    track_end_s: float = Field(description="Where it ends in the track file.")


class TrackReport(StrictModel):
    """One written track and what was measured on its recorded audio."""

    file: str | None = Field(description="Track file relative to the report's folder.")
    recorded_s: float = Field(description="Audio of this track that was actually recorded.")
    talk_time_s: float = Field(description="Seconds of speech; keys pressed are not speech.")
    speech_segments: list[tuple[float, float]] = Field(
        description="[start_s, end_s] of each utterance on the wall clock (never a key press)."
    )
    track_speech_segments: list[tuple[float, float]] = Field(
        default_factory=list,
        description="The same utterances, in the same order, in the time of the track file: "
        "equal to speech_segments in aligned layout, compact track time (pauses and gaps "
        "removed) in compact layout. Reports of callrec before 0.2 lack it: the wall-clock "
        "segments are taken.",
    )
    keys: list[KeyPress] = Field(
        default_factory=list,
        description="DTMF keys pressed, in time order (none in reports of callrec before 0.2).",
    )

    @model_validator(mode="before")
    @classmethod
    def _older_reports(cls, data: Any) -> Any:
        # Fields added within schema version 1 are optional when read back, so that a report
        # written by an earlier callrec still loads (a re-run redoes it: the version differs).
        if isinstance(data, dict) and "track_speech_segments" not in data:
            data = {**data, "track_speech_segments": data.get("speech_segments", [])}
        return data

    peak_dbfs: float | None
    rms_dbfs: float | None
    loudness_lufs: float | None
    loudness_range_lu: float | None
    noise_floor_dbfs: float | None
    clipped_samples: int
    trim: TrimReport | None = None
    clips: list[ClipReport] = Field(
        default_factory=list,
        description="One clip per utterance, in the order of speech_segments (--clips only).",
    )


class ParticipantReport(TrackReport):
    participant_id: str
    channels: dict[int, int | None] = Field(
        description="Chunk index -> the participant's channel in it (null: absent)."
    )

    @classmethod
    def of(
        cls, track: TrackReport, *, participant_id: str, channels: dict[int, int | None]
    ) -> ParticipantReport:
        """A participant's entry: their track's figures, and who and where they are."""
        figures = {name: getattr(track, name) for name in TrackReport.model_fields}
        return cls(participant_id=participant_id, channels=channels, **figures)


class LatencyReport(StrictModel):
    """Response latencies of one participant (see ``conversation.definitions``)."""

    median: float | None = Field(description="Seconds; null when there is none.")
    p90: float | None = Field(description="The 90th percentile, seconds; null when none.")
    count: int


class ParticipantTalk(StrictModel):
    participant_id: str
    talk_time_s: float
    turns: int
    interruptions: int
    talk_ratio: float | None = Field(
        default=None,
        description="Their talk time over everybody's talk time (the ratios add up to 1); null "
        "when nobody spoke. Reports of callrec before 0.4 lack it.",
    )
    longest_monologue_s: float | None = Field(
        default=None,
        description="Their longest monologue (see definitions), in seconds; 0 when they did "
        "not speak. Reports of callrec before 0.4 lack it.",
    )
    response_latency_s: LatencyReport | None = Field(
        default=None,
        description="Silences of everybody between another participant's speech and theirs.",
    )


class DeadAirReport(StrictModel):
    """Silences of everybody inside recorded time (see ``conversation.definitions``)."""

    count: int
    total_s: float
    longest_s: float
    threshold_s: float


class ConversationReport(StrictModel):
    talk_time_s: float = Field(description="Time during which anyone speaks.")
    non_talk_time_s: float = Field(description="Recorded time during which nobody speaks.")
    overlap_s: float | None = Field(
        description="Time during which two or more speak (null for a mixed recording)."
    )
    interruption_min_overlap_s: float
    definitions: str = TURN_DEFINITION
    participants: list[ParticipantTalk]
    dead_air: DeadAirReport | None = Field(
        default=None, description="Reports of callrec before 0.4 lack it."
    )


class CompactSpan(StrictModel):
    """A run of the compact track and where it sits on the wall clock."""

    track_start_s: float
    wall_start_s: float
    duration_s: float
    chunk_index: int


class WarningReport(StrictModel):
    code: str
    message: str
    chunk_index: int | None = None

    @classmethod
    def of(cls, finding: Finding) -> WarningReport:
        return cls(code=finding.code, message=finding.message, chunk_index=finding.chunk_index)


class FindingReport(WarningReport):
    """A warning with the file it is about (``inspect --json``, which lists input files)."""

    file: str | None = None

    @classmethod
    def of(cls, finding: Finding) -> FindingReport:
        return cls(
            code=finding.code,
            message=finding.message,
            chunk_index=finding.chunk_index,
            file=None if finding.file is None else str(finding.file),
        )


class ErrorReport(StrictModel):
    """Why a recording failed (``errors.json``, ``inspect --json``): the error's type, the file
    it was found in, and a message without secrets."""

    error: str = Field(description="The exception's type, such as MetadataError.")
    file: str | None
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> ErrorReport:
        """Any exception a recording can fail with: callrec's own errors as they describe
        themselves; an OS error with its file; anything else is a bug in callrec, and says so."""
        if isinstance(exc, CallrecError):
            return cls.model_validate(exc.to_dict())
        name, text = type(exc).__name__, redact_text(str(exc))
        if isinstance(exc, OSError):
            file = exc.filename
            return cls(error=name, file=None if file is None else str(file), message=text)
        return cls(
            error=name,
            file=None,
            message=f"callrec failed on this recording ({text}); this is a bug in callrec: "
            "please report it with the traceback --debug shows",
        )


class ProblemReport(StrictModel):
    """A file the run could not use, or a note about one (``errors.json``, ``inspect --json``)."""

    kind: str
    severity: Literal["error", "note", "warning"]
    file: str | None
    message: str
    error: str | None = Field(description="The type of the error that made the file unusable.")

    @classmethod
    def of(cls, finding: Finding) -> ProblemReport:
        return cls(
            kind=finding.code,
            severity=finding.severity,
            file=None if finding.file is None else str(finding.file),
            message=finding.message,
            error=type(finding.error).__name__ if finding.error is not None else None,
        )


class QualityFlag(StrictModel):
    """Something about a line that a person listening would notice (README, "Call quality")."""

    code: Literal["low-level", "clipping", "noisy-line", "echo"]
    participant_id: str | None = Field(description="The participant, or null for the mix.")
    message: str
    measured: float = Field(
        description="low-level: the track's loudness (LUFS); clipping: its samples at full "
        "scale per sample of its speech (nearly every clipped sample is in speech; keys and "
        "clicks count too); noisy-line: its noise floor (dBFS); echo: how far the echo sits "
        "below its source (dB)."
    )
    threshold: float = Field(description="What it was compared with, in the same unit.")
    source_participant_id: str | None = Field(
        default=None, description="echo: whose voice the line carries."
    )
    delay_s: float | None = Field(default=None, description="echo: how late it arrives.")
    removed_s: float | None = Field(
        default=None, description="echo: speech the echo explained, not counted as theirs."
    )


class InputFile(StrictModel):
    path: str
    size: int
    mtime_ns: int
    etag: str | None = Field(
        default=None, description="A blob's ETag (inputs in blob storage only; absent otherwise)."
    )

    @model_serializer(mode="wrap")
    def _without_etag_on_disk(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A local file has none: its reports stay as they were before blobs came in.
        data: dict[str, Any] = handler(self)
        if self.etag is None:
            data.pop("etag", None)
        return data


class Provenance(StrictModel):
    """What the outputs were made from; a re-run compares it to decide whether to redo them."""

    callrec_version: str
    options: dict[str, Any]
    inputs: list[InputFile]


_SEGMENT_COLUMNS = (
    "recording",
    "call_id",
    "recording_id",
    "participant_id",
    "speaker",
    "start_s",
    "end_s",
    "start_time",
)


class Report(StrictModel):
    """Everything ``callrec process`` found out about one recording."""

    schema_version: Literal[1] = 1
    call_id: str
    recording_id: str | None
    start_time: datetime = Field(description="The recording's start, ISO 8601 UTC.")
    duration_s: float = Field(description="Wall-clock span from the start to the last chunk's end.")
    sample_rate: int
    channel_type: Literal["mixed", "unmixed"]
    format: str | None
    layout: Literal["aligned", "compact"] = Field(
        description="aligned: sample n of a track is start_time + n / sample_rate; compact: "
        "pauses and gaps removed, see compact_map."
    )
    rms_convention: str = RMS_CONVENTION
    loudness_method: str = LOUDNESS_METHOD
    pause_reading: dict[int, str] = Field(description="Chunk index -> pause reading taken.")
    chunks: list[ChunkReport]
    missing_chunks: list[int]
    compact_map: list[CompactSpan] | None
    participants: list[ParticipantReport]
    mix: TrackReport | None = Field(description="The mixed track (mixed recordings only).")
    conversation: ConversationReport
    warnings: list[WarningReport]
    quality: list[QualityFlag] = Field(
        default_factory=list,
        description="Call-quality flags (reports of callrec before 0.4 have none).",
    )
    stereo: StereoReport | None = Field(
        default=None, description="The agent/customer stereo file (--stereo only)."
    )
    provenance: Provenance

    @field_serializer("start_time")
    def _utc(self, value: datetime) -> str:
        return value.isoformat().replace("+00:00", "Z")

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"

    def output_files(self) -> set[str]:
        """The audio files the report lists (tracks, trimmed tracks, clips, the stereo file),
        relative to its folder."""
        tracks = [track for _, track in self.tracks()]
        files = {t.file for t in tracks if t.file} | {t.trim.file for t in tracks if t.trim}
        files |= {clip.file for t in tracks for clip in t.clips}
        return files | ({self.stereo.file} if self.stereo else set())

    def speakers(self) -> dict[str, str]:
        """Track label -> its speaker name in ``speech.rttm`` and ``manifest.jsonl``: the track's
        file name without ``.wav`` (``mix`` for a mixed recording)."""
        return {
            label: label if label == "mix" or track.file is None else Path(track.file).stem
            for label, track in self.tracks()
        }

    def segment_rows(self, recording: str) -> list[dict[str, Any]]:
        """One row per utterance in time order, as in the batch ``segments.csv``:
        ``recording`` (the folder's name, given), ``call_id``, ``recording_id``,
        ``participant_id``, ``speaker``, ``start_s``, ``end_s`` (the recording's clock) and
        ``start_time`` (wall clock)."""
        speakers = self.speakers()
        rows = [
            {
                "recording": recording,
                "call_id": self.call_id,
                "recording_id": self.recording_id,
                "participant_id": label,
                "speaker": speakers[label],
                "start_s": start,
                "end_s": end,
                "start_time": self.start_time + timedelta(seconds=start),
            }
            for label, track in self.tracks()
            for start, end in track.speech_segments
        ]
        return sorted(rows, key=lambda row: (row["start_s"], row["speaker"]))

    def segments_frame(self, recording: str | None = None) -> Any:
        """:meth:`segment_rows` as a pandas ``DataFrame`` (``pip install 'callrec[pandas]'``),
        with ``start_time`` as UTC timestamps; ``recording`` defaults to the call id (give the
        folder's name to match ``OUT/segments.csv``)."""
        try:
            import pandas as pd
        except ImportError:
            raise MissingExtraError(
                "Report.segments_frame", extra="pandas", module="pandas"
            ) from None
        columns = list(_SEGMENT_COLUMNS)
        frame = pd.DataFrame(self.segment_rows(recording or self.call_id), columns=columns)
        frame["start_time"] = pd.to_datetime(frame["start_time"], utc=True)
        return frame

    def to_annotation(self, uri: str | None = None) -> Any:
        """Who spoke when as a pyannote.core ``Annotation`` (``pip install 'callrec[pyannote]'``,
        Python 3.11+): one segment per utterance on the recording's clock, labelled with the
        participant id, one track per utterance; ``uri`` defaults to the call id. (``speech.rttm``
        names speakers by file name and counts in track time: load it with pyannote.database to
        line up with the files.)"""
        try:
            from pyannote.core import Annotation, Segment
        except ImportError:
            raise MissingExtraError(
                "Report.to_annotation", extra="pyannote", module="pyannote.core"
            ) from None
        annotation = Annotation(uri=uri or self.call_id)
        for n, row in enumerate(self.segment_rows(uri or self.call_id)):
            annotation[Segment(row["start_s"], row["end_s"]), n] = row["participant_id"]
        return annotation

    def instant(self, seconds: float) -> str:
        """The wall-clock instant ``seconds`` into the recording, ISO 8601 UTC to the
        microsecond (``2026-03-02T14:05:09.123456Z``)."""
        when = self.start_time + timedelta(seconds=seconds)
        return when.isoformat(timespec="microseconds").replace("+00:00", "Z")

    def track_duration_s(self) -> float:
        """How long each track file is: the wall-clock span, or (compact) the runs back to
        back."""
        if self.layout == "compact" and self.compact_map is not None:
            return round(sum(span.duration_s for span in self.compact_map), 6)
        return self.duration_s

    def tracks(self) -> list[tuple[str, TrackReport]]:
        """``(speaker label, track)`` pairs: each participant, or ``"mix"``."""
        if self.mix is not None:
            return [("mix", self.mix)]
        return [(p.participant_id, p) for p in self.participants]


def load_report(path: str | Path) -> Report:
    """Read a ``report.json`` back into a :class:`Report`.

    Raises
    ------
    JSONFileError
        The file is missing, not JSON, or not a report of a schema version this callrec reads.
    """
    from pydantic import ValidationError

    path = as_path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise JSONFileError(f"cannot read the report: {exc}", file=path) from None
    try:
        return Report.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise JSONFileError(f"not a callrec report: {where}: {first['msg']}", file=path) from None
