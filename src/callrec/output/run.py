"""One recording, one pass: tracks written while the media is read, measured on the way.

:func:`process_recording` reads each chunk's media once (:func:`~callrec.output.tracks.placed_parts`),
writes one track per participant (or the mix) into the recording's
:class:`~callrec.output.folder.RecordingFolder`, feeds each participant's recorded samples, and
only those, to the core's :class:`~callrec.dsp.Analyzer` (:mod:`callrec.output.groups`), carries
what it found back to the wall clock, and builds the :class:`Report`
(:mod:`callrec.output.building`). :func:`analyze_recording` does the same without writing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..acs.recording import Recording
from ..audio.write_behind import WriteBehind
from ..dsp.analysis import Analysis
from ..dsp.dtmf import KEY_GUARD_S, DtmfTones
from ..dsp.intervals import drop_short, empty_intervals, pad, shift_by_segment, subtract, union
from ..errors import Finding, UsageError
from ..safety.naming import safe_names
from ..timebase import to_samples
from .blob_folder import recording_folder
from .building import build_report
from .folder import RecordingFolder
from .groups import MIX_LABEL, TrackGroup, groups_of, one_key_list, track_labels
from .handoff import clip_bounds, stereo_sides
from .options import ProcessOptions
from .report import Report, StereoReport
from .results import TrackEcho, TrackResult
from .sizes import check_open_files, check_output_size
from .tracks import Piece, TrackFile, mix_channels, pieces, placed_parts, sample_dtype, track_length

__all__ = ["ProcessedRecording", "analyze_recording", "process_recording"]


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


def _file_names(recording: Recording) -> dict[str, str]:
    """Track label -> the track's file, relative to the recording's folder."""
    if recording.mixed:
        return {MIX_LABEL: "mixed.wav"}
    labels = track_labels(recording)
    return {label: f"participants/{name}.wav" for label, name in safe_names(labels).items()}


def _open_tracks(
    recording: Recording,
    options: ProcessOptions,
    folder: RecordingFolder,
    files: dict[str, str],
    tracks: dict[str, TrackFile],
    writes: WriteBehind | None,
) -> None:
    """One track file per label into ``tracks`` (filled as they open, so that the caller can
    discard those already open when one fails)."""
    channels = mix_channels(recording) if recording.mixed else 1
    for label, relative in files.items():
        tracks[label] = folder.track(
            relative,
            sample_rate=recording.sample_rate,
            channels=channels,
            dtype=sample_dtype(recording),
            block_frames=options.block_frames,
            writes=writes,
        )


@contextlib.contextmanager
def _writing(to_disk: bool, tracks: dict[str, TrackFile]) -> Iterator[WriteBehind | None]:
    """The thread the tracks put in ``tracks`` are written on (None when nothing is written).

    On leaving, every track is in place: the measuring after the pass overlaps the last writes
    and syncs, and nothing reads a track or writes the report before they are done. On an
    error, no write runs any more and the tracks not yet in place are discarded.
    """
    if not to_disk:
        yield None
        return
    with WriteBehind() as writes:  # leaving it ends the thread
        try:
            yield writes
            writes.wait()
        except BaseException:
            writes.close()  # first: no write may run on a file being discarded
            for track in tracks.values():
                track.discard()  # nothing for a track already in place
            raise


def _read(
    recording: Recording,
    options: ProcessOptions,
    groups: list[TrackGroup],
    folder: RecordingFolder | None,
    findings: list[Finding],
    tracks: dict[str, TrackFile],
    writes: WriteBehind | None,
) -> dict[str, str]:
    """The one pass over the media: every recorded part fed to its group and, with a
    ``folder``, placed on its tracks (opened into ``tracks``, written on ``writes``). Returns
    the track files written, by label."""
    aligned = options.layout == "aligned"
    files = _file_names(recording) if folder is not None else {}
    if folder is not None:
        _open_tracks(recording, options, folder, files, tracks, writes)
    for part in placed_parts(recording, block_frames=options.block_frames, findings=findings):
        at = part.track_start if aligned else part.compact_start
        for group in groups:
            columns = group.columns(part)
            if columns is None:
                continue
            group.feed(part, columns)
            if not tracks:
                continue
            if group.mixed:
                tracks[MIX_LABEL].add(at, part.samples)
                continue
            for column, label in zip(columns, group.labels, strict=True):
                tracks[label].add(at, part.samples, [column])
    length = track_length(recording, options.layout)
    for track in tracks.values():
        track.finish(length)
    for track in tracks.values():  # once all are finished: their data goes to disk together
        track.close()
    return files


def _on_compact(intervals: np.ndarray, plan: tuple[Piece, ...]) -> np.ndarray:
    """Wall-clock track intervals (in recorded time) as intervals of the compact track.

    An interval never spans a pause or a gap (speech restarts at each), and pieces that touch on
    the wall clock touch on the compact track too, so each one's image is a single span of the
    same length: only its start moves, by the time removed before the piece it starts in.
    """
    wall = np.array([p.track_start for p in plan], np.int64)
    shifts = np.array([p.compact_start - p.track_start for p in plan], np.int64)
    return shift_by_segment(intervals, wall, shifts)


def _silent(label: str, file: str | None) -> TrackResult:
    nothing = empty_intervals()
    return TrackResult(label, file, 0, None, nothing, DtmfTones("", nothing), nothing, nothing)


def _track_result(
    group: TrackGroup,
    mine: Analysis,
    label: str,
    file: str | None,
    options: ProcessOptions,
    plan: tuple[Piece, ...],
) -> TrackResult:
    """One track's speech and keys on the wall clock and in its file, from its analysis."""
    assert mine.activity is not None and mine.dtmf is not None
    rate = mine.sample_rate
    tones = one_key_list(mine.dtmf)
    pressed = group.place(tones.intervals)
    # Each channel's speech already leaves out its own keys (the Analyzer). A track's keys come
    # from all its channels (a stereo mix: one press, found on either), so they are taken out
    # of the union as well, with the same margin, never over a cut.
    guard = to_samples(KEY_GUARD_S, rate)
    held = group.place(pad(tones.intervals, guard, group.recorded, cuts=group.cuts()))
    heard = group.to_track(union(list(mine.activity.intervals)))
    speech = drop_short(subtract(heard, held), to_samples(options.activity.min_speech_s, rate))
    aligned = options.layout == "aligned"
    return TrackResult(
        label,
        file,
        group.recorded,
        mine,
        speech,
        DtmfTones(tones.keys, pressed),
        speech if aligned else _on_compact(speech, plan),
        pressed if aligned else _on_compact(pressed, plan),
    )


