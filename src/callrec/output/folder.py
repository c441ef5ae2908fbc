"""A recording's output folder, and the one object that writes into it.

Everything a run writes into ``OUT/<recording>/`` goes through :class:`RecordingFolder`: the
tracks, the trimmed tracks, the tables, and ``report.json`` last, so that a folder with a report
is complete. It also decides whether a folder is already up to date (:meth:`up_to_date`),
clears what a killed run left (temporary files) and what an earlier run wrote that this one does
not (a trimmed track of an earlier ``--trim`` run), and never deletes anything else.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..acs.recording import Recording
from ..audio.reader import DEFAULT_BLOCK_FRAMES, open_audio
from ..audio.write_behind import WriteBehind
from ..audio.writer import AudioWriter
from ..errors import CallrecError, UsageError
from ..safety.atomic import clear_partials, write_text
from ..storage.blob import BlobPath
from ..timebase import to_seconds
from .handoff import manifest_jsonl, saturated_sum, speech_uem
from .options import PAGE_NAME, VIEW_NAMES, ProcessOptions, ViewOptions
from .page import render_page
from .report import ClipReport, InputFile, Provenance, Report, TrimReport, load_report
from .tables import keys_csv, segments_csv, speech_rttm
from .tracks import TrackFile

__all__ = ["REPORT_NAME", "SIDECARS", "RecordingFolder", "provenance"]

REPORT_NAME = "report.json"
SIDECARS = ("segments.csv", "keys.csv", "speech.rttm", "speech.uem", "manifest.jsonl")
"""The tables written beside every report (before it)."""
STEREO_NAME = "stereo.wav"
CLIPS = "clips"
CALLREC_AUDIO = re.compile(r"clips/[^/]+/\d{5,}\.wav|stereo\.wav")
"""Names in a recording's folder (relative, ``/``) that only callrec gives a file: swept when no
report lists them (a run that failed after writing them). Anything else is deleted only when an
earlier report lists it: a ``participants/notes.wav`` of the user's stays."""


def _inputs(recording: Recording) -> list[InputFile]:
    files = [p for c in recording.chunks for p in (c.metadata_path, c.media_path) if p is not None]
    out = []
    for path in files:
        stat = path.stat()
        # A blob's ETag changes with every write, whatever its time says.
        etag = path.etag if isinstance(path, BlobPath) else None
        # Absolute and without symlinks: `samples`, `./samples/` and the full path name the
        # same files, and a re-run must see that they are unchanged.
        out.append(
            InputFile(
                path=str(path.resolve()), size=stat.st_size, mtime_ns=stat.st_mtime_ns, etag=etag
            )
        )
    return out


def provenance(recording: Recording, options: ProcessOptions) -> Provenance:
    """What a run of ``options`` over ``recording`` depends on (see :class:`Provenance`)."""
    return Provenance(
        callrec_version=__version__, options=options.as_dict(), inputs=_inputs(recording)
    )


