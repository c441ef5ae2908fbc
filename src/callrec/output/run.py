"""One recording, one pass: tracks written while the media is read, measured on the way.

:func:`process_recording` reads each chunk's media once (:func:`~callrec.output.tracks.placed_parts`),
writes one track per participant (or the mix), feeds each participant's recorded samples, and
only those, to the core's :class:`~callrec.dsp.Analyzer`, and builds the :class:`Report`.
:func:`analyze_recording` does the same without writing anything.

Every output goes to a temporary name in its folder and is renamed when complete; ``report.json``
comes last, so a folder with a report is complete.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..acs.discovery import discover
from ..acs.recording import Recording, build_recording
from ..acs.timeline import PauseReading
from ..audio.reader import DEFAULT_BLOCK_FRAMES
from ..dsp.activity import SpeechDetector
from ..dsp.analysis import Analysis, Analyzer
from ..dsp.conversation import conversation_stats, union
from ..dsp.dtmf import KEY_GUARD_S, DtmfTones
from ..dsp.intervals import close_gaps, drop_short, empty_intervals, pad, subtract
from ..errors import CallrecError, Finding, UsageError
from ..safety.atomic import clear_partials, write_text
from ..safety.limits import DEFAULT_MAX_GAP_S
from ..safety.naming import safe_names
from ..timebase import to_samples
from .report import (
    ChunkReport,
    CompactSpan,
    ConversationReport,
    InputFile,
    KeyPress,
    ParticipantReport,
    ParticipantTalk,
    PauseReport,
    Provenance,
    Report,
    TrackReport,
    TrimReport,
    WarningReport,
    keys_csv,
    load_report,
    segments_csv,
    speech_rttm,
)
from .sizes import check_open_files, check_output_size
from .tracks import (
    Layout,
    Part,
    Piece,
    TrackFile,
    mix_channels,
    pieces,
    placed_parts,
    sample_dtype,
    track_length,
)

__all__ = [
    "INTERRUPTION_MIN_OVERLAP_S",
    "ProcessOptions",
    "ProcessedRecording",
    "analyze_recording",
    "open_recording",
    "open_recordings",
    "process_recording",
]

INTERRUPTION_MIN_OVERLAP_S = 0.5
"""Overlap that makes a start an interruption: longer than a backchannel ("mm-hm")."""

REPORT_NAME = "report.json"
MIX_LABEL = "mix"


@dataclass(frozen=True)
class ProcessOptions:
    """How to process a recording (all keyword options of ``callrec process``).

    Attributes
    ----------
    layout
        ``aligned`` (sample n is the recording's start + n / rate) or ``compact`` (pauses and gaps
        removed).
    trim
        Also write each track cut to its first and last speech.
    activity
        Options for :class:`~callrec.dsp.SpeechDetector` (``threshold_dbfs``, ``min_speech_s``...).
    interruption_min_overlap_s
        See :data:`INTERRUPTION_MIN_OVERLAP_S`.
    pause_reading, tolerance_s
        As for :func:`~callrec.build_recording`.
    block_frames
        Frames read at a time.
    max_gap_s
        Digital silence a track may hold (pauses, gaps between chunks, chunk time without
        media) beyond twice its media, in seconds; a recording whose metadata asks for more
        fails before anything is written (:func:`~callrec.output.sizes.check_output_size`). Raise it
        for a call really paused or interrupted longer than an hour.
    """

    layout: Layout = "aligned"
    trim: bool = False
    activity: dict[str, Any] = field(default_factory=dict)
    interruption_min_overlap_s: float = INTERRUPTION_MIN_OVERLAP_S
    pause_reading: PauseReading | None = None
    tolerance_s: float = 0.05
    block_frames: int = DEFAULT_BLOCK_FRAMES
    max_gap_s: float = DEFAULT_MAX_GAP_S

    def __post_init__(self) -> None:
        if self.layout not in ("aligned", "compact"):
            raise UsageError(f"layout must be 'aligned' or 'compact', got {self.layout!r}")
        if not 0 <= self.max_gap_s < math.inf:
            raise UsageError(f"max_gap_s must be a finite number >= 0, got {self.max_gap_s!r}")
        if self.interruption_min_overlap_s < 0:
            raise UsageError("interruption_min_overlap_s must be zero or more")
        # Checked once here, not once per recording in the middle of a batch.
        try:
            SpeechDetector(16000, **self.activity)
        except TypeError as exc:
            raise UsageError(f"activity options: {exc}") from None

    def as_dict(self) -> dict[str, Any]:
        """What decides the outputs (block size does not), for the provenance record."""
        return {
            "layout": self.layout,
            "trim": self.trim,
            "activity": dict(sorted(self.activity.items())),
            "interruption_min_overlap_s": self.interruption_min_overlap_s,
            "pause_reading": self.pause_reading.value if self.pause_reading else "auto",
            "tolerance_s": self.tolerance_s,
        }


@dataclass(frozen=True)
class ProcessedRecording:
    """The result of :func:`analyze_recording` / :func:`process_recording`.

    Attributes
    ----------
    report
        The typed report (what ``report.json`` holds).
    speech
        Track label (participant id, or ``"mix"``) -> ``(n, 2)`` int64 speech intervals in
        wall-clock track samples; keys pressed are not speech.
    analysis
        Track label -> the core's :class:`~callrec.dsp.Analysis` of its recorded audio, in
        samples of that audio alone, as the detectors found it (its speech activity may hold
        keys).
    folder
        Where the outputs were written (``None`` for :func:`analyze_recording`).
    keys
        Track label -> the DTMF keys pressed, their intervals in wall-clock track samples.
    """

    report: Report
    speech: dict[str, np.ndarray]
    analysis: dict[str, Analysis]
    folder: Path | None = None
    keys: dict[str, DtmfTones] = field(default_factory=dict)


def open_recordings(path: str | Path, **build: Any) -> list[Recording]:
    """Every recording found under ``path`` (a folder tree, or one metadata or event file).

    Files that discovery could not use are left out (:func:`callrec.discover` lists them); when
    nothing usable is found, the first of those problems is raised. A recording whose chunks do
    not fit together raises its :class:`~callrec.errors.RecordingError`.
    """
    found = discover(path)
    if not found.recordings and found.errors:
        raise found.errors[0].error or UsageError(found.errors[0].message)
    return [build_recording(r.sources, event=r.event, **build) for r in found.recordings]


def open_recording(path: str | Path, **build: Any) -> Recording:
    """The one recording under ``path``; :class:`UsageError` if there are none or several."""
    recordings = open_recordings(path, **build)
    if len(recordings) != 1:
        ids = [r.call_id for r in recordings]
        raise UsageError(f"{path}: expected one recording, found {len(recordings)} {ids}")
    return recordings[0]


class _Group:
    """Tracks recorded in exactly the same parts, measured together by one Analyzer.

    Participants present in the same chunks receive the same sequence of samples, so their
    channels can share one multi-channel pass (one filter call for all of them instead of one
    each); for a mixed recording the group is the mix with all its channels.
    """

    def __init__(self, labels: list[str], recording: Recording, options: ProcessOptions) -> None:
        self.labels = labels
        self.mixed = labels == [MIX_LABEL] and recording.channel_type.value == "mixed"
        self.analyzer = Analyzer(
            recording.sample_rate,
            features=("levels", "loudness", "activity", "dtmf"),
            activity=options.activity,
        )
        self._columns: dict[int, list[int] | None] = {}
        for chunk in recording.chunks:
            columns = [chunk.channel_map.channel_of(label) for label in labels]
            self._columns[chunk.index] = (
                None
                if self.mixed or None in columns
                else [int(c) for c in columns if c is not None]
            )
        # analysis sample -> track and compact positions: [analysis, track, compact, length,
        # chunk index], one row per run of one chunk's media that is contiguous on the track
        self.runs: list[list[int]] = []
        self.recorded = 0

    def take(self, part: Part) -> np.ndarray | None:
        """The group's columns of a part, in label order; ``None`` where it was not recorded."""
        if self.mixed:
            return part.samples
        columns = self._columns[part.chunk.index]
        if columns is None:
            return None
        if columns == list(range(part.samples.shape[1])):
            return part.samples
        return part.samples[:, columns]

    def feed(self, part: Part, samples: np.ndarray) -> None:
        last = self.runs[-1] if self.runs else None
        if last and last[4] == part.chunk.index and last[1] + last[3] == part.track_start:
            last[3] += len(samples)
        else:
            if last:
                # A pause, a gap, a chunk join (even a seamless one), or chunks this group was
                # absent from lie between: no speech decision or key may carry over.
                self.analyzer.cut()
            self.runs.append(
                [
                    self.recorded,
                    part.track_start,
                    part.compact_start,
                    len(samples),
                    part.chunk.index,
                ]
            )
        self.analyzer.update(samples)
        self.recorded += len(samples)

    def to_track(self, intervals: np.ndarray) -> np.ndarray:
        """Analysis-sample intervals as wall-clock track intervals."""
        out = []
        for run in self.runs:  # runs per track: one per chunk and pause
            start, length = run[0], run[3]
            clipped = np.clip(intervals, start, start + length)
            clipped = clipped[clipped[:, 1] > clipped[:, 0]]
            out.append(clipped + (run[1] - start))
        if not out:
            return empty_intervals()
        return close_gaps(np.concatenate(out), 1) if len(out) > 1 else out[0]

    def place(self, intervals: np.ndarray) -> np.ndarray:
        """Analysis-sample intervals that each lie within one run (keys: DTMF restarts at every
        run) as wall-clock track intervals, one for one."""
        runs = np.array(self.runs, np.int64).reshape(-1, 5)
        row = np.maximum(np.searchsorted(runs[:, 0], intervals[:, 0], side="right") - 1, 0)
        placed: np.ndarray = intervals + (runs[row, 1] - runs[row, 0])[:, np.newaxis]
        return placed

    def cuts(self) -> list[int]:
        """Analysis samples where a run starts: where the analyzer was cut."""
        return [run[0] for run in self.runs[1:]]


