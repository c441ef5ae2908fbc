"""What ``callrec inspect`` shows: a recording as a JSON-ready dict, and as text for people."""

from __future__ import annotations

from enum import Enum
from typing import Any

from ..acs.discovery import Problem
from ..acs.recording import Chunk, Recording
from ..errors import CallrecError
from ..timebase import format_instant

__all__ = ["INSPECT_SCHEMA_VERSION", "format_recording", "recording_summary"]

INSPECT_SCHEMA_VERSION = 1


def _text(value: object) -> str | None:
    """Open-vocabulary values (enum member or unknown string) as their plain string."""
    if value is None:
        return None
    return str(value.value) if isinstance(value, Enum) else str(value)


def _seconds(samples: int, rate: int) -> float:
    return round(samples / rate, 6)


def _chunk_summary(chunk: Chunk, rec: Recording) -> dict[str, Any]:
    tl, rate = chunk.timeline, rec.sample_rate
    return {
        "index": chunk.index,
        "document_id": chunk.document_id,
        "start_time": format_instant(chunk.start_time),
        "start_s": _seconds(tl.start, rate),
        "duration_s": _seconds(tl.stop - tl.start, rate),
        "chunk_duration_ms": chunk.metadata.chunk_duration_ms,
        "media_duration_s": _seconds(tl.media_frames, rate),
        "media_frames": tl.media_frames,
        "media_known": tl.media_frames_known,
        "metadata_file": str(chunk.metadata_path) if chunk.metadata_path else None,
        "media_file": str(chunk.media_path) if chunk.media_path else None,
        "media_problem": chunk.media_problem,
        "media_channels": chunk.media.channels if chunk.media else None,
        "pauses": [
            {"start_s": _seconds(a, rate), "duration_s": _seconds(b - a, rate)}
            for a, b in tl.pauses
        ],
        "pause_reading": tl.pause_reading.value,
        "pause_reading_source": tl.reading_source,
        "end_reason": _text(chunk.end_reason),
    }


def recording_summary(rec: Recording) -> dict[str, Any]:
    """Everything ``inspect`` knows about one recording, as plain JSON values."""
    return {
        "call_id": rec.call_id,
        "recording_id": rec.recording_id,
        "start_time": format_instant(rec.start),
        "end_time": format_instant(rec.end),
        "duration_s": round(rec.duration_s, 6),
        "sample_rate": rec.sample_rate,
        "channel_type": rec.channel_type.value,
        "format": rec.format.value if rec.format else None,
        "content_type": rec.content_type.value if rec.content_type else None,
        "session_end_reason": _text(rec.session_end_reason),
        "chunks": [_chunk_summary(c, rec) for c in rec.chunks],
        "missing_chunks": list(rec.missing_chunks),
        "participants": [
            {
                "participant_id": pid,
                "channels": {str(k): v for k, v in rec.channels_of(pid).items()},
            }
            for pid in rec.participants
        ],
        "warnings": [w.to_dict() for w in rec.warnings],
    }


def _clock(text: str) -> str:
    return text[11:23]


def format_recording(rec: Recording, number: int, total: int) -> str:
    """A person-readable summary of one recording."""
    s = recording_summary(rec)
    lines = [
        f"Recording {number}/{total}: call {rec.call_id}"
        + (
            f", recording {rec.recording_id}"
            if rec.recording_id
            else ", recording id unknown (no event)"
        ),
        f"  start {s['start_time']}   end {s['end_time']}   wall clock {rec.duration_s:.3f} s",
        f"  {rec.channel_type.value} {s['format'] or 'format?'}, {rec.sample_rate} Hz,"
        f" {len(rec.chunks)} chunk{'s' if len(rec.chunks) != 1 else ''}"
        + (f", session ended: {s['session_end_reason']}" if s["session_end_reason"] else ""),
        "  chunks:",
        f"    {'#':>3}  {'start (UTC)':<12} {'at':>9} {'span':>9} {'media':>9}  {'pauses (at, for)':<24} {'reading':<26} end reason",
    ]
    for c in s["chunks"]:
        pauses = ", ".join(f"{p['start_s']:.3f}+{p['duration_s']:.3f}" for p in c["pauses"]) or "-"
        media = f"{c['media_duration_s']:8.3f}s" if c["media_known"] else "   absent"
        source = c["pause_reading_source"]
        reading = "no pauses" if source == "no_pauses" else f"{c['pause_reading']} ({source})"
        lines.append(
            f"    {c['index']:>3}  {_clock(c['start_time']):<12} {c['start_s']:8.3f}s {c['duration_s']:8.3f}s"
            f" {media}  {pauses:<24} {reading:<26} {c['end_reason'] or '-'}"
        )
        if c["media_problem"]:
            lines.append(f"         media unusable: {c['media_problem']}")
    for index in rec.missing_chunks:
        lines.append(f"    {index:>3}  missing")
    if not rec.participants:
        lines.append("  participants: none listed")
    elif rec.channel_type.value == "mixed":
        lines.append("  participants (mixed audio, no channels):")
        lines += [f"    {pid}" for pid in rec.participants]
    else:
        width = max(len(p) for p in rec.participants)
        lines.append("  participants (channel in each chunk, - where absent):")
        lines.append(
            f"    {'participant':<{width}}" + "".join(f"  chunk {c.index:<3}" for c in rec.chunks)
        )
        for pid in rec.participants:
            cells = "".join(
                f"  {('-' if ch is None else str(ch)):<9}" for ch in rec.channels_of(pid).values()
            )
            lines.append(f"    {pid:<{width}}{cells}")
    if rec.warnings:
        lines.append(f"  warnings ({len(rec.warnings)}):")
        lines += [f"    - {w.message}" for w in rec.warnings]
    else:
        lines.append("  warnings: none")
    return "\n".join(lines)


def error_entry(error: CallrecError, files: list[str]) -> dict[str, Any]:
    return {**error.to_dict(), "chunk_files": files}


def problem_line(problem: Problem) -> str:
    return f"{problem.severity}: {problem.file}: {problem.message}"
