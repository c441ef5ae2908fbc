"""What a run found on each track, in samples: the typed values the report is built from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dsp.analysis import Analysis
from ..dsp.dtmf import DtmfTones
from .report import ClipReport, TrimReport

__all__ = ["TrackEcho", "TrackResult"]


@dataclass(frozen=True)
class TrackEcho:
    """Another participant's voice heard on this track (a speakerphone's acoustic echo).

    Attributes
    ----------
    source
        Whose voice it is.
    delay_s, attenuation_db
        How late it arrives, and how far below the source it sits.
    removed
        Samples of this track's speech the echo explained: not counted as this participant's.
    min_attenuation_db
        The least attenuation the search allowed (what the flag compares with).
    """

    source: str
    delay_s: float
    attenuation_db: float
    removed: int
    min_attenuation_db: float


@dataclass(frozen=True)
class TrackResult:
    """What the run found on one track, in samples.

    Attributes
    ----------
    label
        The participant id, or ``"mix"``.
    file
        The track file relative to the recording's folder (``None`` when nothing was written).
    recorded
        Samples of the track that were recorded (the rest is digital silence).
    analysis
        The core's figures of the recorded audio (``None``: nothing was recorded).
    speech, keys
        On the wall clock (track samples of the aligned layout); keys are not speech.
    speech_on_track, keys_on_track
        The same intervals in the track file (the compact track's time in compact layout).
    trim
        The trimmed copy, when one was written.
    echoes
        The other participants whose voice this track carries as an echo.
    clips
        One clip per utterance of ``speech_on_track``, when they were written.
    """

    label: str
    file: str | None
    recorded: int
    analysis: Analysis | None
    speech: np.ndarray
    keys: DtmfTones
    speech_on_track: np.ndarray
    keys_on_track: np.ndarray
    trim: TrimReport | None = None
    echoes: tuple[TrackEcho, ...] = ()
    clips: tuple[ClipReport, ...] = ()