def _one_list(tones: tuple[DtmfTones, ...]) -> DtmfTones:
    """The keys of all of a track's channels as one list in time order: a stereo mix holds most
    key presses on both channels, and they are one press."""
    if len(tones) == 1:
        return tones[0]
    chars = "".join(t.keys for t in tones)
    found = np.concatenate([empty_intervals(), *(t.intervals for t in tones)])
    keys: list[str] = []
    kept: list[list[int]] = []
    for i in np.lexsort((found[:, 1], found[:, 0])).tolist():  # keys in a call: a handful
        (start, stop), key = found[i].tolist(), chars[i]
        if kept and keys[-1] == key and start < kept[-1][1]:
            kept[-1][1] = max(kept[-1][1], stop)
        else:
            keys.append(key)
            kept.append([start, stop])
    return DtmfTones("".join(keys), np.array(kept, np.int64).reshape(-1, 2))


def _groups(recording: Recording, labels: list[str], options: ProcessOptions) -> list[_Group]:
    by_presence: dict[tuple[bool, ...], list[str]] = {}
    for label in labels:
        present = tuple(c.channel_map.channel_of(label) is not None for c in recording.chunks)
        by_presence.setdefault(present, []).append(label)
    return [_Group(members, recording, options) for members in by_presence.values()]


