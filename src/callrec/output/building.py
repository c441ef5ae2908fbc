"""The report of one recording, built from typed measurements.

:func:`build_report` takes what the run measured per track (:class:`TrackResult`, in samples)
and the recording, and gives the :class:`~callrec.output.report.Report`: every time in seconds
(:func:`~callrec.timebase.to_seconds`), levels in dB to 3 decimals, ``null`` for a level that
does not exist (the RMS of digital silence, the loudness of less than 400 ms).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..acs.recording import Recording
from ..dsp.analysis import Analysis
from ..dsp.conversation import ConversationStats, conversation_stats
from ..dsp.floor import dead_air, monologues, response_latencies
from ..dsp.intervals import total_length
from ..errors import Finding
from ..payloads.fields import document_db
from ..timebase import to_samples, to_seconds
from .folder import provenance
from .groups import MIX_LABEL
from .options import ProcessOptions
from .quality import quality_flags
from .report import (
    ChunkReport,
    CompactSpan,
    ConversationReport,
    DeadAirReport,
    KeyPress,
    LatencyReport,
    ParticipantReport,
    ParticipantTalk,
    PauseReport,
    Report,
    StereoReport,
    TrackReport,
    WarningReport,
)
from .results import TrackResult
from .tracks import Piece

__all__ = ["build_report", "track_report"]


def _spans(intervals: np.ndarray, rate: int) -> list[tuple[float, float]]:
    return [(to_seconds(a, rate), to_seconds(b, rate)) for a, b in intervals.tolist()]


def _key_presses(result: TrackResult, rate: int) -> list[KeyPress]:
    keys, on_track = result.keys, result.keys_on_track
    return [
        KeyPress(
            key=key,
            start_s=to_seconds(a, rate),
            end_s=to_seconds(b, rate),
            track_start_s=to_seconds(c, rate),
            track_end_s=to_seconds(d, rate),
        )
        for key, (a, b), (c, d) in zip(
            keys.keys, keys.intervals.tolist(), on_track.tolist(), strict=True
        )
    ]


class _Levels(NamedTuple):
    """A track's level figures as the report gives them (all ``None`` for a silent track)."""

    peak_dbfs: float | None = None
    rms_dbfs: float | None = None
    loudness_lufs: float | None = None
    loudness_range_lu: float | None = None
    noise_floor_dbfs: float | None = None
    clipped_samples: int = 0


def _levels(analysis: Analysis | None) -> _Levels:
    if analysis is None:
        return _Levels()
    levels, loud = analysis.levels, analysis.loudness
    assert levels is not None and loud is not None
    # Several channels (a stereo mix) are summarised as one: loudest peak, mean power.
    with np.errstate(divide="ignore"):
        power = float(np.mean(10.0 ** (levels.rms_dbfs / 10.0))) if len(levels.rms_dbfs) else 0.0
        rms = 10.0 * np.log10(power) if power > 0 else -np.inf
    several = len(loud.integrated_lufs) > 1
    floor = levels.noise_floor_dbfs
    return _Levels(
        peak_dbfs=document_db(float(np.max(levels.peak_dbfs, initial=-np.inf))),
        rms_dbfs=document_db(rms),
        loudness_lufs=document_db(loud.programme_lufs if several else loud.integrated_lufs[0]),
        loudness_range_lu=document_db(loud.programme_range_lu if several else loud.range_lu[0]),
        noise_floor_dbfs=None if np.isnan(floor).all() else document_db(float(np.nanmin(floor))),
        clipped_samples=int(levels.clipped.sum()),
    )


def track_report(result: TrackResult, rate: int) -> TrackReport:
    """One track's entry of the report."""
    speech = result.speech
    figures = _levels(result.analysis)
    return TrackReport(
        file=result.file,
        recorded_s=to_seconds(result.recorded, rate),
        talk_time_s=to_seconds(total_length(speech), rate),
        speech_segments=_spans(speech, rate),
        track_speech_segments=_spans(result.speech_on_track, rate),
        keys=_key_presses(result, rate),
        trim=result.trim,
        clips=list(result.clips),
        peak_dbfs=figures.peak_dbfs,
        rms_dbfs=figures.rms_dbfs,
        loudness_lufs=figures.loudness_lufs,
        loudness_range_lu=figures.loudness_range_lu,
        noise_floor_dbfs=figures.noise_floor_dbfs,
        clipped_samples=figures.clipped_samples,
    )


def _chunk_reports(recording: Recording) -> list[ChunkReport]:
    rate = recording.sample_rate
    return [
        ChunkReport(
            index=c.index,
            document_id=c.document_id,
            media_file=str(c.media_path) if c.media_path else None,
            start_s=to_seconds(c.timeline.start, rate),
            duration_s=to_seconds(c.timeline.stop - c.timeline.start, rate),
            media_duration_s=to_seconds(sum(s.length for s in c.timeline.media_spans), rate),
            pauses=[
                PauseReport(start_s=to_seconds(a, rate), duration_s=to_seconds(b - a, rate))
                for a, b in c.timeline.pauses
            ],
            pause_reading=c.timeline.pause_reading.value,
            end_reason=c.end_reason,
        )
        for c in recording.chunks
    ]


