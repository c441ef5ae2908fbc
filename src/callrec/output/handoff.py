"""What the next tools take: a transcription manifest, a scoring map, clips and a stereo file.

``manifest.jsonl`` follows NeMo's manifest convention (``audio_filepath``, ``offset``,
``duration``, one JSON object per line) and says whose speech each line is and when it was said;
``speech.uem`` is the span scorers evaluate, so that a recording without speech still counts.
Both are made from the report alone, like the other tables. Clips (one WAV per utterance) and
``stereo.wav`` (agents left, phone numbers right, as two-channel transcription services want)
are cut from the tracks after they are written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from .report import Report

__all__ = [
    "clip_bounds",
    "is_phone_number",
    "manifest_jsonl",
    "saturated_sum",
    "speech_uem",
    "stereo_sides",
]

PHONE_PREFIX = "4:"
"""ACS's kind prefix of a phone number participant (``4:+14255550123``)."""


def is_phone_number(participant_id: str) -> bool:
    return participant_id.startswith(PHONE_PREFIX)


def stereo_sides(
    participants: Sequence[str], left: Sequence[str] = ()
) -> tuple[list[str], list[str], list[str]]:
    """``(left, right, notes)``: the ``left`` participants the recording has and the others;
    without ``left``, the identities that are not phone numbers (the agents) and the phone
    numbers (the customers), or, when that leaves a side empty, the first participant and the
    others. ``notes`` say what was assumed or left out.

    Raises ``ValueError`` when ``left`` names none of the recording's participants (a batch of
    calls with different agents names them all: each call takes its own)."""
    if left:
        chosen = [p for p in participants if p in left]
        if not chosen:
            raise ValueError(f"none of {', '.join(left)} is a participant of this recording")
        absent = [p for p in left if p not in participants]
        notes = (
            [f"not in this recording, so on neither side: {', '.join(absent)}"] if absent else []
        )
        return chosen, [p for p in participants if p not in left], notes
    agents = [p for p in participants if not is_phone_number(p)]
    phones = [p for p in participants if is_phone_number(p)]
    if agents and phones:
        return agents, phones, []
    first, rest = list(participants[:1]), list(participants[1:])
    kind = "no phone numbers" if agents else "only phone numbers"
    return first, rest, [f"{kind}: the first participant is on the left, the others on the right"]


def saturated_sum(blocks: Sequence[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """The sum of equal-length ``(frames,)`` blocks, saturated to ``dtype``: integers to their
    range (summed in 64 bits, so nothing wraps), floats to full scale ``[-1, 1]``. No blocks:
    silence."""
    if not blocks:
        return np.zeros(0, dtype)
    if np.issubdtype(dtype, np.integer):
        limits = np.iinfo(dtype)
        total = np.sum([b.astype(np.int64) for b in blocks], axis=0)
        saturated: np.ndarray = np.clip(total, limits.min, limits.max).astype(dtype)
        return saturated
    summed = np.sum([b.astype(np.float64) for b in blocks], axis=0)
    full_scale: np.ndarray = np.clip(summed, -1.0, 1.0).astype(dtype)
    return full_scale


def clip_bounds(speech: np.ndarray, padding: int, length: int) -> list[tuple[int, int]]:
    """Each utterance's clip on its track: ``[start - padding, end + padding)`` within
    ``[0, length)``. Clips of neighbouring utterances may overlap: each is whole."""
    return [(max(0, int(s) - padding), min(length, int(e) + padding)) for s, e in speech]


def manifest_jsonl(report: Report, file_id: str, speakers: dict[str, str]) -> str:
    """One JSON line per utterance in time order (then by speaker).

    ``audio_filepath`` is relative to the manifest (the recording's folder): the utterance's
    clip when there are clips, else its track; ``offset`` and ``duration`` select the speech in
    it, in seconds. ``speaker`` is the track's file name (the RTTM's speaker), ``participant_id``
    the id (``mix`` for a mixed recording), ``recording`` the folder's name, ``start_s`` and
    ``end_s`` on the recording's clock and ``start_time`` the wall-clock instant (ISO 8601 UTC).
    """
    lines = []
    for label, track in report.tracks():
        if track.file is None:
            continue
        spans = zip(track.speech_segments, track.track_speech_segments, strict=True)
        for n, ((start, end), (on_track, off_track)) in enumerate(spans):
            audio, origin = track.file, 0.0
            if track.clips:
                audio, origin = track.clips[n].file, track.clips[n].start_s
            line = {
                "audio_filepath": audio,
                "offset": round(on_track - origin, 6),
                "duration": round(off_track - on_track, 6),
                "speaker": speakers[label],
                "participant_id": label,
                "recording": file_id,
                "start_s": start,
                "end_s": end,
                "start_time": report.instant(start),
            }
            lines.append(((start, speakers[label]), json.dumps(line, ensure_ascii=False)))
    return "".join(text + "\n" for _, text in sorted(lines))


def speech_uem(report: Report, file_id: str) -> str:
    """The span of the recording's tracks that was evaluated: all of it, in track time (the
    RTTM's time), so that a scorer keeps a recording even when nobody spoke."""
    return f"{file_id} 1 0.000 {report.track_duration_s():.3f}\n"