def _seconds(samples: float, rate: int) -> float:
    return round(float(samples) / rate, 6)


def _finite(value: float) -> float | None:
    return round(float(value), 3) if np.isfinite(value) else None


def _on_compact(intervals: np.ndarray, plan: tuple[Piece, ...]) -> np.ndarray:
    """Wall-clock track intervals (in recorded time) as intervals of the compact track.

    An interval never spans a pause or a gap (speech restarts at each), and pieces that touch on
    the wall clock touch on the compact track too, so each one's image is a single span of the
    same length: only its start moves, by the time removed before the piece it starts in.
    """
    if not len(intervals) or not plan:
        same: np.ndarray = intervals.copy()
        return same
    wall = np.array([p.track_start for p in plan], np.int64)
    shift = np.array([p.compact_start - p.track_start for p in plan], np.int64)
    piece = np.maximum(np.searchsorted(wall, intervals[:, 0], side="right") - 1, 0)
    moved: np.ndarray = intervals + shift[piece][:, np.newaxis]
    return moved


def _spans(intervals: np.ndarray, rate: int) -> list[tuple[float, float]]:
    return [(_seconds(a, rate), _seconds(b, rate)) for a, b in intervals.tolist()]


def _key_presses(keys: DtmfTones, on_track: np.ndarray, rate: int) -> list[KeyPress]:
    """``keys`` (on the wall clock) and ``on_track``, the same intervals in the track file."""
    return [
        KeyPress(
            key=key,
            start_s=_seconds(a, rate),
            end_s=_seconds(b, rate),
            track_start_s=_seconds(c, rate),
            track_end_s=_seconds(d, rate),
        )
        for key, (a, b), (c, d) in zip(
            keys.keys, keys.intervals.tolist(), on_track.tolist(), strict=True
        )
    ]


