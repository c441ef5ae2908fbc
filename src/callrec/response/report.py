"""What judging one recorded answer gives: the ``<name>.response.json`` document
(:class:`ResponseReport` and its parts, ``schema_version`` 1) and :class:`ResponseResult`, the
report with the clean clip's samples and the :class:`~callrec.errors.Finding` objects behind its
warnings.

Times are seconds from the start of the downloaded audio, to the microsecond (six decimals, as
in every document callrec writes: :func:`callrec.timebase.to_seconds`); levels are dB to three
decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field

from .._version import __version__
from ..errors import Finding
from ..payloads.fields import StrictModel

__all__ = [
    "RESPONSE_SCHEMA_VERSION",
    "CleanClip",
    "Key",
    "ResponseFindingCode",
    "ResponseReport",
    "ResponseResult",
    "StopTone",
    "Verdict",
]

RESPONSE_SCHEMA_VERSION = 1

Verdict = Literal["speech", "keys", "empty", "failed"]

ResponseFindingCode = Literal[
    "truncated-media",  # the download ends early, or decoding stopped at damaged data
    "decoder-messages",  # the decoder skipped or resynced over damaged data
    "stop-tone-not-in-reason",  # the clip ends with a key, but the reason is not stopToneDetected
    "speech-after-last-key",  # the reason is stopToneDetected, but speech follows the last key
    "stop-tone-not-found",  # the reason is stopToneDetected, but no key ends the clip
]
"""The codes of the findings judging an answer can make. The first two are those ``callrec
process`` gives the same damage in a chunk's media."""


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
    """A judged answer.

    Attributes
    ----------
    report
        What ``<name>.response.json`` holds; its ``warnings`` are the messages of ``findings``.
    clean
        The clean clip's samples (``(n, channels)``, the input's type), or ``None`` when there
        is no clean clip.
    findings
        What was noticed on the way, in the order of the report's warnings; their codes are
        those of :data:`ResponseFindingCode`.
    """

    report: ResponseReport
    clean: np.ndarray | None
    findings: tuple[Finding, ...] = ()

    @property
    def truncated(self) -> bool:
        """Whether the downloaded audio ends early (or decoding stopped at damaged data): the
        answer was judged on what there was."""
        return any(f.code == "truncated-media" for f in self.findings)