def _results(
    recording: Recording,
    options: ProcessOptions,
    groups: list[TrackGroup],
    files: dict[str, str],
    findings: list[Finding],
) -> list[TrackResult]:
    """Every track's result, in the order the recording lists its participants."""
    plan = pieces(recording)
    found: dict[str, TrackResult] = {}
    for group in groups:
        result = group.analyzer.result() if group.recorded else None
        for column, label in enumerate(group.labels):
            if result is None:
                findings.append(Finding("never-recorded", f"{label} has no recorded audio"))
                found[label] = _silent(label, files.get(label))
            else:
                mine = result if group.mixed else result.channel(column)
                track = _track_result(group, mine, label, files.get(label), options, plan)
                found[label] = replace(track, echoes=_echoes(group, result, column, options))
    return [found[label] for label in track_labels(recording)]


def _echoes(
    group: TrackGroup, result: Analysis, column: int, options: ProcessOptions
) -> tuple[TrackEcho, ...]:
    """The other participants whose voice the track of ``column`` carries."""
    echoes = result.echo or ()
    removed = result.echo_removed if result.echo_removed is not None else np.zeros(len(echoes))
    return tuple(
        TrackEcho(
            source=group.labels[echo.source],
            delay_s=round(echo.delay / result.sample_rate, 6),
            attenuation_db=echo.attenuation_db,
            removed=int(removed[i]),
            min_attenuation_db=options.echo.min_attenuation_db,
        )
        for i, echo in enumerate(echoes)
        if echo.target == column
    )