def _track_report(
    recorded: int,
    result: Analysis,
    speech: np.ndarray,
    on_track: np.ndarray,
    rate: int,
    file: str | None,
) -> dict[str, Any]:
    """``speech`` on the wall clock; ``on_track`` the same intervals in the track file."""
    levels, loud = result.levels, result.loudness
    assert levels is not None and loud is not None
    # Several channels (a stereo mix) are summarised as one: loudest peak, mean power.
    with np.errstate(divide="ignore"):
        power = float(np.mean(10.0 ** (levels.rms_dbfs / 10.0))) if len(levels.rms_dbfs) else 0.0
        rms = 10.0 * np.log10(power) if power > 0 else -np.inf
    return {
        "file": file,
        "recorded_s": _seconds(recorded, rate),
        "talk_time_s": _seconds(int((speech[:, 1] - speech[:, 0]).sum()), rate),
        "speech_segments": _spans(speech, rate),
        "track_speech_segments": _spans(on_track, rate),
        "peak_dbfs": _finite(float(np.max(levels.peak_dbfs, initial=-np.inf))),
        "rms_dbfs": _finite(rms),
        "loudness_lufs": _finite(
            loud.programme_lufs if len(loud.integrated_lufs) > 1 else loud.integrated_lufs[0]
        ),
        "loudness_range_lu": _finite(
            loud.programme_range_lu if len(loud.range_lu) > 1 else loud.range_lu[0]
        ),
        "noise_floor_dbfs": _finite(float(np.nanmin(levels.noise_floor_dbfs)))
        if not np.isnan(levels.noise_floor_dbfs).all()
        else None,
        "clipped_samples": int(levels.clipped.sum()),
    }


def _chunk_reports(recording: Recording) -> list[ChunkReport]:
    rate = recording.sample_rate
    return [
        ChunkReport(
            index=c.index,
            document_id=c.document_id,
            media_file=str(c.media_path) if c.media_path else None,
            start_s=_seconds(c.timeline.start, rate),
            duration_s=_seconds(c.timeline.stop - c.timeline.start, rate),
            media_duration_s=_seconds(sum(s.length for s in c.timeline.media_spans), rate),
            pauses=[
                PauseReport(start_s=_seconds(a, rate), duration_s=_seconds(b - a, rate))
                for a, b in c.timeline.pauses
            ],
            pause_reading=c.timeline.pause_reading.value,
            end_reason=c.end_reason,
        )
        for c in recording.chunks
    ]


