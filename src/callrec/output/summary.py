"""What ``callrec inspect`` shows: every recording found, checked but not decoded, as a JSON
document and as text for people (:func:`inspect_found`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from .._version import __version__
from ..acs.discovery import Discovery, FoundRecording
from ..acs.recording import Chunk, Recording
from ..acs.timeline import PauseReading
from ..errors import CallrecError, Finding
from ..timebase import format_instant, to_seconds
from .report import ErrorReport, FindingReport, ProblemReport

__all__ = [
    "INSPECT_SCHEMA_VERSION",
    "Inspected",
    "Inspection",
    "format_recording",
    "inspect_found",
    "recording_summary",
]

INSPECT_SCHEMA_VERSION = 1


def _text(value: object) -> str | None:
    """Open-vocabulary values (enum member or unknown string) as their plain string."""
    if value is None:
        return None
    return str(value.value) if isinstance(value, Enum) else str(value)


def _chunk_summary(chunk: Chunk, rec: Recording) -> dict[str, Any]:
    tl, rate = chunk.timeline, rec.sample_rate
    return {
        "index": chunk.index,
        "document_id": chunk.document_id,
        "start_time": format_instant(chunk.start_time),
        "start_s": to_seconds(tl.start, rate),
        "duration_s": to_seconds(tl.stop - tl.start, rate),
        "chunk_duration_ms": chunk.metadata.chunk_duration_ms,
        "media_duration_s": to_seconds(tl.media_frames, rate),
        "media_frames": tl.media_frames,
        "media_known": tl.media_frames_known,
        "metadata_file": str(chunk.metadata_path) if chunk.metadata_path else None,
        "media_file": str(chunk.media_path) if chunk.media_path else None,
        "media_problem": chunk.media_problem,
        "media_channels": chunk.media.channels if chunk.media else None,
        "pauses": [
            {"start_s": to_seconds(a, rate), "duration_s": to_seconds(b - a, rate)}
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
        "format": rec.media_format,
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
        "warnings": [FindingReport.of(w).model_dump(mode="json") for w in rec.warnings],
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
    elif rec.mixed:
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


def problem_line(problem: Finding) -> str:
    return f"{problem.severity}: {problem.file}: {problem.message}"


@dataclass(frozen=True)
class Inspected:
    """One recording found: built, or the error that stopped it."""

    found: FoundRecording
    recording: Recording | None
    error: CallrecError | None = None

    @property
    def chunk_files(self) -> list[str]:
        """The metadata files (a plain recording's media file, which has none)."""
        plain = self.found.plain is not None
        files = (s.media_path if plain else s.metadata_path for s in self.found.sources)
        return [str(path) for path in files if path]


@dataclass(frozen=True)
class Inspection:
    """What ``callrec inspect`` found under a path."""

    discovery: Discovery
    recordings: tuple[Inspected, ...]

    @property
    def failed(self) -> bool:
        """Some input could not be used: a file discovery set aside, or a recording whose
        chunks do not fit together."""
        return bool(self.discovery.errors) or any(i.error for i in self.recordings)

    @property
    def lost_audio(self) -> bool:
        """What inspect can see without decoding: media missing, empty or unreadable, chunks
        absent."""
        return any(
            w.loses_audio for i in self.recordings if i.recording for w in i.recording.warnings
        )

    def document(self) -> dict[str, Any]:
        """The ``inspect --json`` document."""
        return {
            "schema_version": INSPECT_SCHEMA_VERSION,
            "callrec_version": __version__,
            "path": str(self.discovery.root),
            "recordings": [recording_summary(i.recording) for i in self.recordings if i.recording],
            "errors": [
                {**ErrorReport.of(i.error).model_dump(), "chunk_files": i.chunk_files}
                for i in self.recordings
                if i.error
            ],
            "problems": [
                ProblemReport.of(p).model_dump(mode="json") for p in self.discovery.problems
            ],
            "ignored_files": [str(p) for p in self.discovery.ignored],
        }

    def text(self) -> str:
        """The text ``callrec inspect`` prints."""
        found, total = self.discovery, len(self.recordings)
        texts = []
        for number, item in enumerate(self.recordings, 1):
            if item.recording is not None:
                texts.append(format_recording(item.recording, number, total))
            else:
                texts.append(
                    f"Recording {number}/{total}: call {item.found.call_id}\n  error: {item.error}"
                )
        out = "" if found.recordings else f"No recordings found under {found.root}\n"
        out += "\n\n".join(texts) + ("\n" if texts else "")
        if found.problems:
            out += "\nFiles that could not be used:\n" if found.errors else "\nNotes:\n"
            out += "".join(f"  {problem_line(p)}\n" for p in found.problems)
        return out


def inspect_found(
    found: Discovery, *, pause_reading: PauseReading | None = None, tolerance_s: float = 0.05
) -> Inspection:
    """Build every recording ``found`` holds (no audio is decoded)."""
    items = []
    for item in found.recordings:
        try:
            recording = item.build(pause_reading=pause_reading, tolerance_s=tolerance_s)
        except CallrecError as exc:
            items.append(Inspected(item, None, exc))
            continue
        items.append(Inspected(item, recording))
    return Inspection(found, tuple(items))