class RecordingFolder:
    """``OUT/<recording>/``: the outputs of one recording.

    A run calls :meth:`begin`, writes tracks through :meth:`track` (and :meth:`trim`), and ends
    with :meth:`finish`, which writes the tables and then the report.
    """

    def __init__(self, path: str | Path) -> None:
        if isinstance(path, BlobPath):
            raise UsageError(
                f"{path}: a RecordingFolder is local; recording_folder() gives a blob folder's"
            )
        self.path = Path(path)
        self._previous: set[str] = set()

    def __enter__(self) -> RecordingFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of what the folder holds while a run writes it (nothing, on a local disk)."""

    @property
    def name(self) -> str:
        return self.path.name

    def up_to_date(self, recording: Recording, options: ProcessOptions) -> Report | None:
        """The folder's report if the folder is complete and was made from these inputs with
        these options by this callrec; ``None`` if the recording must be processed."""
        if not (self.path / REPORT_NAME).is_file():
            return None
        try:
            report = load_report(self.path / REPORT_NAME)
            current = provenance(recording, options)
        except (CallrecError, OSError):
            return None
        if report.provenance != current:
            return None
        expected = (*report.output_files(), *SIDECARS, *options.views.files())
        if not all((self.path / f).is_file() for f in expected):
            return None
        return report

    def begin(self) -> None:
        """Make the folder ready for a new run: created, cleared of what a killed run left, and
        without a report, so that an interrupted run never leaves an old report beside new
        tracks."""
        self.path.mkdir(parents=True, exist_ok=True)
        clips = self.path / CLIPS
        speakers = [p for p in clips.iterdir() if p.is_dir()] if clips.is_dir() else []
        clear_partials(self.path, self.path / "participants", *speakers)
        self._previous = self._listed_outputs()
        (self.path / REPORT_NAME).unlink(missing_ok=True)

    def track(
        self,
        relative: str,
        *,
        sample_rate: int,
        channels: int,
        dtype: np.dtype,
        block_frames: int,
        writes: WriteBehind | None = None,
    ) -> TrackFile:
        """A track file at ``relative`` (``participants/<name>.wav``, ``mixed.wav``), written
        on ``writes``'s thread if given (see :class:`TrackFile`)."""
        path = self.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return TrackFile(
            path,
            sample_rate=sample_rate,
            channels=channels,
            dtype=dtype,
            block_frames=block_frames,
            writes=writes,
        )

    def trim(self, relative: str, bounds: tuple[int, int]) -> TrimReport:
        """Copy samples ``[start, stop)`` of the track at ``relative`` into
        ``<name>.trimmed.wav`` beside it, in the track's own sample format."""
        target = relative[: -len(".wav")] + ".trimmed.wav"
        return TrimReport(**self._copy(relative, bounds, target))

    def clips(self, relative: str, speaker: str, bounds: list[tuple[int, int]]) -> list[ClipReport]:
        """Copy each ``[start, stop)`` of the track at ``relative`` into
        ``clips/<speaker>/<n>.wav`` (from 1, in order), in the track's own sample format."""
        (self.path / CLIPS / speaker).mkdir(parents=True, exist_ok=True)
        return [
            ClipReport(**self._copy(relative, span, f"{CLIPS}/{speaker}/{n:05d}.wav"))
            for n, span in enumerate(bounds, 1)
        ]

    def _copy(self, relative: str, bounds: tuple[int, int], target: str) -> dict[str, Any]:
        start, stop = bounds
        # A track spans the whole call: none of the input's limit on a chunk's length.
        with open_audio(self.path / relative, max_length_s=None) as reader:
            rate = reader.sample_rate
            with AudioWriter(
                self.path / target, sample_rate=rate, channels=reader.channels, dtype=reader.dtype
            ) as writer:
                for block in reader.blocks(DEFAULT_BLOCK_FRAMES, start=start, stop=stop):
                    writer.write(block)
        return {"file": target, "start_s": to_seconds(start, rate), "end_s": to_seconds(stop, rate)}

    def stereo(self, left: list[str], right: list[str]) -> str:
        """``stereo.wav``: the tracks at ``left`` summed on the left channel and those at
        ``right`` on the right, block by block, saturated (:func:`~.handoff.saturated_sum`).
        Returns its name."""
        readers = [open_audio(self.path / relative, max_length_s=None) for relative in left + right]
        try:
            first = readers[0]
            streams = [r.blocks(DEFAULT_BLOCK_FRAMES) for r in readers]
            with AudioWriter(
                self.path / STEREO_NAME,
                sample_rate=first.sample_rate,
                channels=2,
                dtype=first.dtype,
            ) as writer:
                for blocks in zip(*streams, strict=True):
                    sides = (blocks[: len(left)], blocks[len(left) :])
                    length = len(blocks[0])
                    columns = [
                        saturated_sum([b[:, 0] for b in side], first.dtype)
                        if side
                        else np.zeros(length, first.dtype)
                        for side in sides
                    ]
                    writer.write(np.stack(columns, axis=1))
        finally:
            for reader in readers:
                reader.close()
        return STEREO_NAME

    def finish(
        self,
        report: Report,
        *,
        file_id: str,
        speakers: dict[str, str],
        views: ViewOptions | None = None,
    ) -> None:
        """Write the tables and the views (the page, the plots), remove what an earlier run
        listed or showed and this one does not, and write the report last. ``file_id`` names
        the recording in ``speech.rttm``; ``speakers`` maps a label of :meth:`Report.tracks` to
        its file name."""
        self._write_tables(report, file_id, speakers)
        written = self._write_views(report, views or ViewOptions())
        # What the old report listed, and clips and stereo files no report lists (a run that
        # failed after writing them): nothing else in the folder is touched.
        for stale in (self._previous | self._audio_present()) - report.output_files():
            (self.path / stale).unlink(missing_ok=True)
        for stale in set(VIEW_NAMES) - set(written):
            (self.path / stale).unlink(missing_ok=True)
        clips = self.path / CLIPS
        for speaker in sorted(clips.glob("*/")) if clips.is_dir() else []:
            with contextlib.suppress(OSError):  # only an empty one goes
                speaker.rmdir()
        with contextlib.suppress(OSError):
            clips.rmdir()
        write_text(self.path / REPORT_NAME, report.to_json())

    def _write_views(self, report: Report, views: ViewOptions) -> list[str]:
        """The plots (read from the tracks in the folder), then the page that links them;
        returns the names written."""
        written: list[str] = []
        if views.plots:
            from .plots import write_plots  # matplotlib, only when asked for

            written += write_plots(report, self.path)
        if views.html:
            write_text(self.path / PAGE_NAME, render_page(report, plots=written))
            written.append(PAGE_NAME)
        return written

    def _write_tables(self, report: Report, file_id: str, speakers: dict[str, str]) -> None:
        segments, keys, rttm, uem, manifest = SIDECARS
        write_text(self.path / segments, segments_csv(report, speakers))
        write_text(self.path / keys, keys_csv(report))
        write_text(self.path / rttm, speech_rttm(report, file_id, speakers))
        write_text(self.path / uem, speech_uem(report, file_id))
        write_text(self.path / manifest, manifest_jsonl(report, file_id, speakers))

    def _audio_present(self) -> set[str]:
        found = [*self.path.glob("*.wav"), *self.path.glob(f"{CLIPS}/*/*.wav")]
        names = (p.relative_to(self.path).as_posix() for p in found)
        return {name for name in names if CALLREC_AUDIO.fullmatch(name)}

    def _listed_outputs(self) -> set[str]:
        """Track files a previous report in this folder lists (only those are ever deleted)."""
        return listed_outputs(self.path / REPORT_NAME)


def listed_outputs(report_file: Path) -> set[str]:
    """The track files the report at ``report_file`` lists, if it is there and readable; only
    names inside its folder (no ``..``, not absolute), since only those are ever deleted."""
    try:
        old = load_report(report_file)
    except CallrecError:
        return set()
    return {
        f for f in old.output_files() if ".." not in Path(f).parts and not Path(f).is_absolute()
    }