def _inputs(recording: Recording) -> list[InputFile]:
    files = [p for c in recording.chunks for p in (c.metadata_path, c.media_path) if p is not None]
    out = []
    for path in files:
        stat = path.stat()
        # Absolute and without symlinks: `samples`, `./samples/` and the full path name the
        # same files, and a re-run must see that they are unchanged.
        out.append(
            InputFile(path=str(path.resolve()), size=stat.st_size, mtime_ns=stat.st_mtime_ns)
        )
    return out


def provenance(recording: Recording, options: ProcessOptions) -> Provenance:
    """What a run of ``options`` over ``recording`` depends on (see :class:`Provenance`)."""
    return Provenance(
        callrec_version=__version__, options=options.as_dict(), inputs=_inputs(recording)
    )


def _labels(recording: Recording) -> list[str]:
    if recording.channel_type.value == "mixed":
        return [MIX_LABEL]
    return list(recording.participants)


def _run(recording: Recording, options: ProcessOptions, folder: Path | None) -> ProcessedRecording:
    labels = _labels(recording)
    names = {MIX_LABEL: "mixed"} if labels == [MIX_LABEL] else safe_names(labels)
    groups = _groups(recording, labels, options)
    rate = recording.sample_rate
    length = track_length(recording, options.layout)
    findings: list[Finding] = list(recording.warnings)
    files: dict[str, str] = {}
    writers: dict[str, TrackFile] = {}
    try:
        if folder is not None:
            channels = mix_channels(recording) if recording.channel_type.value == "mixed" else 1
            for label in labels:
                relative = "mixed.wav" if label == MIX_LABEL else f"participants/{names[label]}.wav"
                (folder / relative).parent.mkdir(parents=True, exist_ok=True)
                files[label] = relative
                writers[label] = TrackFile(
                    folder / relative,
                    sample_rate=rate,
                    channels=channels,
                    dtype=sample_dtype(recording),
                    block_frames=options.block_frames,
                )
        for part in placed_parts(recording, block_frames=options.block_frames, findings=findings):
            position = part.track_start if options.layout == "aligned" else part.compact_start
            for group in groups:
                samples = group.take(part)
                if samples is None:
                    continue
                group.feed(part, samples)
                for column, label in enumerate(group.labels):
                    if label in writers:
                        track = samples if group.mixed else samples[:, column : column + 1]
                        writers[label].write_at(position, track)
        for writer in writers.values():
            writer.finish(length)
    except BaseException:
        for writer in writers.values():
            writer.discard()
        raise
    return _assemble(recording, options, groups, files, findings, folder)