def _run(
    recording: Recording, options: ProcessOptions, folder: RecordingFolder | None
) -> ProcessedRecording:
    labels = track_labels(recording)
    groups = groups_of(recording, labels, options.activity, options.dtmf, options.echo)
    findings: list[Finding] = list(recording.warnings)
    tracks: dict[str, TrackFile] = {}
    with _writing(folder is not None, tracks) as writes:
        files = _read(recording, options, groups, folder, findings, tracks, writes)
        results = _results(recording, options, groups, files, findings)
    stereo = None
    if folder is not None:
        results = [_cut(folder, recording, options, r) for r in results]
        if options.handoff.stereo:
            stereo = _stereo(folder, recording, options, results, findings)
    rate = recording.sample_rate
    return ProcessedRecording(
        report=build_report(recording, options, results, findings, pieces(recording), stereo),
        speech={r.label: r.speech for r in results},
        analysis={
            r.label: r.analysis or Analysis(sample_rate=rate, frames=0, channels=0) for r in results
        },
        folder=folder.path if folder is not None else None,
        keys={r.label: r.keys for r in results},
    )


def _cut(
    folder: RecordingFolder, recording: Recording, options: ProcessOptions, result: TrackResult
) -> TrackResult:
    """``result`` with its track cut, as the options ask: to its first and last speech
    (``trim``), and into one clip per utterance (``clips``). A track without speech has none."""
    on_track, file = result.speech_on_track, result.file
    if file is None or not len(on_track):
        return result
    if options.trim:
        bounds = (int(on_track[0, 0]), int(on_track[-1, 1]))
        result = replace(result, trim=folder.trim(file, bounds))
    if options.handoff.clips:
        rate = recording.sample_rate
        padding = to_samples(options.handoff.clip_padding_s, rate)
        spans = clip_bounds(on_track, padding, track_length(recording, options.layout))
        # The speaker's name, as speech.rttm and manifest.jsonl give it.
        speaker = MIX_LABEL if recording.mixed else Path(file).stem
        result = replace(result, clips=tuple(folder.clips(file, speaker, spans)))
    return result


def _stereo(
    folder: RecordingFolder,
    recording: Recording,
    options: ProcessOptions,
    results: list[TrackResult],
    findings: list[Finding],
) -> StereoReport | None:
    """``stereo.wav`` of the participants' tracks, or a note saying why there is none."""
    if recording.mixed:
        findings.append(
            Finding("no-stereo", "a mixed recording has one track: no stereo file was written")
        )
        return None
    files = {r.label: r.file for r in results if r.file is not None}
    left, right, notes = _stereo_sides(list(files), options)
    findings += [Finding("stereo-sides", f"stereo.wav: {note}") for note in notes]
    name = folder.stereo([files[p] for p in left], [files[p] for p in right])
    return StereoReport(file=name, left=left, right=right)


def _stereo_sides(
    labels: list[str], options: ProcessOptions
) -> tuple[list[str], list[str], list[str]]:
    try:
        return stereo_sides(labels, options.handoff.stereo_left)
    except ValueError as exc:
        raise UsageError(f"--stereo-left: {exc}") from None


def analyze_recording(
    recording: Recording, options: ProcessOptions | None = None
) -> ProcessedRecording:
    """Measure a recording (speech, levels, loudness, conversation) without writing files."""
    return _run(recording, options or ProcessOptions(), None)


def process_recording(
    recording: Recording,
    folder: str | Path | RecordingFolder,
    options: ProcessOptions | None = None,
    *,
    file_id: str | None = None,
) -> ProcessedRecording:
    """Write a recording's tracks, ``segments.csv``, ``keys.csv``, ``speech.rttm`` and
    ``report.json``.

    ``folder`` is the recording's own output folder (created if needed), local or in blob
    storage (a :class:`~callrec.storage.BlobPath`, or ``az://…`` through
    :func:`~callrec.storage.open_location`). ``file_id`` names the
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
    if options.handoff.stereo and not recording.mixed:
        _stereo_sides(track_labels(recording), options)  # a choice that cannot be met: now
    if isinstance(folder, RecordingFolder):
        return _write(recording, folder, options, file_id)
    with recording_folder(folder) as out:  # a blob folder's staging goes with it
        return _write(recording, out, options, file_id)


def _write(
    recording: Recording, out: RecordingFolder, options: ProcessOptions, file_id: str | None
) -> ProcessedRecording:
    out.begin()
    processed = _run(recording, options, out)
    labels = track_labels(recording)
    speakers = {MIX_LABEL: MIX_LABEL} if recording.mixed else safe_names(labels)
    out.finish(
        processed.report, file_id=file_id or out.name, speakers=speakers, views=options.views
    )
    return processed