def _latency(samples: np.ndarray, rate: int) -> LatencyReport:
    if not len(samples):
        return LatencyReport(median=None, p90=None, count=0)
    return LatencyReport(
        median=to_seconds(float(np.median(samples)), rate),
        p90=to_seconds(float(np.percentile(samples, 90)), rate),
        count=len(samples),
    )


def _dead_air(found: np.ndarray, threshold_s: float, rate: int) -> DeadAirReport:
    lengths = found[:, 1] - found[:, 0]
    return DeadAirReport(
        count=len(found),
        total_s=to_seconds(int(lengths.sum()), rate),
        longest_s=to_seconds(int(lengths.max(initial=0)), rate),
        threshold_s=threshold_s,
    )


def _talk(
    results: list[TrackResult],
    tracks: dict[str, TrackReport],
    recorded: np.ndarray,
    stats: ConversationStats,
    options: ProcessOptions,
    rate: int,
) -> list[ParticipantTalk]:
    """Each participant's share of the conversation."""
    speech = [r.speech for r in results]
    talked = [total_length(s) for s in speech]
    everybody = sum(talked)
    breath = to_samples(options.dead_air_s, rate)
    longest = [
        int((m[:, 1] - m[:, 0]).max(initial=0)) for m in monologues(speech, recorded, breath)
    ]
    latencies = response_latencies(speech, recorded)
    return [
        ParticipantTalk(
            participant_id=r.label,
            talk_time_s=tracks[r.label].talk_time_s,
            turns=int(stats.turns[i]),
            interruptions=int(stats.interruptions[i]),
            talk_ratio=round(talked[i] / everybody, 6) if everybody else None,
            longest_monologue_s=to_seconds(longest[i], rate),
            response_latency_s=_latency(latencies[i], rate),
        )
        for i, r in enumerate(results)
    ]


def _conversation(
    recording: Recording,
    options: ProcessOptions,
    results: list[TrackResult],
    tracks: dict[str, TrackReport],
    plan: tuple[Piece, ...],
) -> ConversationReport:
    rate = recording.sample_rate
    recorded = np.array([[p.track_start, p.track_start + p.length] for p in plan], np.int64)
    recorded = recorded.reshape(-1, 2)
    speech = [r.speech for r in results]
    stats = conversation_stats(
        speech, recorded, min_overlap=to_samples(options.interruption_min_overlap_s, rate)
    )
    mixed = recording.mixed
    silences = dead_air(speech, recorded, max(1, to_samples(options.dead_air_s, rate)))
    return ConversationReport(
        talk_time_s=to_seconds(stats.talk, rate),
        non_talk_time_s=to_seconds(stats.non_talk, rate),
        overlap_s=None if mixed else to_seconds(stats.overlap, rate),
        interruption_min_overlap_s=options.interruption_min_overlap_s,
        participants=[] if mixed else _talk(results, tracks, recorded, stats, options, rate),
        dead_air=_dead_air(silences, options.dead_air_s, rate),
    )


def _compact_map(plan: tuple[Piece, ...], rate: int) -> list[CompactSpan]:
    return [
        CompactSpan(
            track_start_s=to_seconds(p.compact_start, rate),
            wall_start_s=to_seconds(p.track_start, rate),
            duration_s=to_seconds(p.length, rate),
            chunk_index=p.chunk_index,
        )
        for p in plan
    ]


def build_report(
    recording: Recording,
    options: ProcessOptions,
    results: list[TrackResult],
    findings: list[Finding],
    plan: tuple[Piece, ...],
    stereo: StereoReport | None = None,
) -> Report:
    """The report of a run: ``results`` per track in the order the report lists them,
    ``findings`` the warnings in the order found, ``plan`` the recording's pieces, ``stereo``
    the stereo file written (if one was)."""
    rate = recording.sample_rate
    tracks = {r.label: track_report(r, rate) for r in results}
    mixed = recording.mixed
    return Report(
        call_id=recording.call_id,
        recording_id=recording.recording_id,
        start_time=recording.start,
        duration_s=to_seconds(recording.timeline.length, rate),
        sample_rate=rate,
        channel_type="mixed" if mixed else "unmixed",
        format=recording.media_format,
        layout=options.layout,
        pause_reading={c.index: c.timeline.pause_reading.value for c in recording.chunks},
        chunks=_chunk_reports(recording),
        missing_chunks=list(recording.missing_chunks),
        compact_map=_compact_map(plan, rate) if options.layout == "compact" else None,
        participants=[]
        if mixed
        else [
            ParticipantReport.of(
                tracks[r.label], participant_id=r.label, channels=recording.channels_of(r.label)
            )
            for r in results
        ],
        mix=tracks[MIX_LABEL] if mixed else None,
        conversation=_conversation(recording, options, results, tracks, plan),
        warnings=[WarningReport.of(f) for f in findings],
        quality=quality_flags(results, tracks, options.quality, rate),
        stereo=stereo,
        provenance=provenance(recording, options),
    )