def _assemble(
    recording: Recording,
    options: ProcessOptions,
    groups: list[_Group],
    files: dict[str, str],
    findings: list[Finding],
    folder: Path | None,
) -> ProcessedRecording:
    rate = recording.sample_rate
    dtype = sample_dtype(recording)  # what the tracks were written in
    plan = pieces(recording)  # a few spans; placed_parts made the same list for reading
    aligned = options.layout == "aligned"
    speech: dict[str, np.ndarray] = {}
    keys: dict[str, DtmfTones] = {}
    analysis: dict[str, Analysis] = {}
    entries: dict[str, dict[str, Any]] = {}
    guard = to_samples(KEY_GUARD_S, rate)
    min_speech = SpeechDetector(rate, **options.activity).min_speech
    for group in groups:
        result = group.analyzer.result() if group.recorded else None
        for column, label in enumerate(group.labels):
            if result is None:
                findings.append(Finding("never-recorded", f"{label} has no recorded audio"))
                analysis[label] = Analysis(sample_rate=rate, frames=0, channels=0)
                speech[label] = empty_intervals()
                keys[label] = DtmfTones("", empty_intervals())
                entries[label] = _silent_entry(files.get(label))
                continue
            mine = result if group.mixed else result.channel(column)
            assert mine.activity is not None and mine.dtmf is not None
            analysis[label] = mine
            tones = _one_list(mine.dtmf)
            pressed = group.place(tones.intervals)
            keys[label] = DtmfTones(tones.keys, pressed)
            # Each channel's speech already leaves out its own keys (the Analyzer). A track's
            # keys come from all its channels (a stereo mix: one press, found on either), so
            # they are taken out of the union as well, with the same margin, never over a cut.
            held = group.place(pad(tones.intervals, guard, group.recorded, cuts=group.cuts()))
            heard = group.to_track(union(list(mine.activity.intervals)))
            speech[label] = drop_short(subtract(heard, held), min_speech)
            on_track = speech[label] if aligned else _on_compact(speech[label], plan)
            entries[label] = _track_report(
                group.recorded, mine, speech[label], on_track, rate, files.get(label)
            )
            entries[label]["keys"] = _key_presses(
                keys[label], pressed if aligned else _on_compact(pressed, plan), rate
            )
            if options.trim and folder is not None and len(on_track):
                entries[label]["trim"] = _write_trimmed(
                    folder, files[label], (int(on_track[0, 0]), int(on_track[-1, 1])), rate, dtype
                )
    order = [label for group in groups for label in group.labels]
    labels = sorted(order, key=_labels(recording).index)  # the report lists people as they appear
    speech = {label: speech[label] for label in labels}
    keys = {label: keys[label] for label in labels}
    analysis = {label: analysis[label] for label in labels}
    mixed = recording.channel_type.value == "mixed"
    min_overlap = round(options.interruption_min_overlap_s * rate)
    recorded = np.array([[p.track_start, p.track_start + p.length] for p in plan], np.int64)
    stats = conversation_stats(
        list(speech.values()), recorded.reshape(-1, 2), min_overlap=min_overlap
    )
    conversation = ConversationReport(
        talk_time_s=_seconds(stats.talk, rate),
        non_talk_time_s=_seconds(stats.non_talk, rate),
        overlap_s=None if mixed else _seconds(stats.overlap, rate),
        interruption_min_overlap_s=options.interruption_min_overlap_s,
        participants=[]
        if mixed
        else [
            ParticipantTalk(
                participant_id=label,
                talk_time_s=entries[label]["talk_time_s"],
                turns=int(stats.turns[i]),
                interruptions=int(stats.interruptions[i]),
            )
            for i, label in enumerate(speech)
        ],
    )
    participants = (
        []
        if mixed
        else [
            ParticipantReport(
                participant_id=label,
                channels=recording.channels_of(label),
                **entries[label],
            )
            for label in speech
        ]
    )
    report = Report(
        call_id=recording.call_id,
        recording_id=recording.recording_id,
        start_time=recording.start,
        duration_s=_seconds(recording.timeline.length, rate),
        sample_rate=rate,
        channel_type="mixed" if mixed else "unmixed",
        format=recording.format.value if recording.format else None,
        layout=options.layout,
        pause_reading={c.index: c.timeline.pause_reading.value for c in recording.chunks},
        chunks=_chunk_reports(recording),
        missing_chunks=list(recording.missing_chunks),
        compact_map=[
            CompactSpan(
                track_start_s=_seconds(p.compact_start, rate),
                wall_start_s=_seconds(p.track_start, rate),
                duration_s=_seconds(p.length, rate),
                chunk_index=p.chunk_index,
            )
            for p in plan
        ]
        if options.layout == "compact"
        else None,
        participants=participants,
        mix=TrackReport(**entries[MIX_LABEL]) if mixed else None,
        conversation=conversation,
        warnings=[
            WarningReport(code=f.code, message=f.message, chunk_index=f.chunk_index)
            for f in findings
        ],
        provenance=provenance(recording, options),
    )
    return ProcessedRecording(
        report=report, speech=speech, analysis=analysis, folder=folder, keys=keys
    )


