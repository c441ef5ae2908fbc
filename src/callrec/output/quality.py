"""Call-quality flags: what a person listening to a line would notice, from its measurements.

Each flag compares one figure of a track with a threshold of
:class:`~callrec.output.options.QualityOptions` (README, "Call quality"):

=============  ==========================================  =============================
code           measured                                    flagged when
=============  ==========================================  =============================
low-level      integrated loudness of the track (LUFS)     below ``low_level_lufs``
clipping       speech samples at full scale, as a fraction above ``clipped_fraction``
noisy-line     noise floor between words (dBFS)            above ``noisy_floor_dbfs``
echo           the echo's level below its source (dB)      an echo was found (the core's
                                                           ``EchoOptions``)
=============  ==========================================  =============================

A track with no speech is not judged for level or clipping: there is nothing to hear.
"""

from __future__ import annotations

from typing import Literal

from ..dsp.intervals import total_length
from ..timebase import to_seconds
from .groups import MIX_LABEL
from .options import QualityOptions
from .report import QualityFlag, TrackReport
from .results import TrackResult

__all__ = ["quality_flags"]

Code = Literal["low-level", "clipping", "noisy-line", "echo"]


def _who(label: str) -> str | None:
    return None if label == MIX_LABEL else label


def _name(label: str) -> str:
    return "the mix" if label == MIX_LABEL else label


def _judged(
    result: TrackResult, track: TrackReport, options: QualityOptions
) -> list[tuple[Code, str, float, float]]:
    """``(code, what, measured, threshold)`` of each level figure past its threshold."""
    found: list[tuple[Code, str, float, float]] = []
    talked = total_length(result.speech)
    channels = result.analysis.channels if result.analysis is not None else 1
    loud, floor = track.loudness_lufs, track.noise_floor_dbfs
    if talked and loud is not None and loud < options.low_level_lufs:
        what = f"speech at {loud:.1f} LUFS, below {options.low_level_lufs:g} LUFS: hard to hear"
        found.append(("low-level", what, loud, options.low_level_lufs))
    clipped = track.clipped_samples / (talked * channels) if talked else 0.0
    if clipped > options.clipped_fraction:
        what = (
            f"{clipped:.2%} of the speech samples at full scale (more than "
            f"{options.clipped_fraction:.2%}): distorted"
        )
        found.append(("clipping", what, round(clipped, 6), options.clipped_fraction))
    if floor is not None and floor > options.noisy_floor_dbfs:
        what = f"a noise floor of {floor:.1f} dBFS between words, above {options.noisy_floor_dbfs:g} dBFS"
        found.append(("noisy-line", what, floor, options.noisy_floor_dbfs))
    return found


def quality_flags(
    results: list[TrackResult], tracks: dict[str, TrackReport], options: QualityOptions, rate: int
) -> list[QualityFlag]:
    """The flags of every track, in the order the report lists the tracks."""
    flags = []
    for result in results:
        flags += [
            QualityFlag(
                code=code,
                participant_id=_who(result.label),
                message=f"{_name(result.label)}: {what}",
                measured=measured,
                threshold=threshold,
            )
            for code, what, measured, threshold in _judged(result, tracks[result.label], options)
        ]
        for echo in result.echoes:
            flags.append(
                QualityFlag(
                    code="echo",
                    participant_id=_who(result.label),
                    message=f"{_name(result.label)}: carries {echo.source}'s voice "
                    f"{echo.attenuation_db:.1f} dB down and {echo.delay_s * 1000:.0f} ms late; "
                    f"{to_seconds(echo.removed, rate):.2f} s of it was not counted as speech",
                    measured=round(echo.attenuation_db, 3),
                    threshold=echo.min_attenuation_db,
                    source_participant_id=echo.source,
                    delay_s=echo.delay_s,
                    removed_s=to_seconds(echo.removed, rate),
                )
            )
    return flags