def _silent_entry(file: str | None) -> dict[str, Any]:
    return {
        "file": file,
        "recorded_s": 0.0,
        "talk_time_s": 0.0,
        "speech_segments": [],
        "track_speech_segments": [],
        "keys": [],
        "peak_dbfs": None,
        "rms_dbfs": None,
        "loudness_lufs": None,
        "loudness_range_lu": None,
        "noise_floor_dbfs": None,
        "clipped_samples": 0,
    }


def _write_trimmed(
    folder: Path, relative: str, bounds: tuple[int, int], rate: int, dtype: np.dtype
) -> TrimReport:
    """Copy ``[start, stop)`` of a track written in ``dtype`` into ``<name>.trimmed.wav``."""
    import soundfile

    from ..audio.writer import AudioWriter

    start, stop = bounds
    target_relative = relative[: -len(".wav")] + ".trimmed.wav"
    with soundfile.SoundFile(folder / relative) as handle:
        handle.seek(start)
        with AudioWriter(
            folder / target_relative, sample_rate=rate, channels=handle.channels, dtype=dtype
        ) as writer:
            left = stop - start
            while left > 0:
                block = handle.read(
                    min(left, DEFAULT_BLOCK_FRAMES), dtype=dtype.name, always_2d=True
                )
                if not len(block):
                    break
                writer.write(block)
                left -= len(block)
    return TrimReport(
        file=target_relative, start_s=_seconds(start, rate), end_s=_seconds(stop, rate)
    )


def analyze_recording(
    recording: Recording, options: ProcessOptions | None = None
) -> ProcessedRecording:
    """Measure a recording (speech, levels, loudness, conversation) without writing files."""
    return _run(recording, options or ProcessOptions(), None)


SIDECARS = ("segments.csv", "keys.csv", "speech.rttm")
"""The tables written beside every report (before it)."""


def process_recording(
    recording: Recording,
    folder: str | Path,
    options: ProcessOptions | None = None,
    *,
    file_id: str | None = None,
) -> ProcessedRecording:
    """Write a recording's tracks, ``segments.csv``, ``keys.csv``, ``speech.rttm`` and
    ``report.json``.

    ``folder`` is the recording's own output folder (created if needed). ``file_id`` names the
    recording in ``speech.rttm`` (default: the folder's name). Any previous report in the folder
    is removed first, so an interrupted run never leaves an old report beside new tracks.

    Raises
    ------
    RecordingTooLargeError
        Before anything is written, when the tracks would be mostly silence
        (``options.max_gap_s``) or need more open files than the process may have.
    """
    options = options or ProcessOptions()
    # Before the folder exists: metadata that asks for absurd outputs leaves no trace.
    check_output_size(recording, max_gap_s=options.max_gap_s, layout=options.layout)
    check_open_files(recording)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    clear_partials(folder, folder / "participants")
    previous = _outputs_of(folder / REPORT_NAME)
    (folder / REPORT_NAME).unlink(missing_ok=True)
    result = _run(recording, options, folder)
    report = result.report
    labels = [label for label, _ in report.tracks()]
    speakers = {MIX_LABEL: MIX_LABEL} if labels == [MIX_LABEL] else safe_names(labels)
    segments, keys, rttm = SIDECARS
    write_text(folder / segments, segments_csv(report))
    write_text(folder / keys, keys_csv(report))
    write_text(folder / rttm, speech_rttm(report, file_id or folder.name, speakers))
    for stale in previous - report.output_files():  # e.g. trimmed tracks of an earlier --trim run
        (folder / stale).unlink(missing_ok=True)
    write_text(folder / REPORT_NAME, report.to_json())
    return result


def _outputs_of(path: Path) -> set[str]:
    """Track files a previous report in this folder lists (only those are ever deleted)."""
    try:
        old = load_report(path)
    except CallrecError:
        return set()
    return {
        f for f in old.output_files() if ".." not in Path(f).parts and not Path(f).is_absolute()
    }
