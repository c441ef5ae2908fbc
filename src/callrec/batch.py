"""Many recordings: find them, skip the ones already done, process the rest in parallel.

Each recording gets its own folder under the output folder (:func:`folder_names`), owned by a
:class:`~callrec.output.folder.RecordingFolder`: it is complete when its ``report.json`` is in
place, and the report's ``provenance`` (callrec version, options, and the size and modification
time of every input file) decides whether a re-run can skip it. A recording that fails is
listed, with its typed error, in ``errors.json`` beside the folders, and does not stop the
others.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import socket
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._version import __version__
from .acs import discovery
from .acs.discovery import Discovery, FoundRecording
from .acs.plain import PlainOptions
from .acs.recording import Recording
from .acs.timeline import PauseReading
from .errors import (
    LOST_AUDIO,
    Finding,
    JSONFileError,
    StorageError,
    UsageError,
    WorkerCrashError,
)
from .output.blob_folder import recording_folder
from .output.folder import REPORT_NAME
from .output.options import ProcessOptions
from .output.report import ErrorReport, ProblemReport, Report, load_report
from .output.run import process_recording
from .output.tables import batch_segments_csv
from .response import answer_names
from .safety.atomic import write_text
from .safety.locking import output_lock
from .safety.naming import RESERVED_NAMES, safe_name
from .safety.workers import WorkerPool
from .storage.blob import BlobPath, open_location

if TYPE_CHECKING:
    from .cluster import ClusterPool, Scheduler

__all__ = [
    "BatchResult",
    "Outcome",
    "available_cpus",
    "discover",
    "folder_names",
    "open_recording",
    "open_recordings",
    "process",
]

LOCK_NAME = ".callrec.lock"
"""The blob an output prefix in blob storage is leased through (hidden: discovery skips it)."""
ERRORS_NAME = "errors.json"
SEGMENTS_NAME = "segments.csv"
"""Every utterance of the run's recordings, one table (``output.tables.batch_segments_csv``)."""
INDEX_NAME = "index.html"
"""The run's recordings as a page, one row each (``output.index_page.render_index``)."""
assert {ERRORS_NAME, SEGMENTS_NAME, LOCK_NAME, INDEX_NAME} <= RESERVED_NAMES  # no folder takes them
ERRORS_SCHEMA_VERSION = 1

Status = Literal["done", "skipped", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What happened to one recording."""

    folder: str
    call_id: str
    status: Status
    audio_s: float = 0.0
    seconds: float = 0.0
    error: ErrorReport | None = None
    files: tuple[str, ...] = ()
    trace: str | None = None
    losses: tuple[str, ...] = ()
    """Messages of findings that mean audio is missing (see
    :data:`~callrec.errors.LOST_AUDIO`): the recording is *incomplete*."""

    @property
    def incomplete(self) -> bool:
        return self.status != "failed" and bool(self.losses)


@dataclass(frozen=True)
class BatchResult:
    """Every recording's :class:`Outcome`, and the files discovery could not use."""

    out: Path
    outcomes: tuple[Outcome, ...]
    problems: tuple[Finding, ...] = field(default_factory=tuple)
    errors_file_problem: str | None = None
    """Why the first of the run's own files (``errors.json``, ``segments.csv``, ``index.html``:
    :attr:`unwritten` says which) could not be written (a full disk), or ``None``."""
    unwritten: str = ERRORS_NAME
    write_problems: tuple[tuple[str, str], ...] = ()
    """Every run file that could not be written, and why, in the order tried. An earlier run's
    copy of such a file is removed: it would describe that run as if it were this one."""

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def incomplete(self) -> tuple[Outcome, ...]:
        """Recordings processed (or already done) with part of their audio lost."""
        return tuple(o for o in self.outcomes if o.incomplete)

    @property
    def ok(self) -> bool:
        """No recording failed and every file found could be used (audio may still be lost:
        see :attr:`complete`)."""
        return not self.failed and not any(p.severity == "error" for p in self.problems)

    @property
    def complete(self) -> bool:
        """:attr:`ok`, and no audio lost anywhere."""
        return self.ok and not self.incomplete


def discover(
    path: str | Path,
    *,
    exclude: Iterable[str | Path] = (),
    probe: bool = True,
    storage_options: Mapping[str, Any] | None = None,
    plain: PlainOptions | None = None,
) -> Discovery:
    """Every recording under ``path`` (see :func:`callrec.acs.discovery.discover`): a folder
    tree, one metadata or event file, or one chunk's media file; or the same in blob storage,
    ``az://CONTAINER/PREFIX`` (see :func:`process` for ``storage_options``). The audio of Graph
    ``recordResponse`` answers found beside them is ``callrec response``'s input, not a chunk
    without metadata.

    With ``plain`` (:class:`~callrec.acs.plain.PlainOptions`), media files that no chunk
    metadata names (WAV, FLAC, MP3, MP4) are plain multi-channel recordings: one recording per
    file, named after it, with those speakers by channel. Files that have metadata are ACS
    recordings all the same; without ``plain``, media without metadata is a problem. A file
    whose channel count is not the number of speakers fails alone when it is built
    (``ChannelConflictError``)."""
    root = _location(path, storage_options)
    return discovery.discover(root, exclude=exclude, probe=probe, claimed=answer_names, plain=plain)


def _location(path: str | Path, storage_options: Mapping[str, Any] | None) -> Path:
    """``path`` as a local path or a blob's (a URL); storage options only with a URL."""
    location = open_location(path, storage_options)
    if storage_options and not isinstance(location, BlobPath):
        raise UsageError(f"{path}: storage options apply to az:// and abfs:// URLs only")
    return location


def open_recordings(
    path: str | Path,
    *,
    pause_reading: PauseReading | None = None,
    tolerance_s: float = 0.05,
    plain: PlainOptions | None = None,
) -> list[Recording]:
    """Every recording found under ``path``, built (``pause_reading`` and ``tolerance_s`` as
    for :func:`~callrec.build_recording`; ``plain`` as for :func:`process`).

    Files that discovery could not use are left out (:func:`discover` lists them); when
    nothing usable is found, the first of those problems is raised. A recording whose chunks do
    not fit together raises its :class:`~callrec.errors.RecordingError`.
    """
    found = discover(path, plain=plain)
    if not found.recordings and found.errors:
        raise found.errors[0].error or UsageError(found.errors[0].message)
    return [r.build(pause_reading=pause_reading, tolerance_s=tolerance_s) for r in found.recordings]


def open_recording(
    path: str | Path,
    *,
    pause_reading: PauseReading | None = None,
    tolerance_s: float = 0.05,
    plain: PlainOptions | None = None,
) -> Recording:
    """The one recording under ``path``; :class:`UsageError` if there are none or several."""
    recordings = open_recordings(
        path, pause_reading=pause_reading, tolerance_s=tolerance_s, plain=plain
    )
    if len(recordings) != 1:
        ids = [r.call_id for r in recordings]
        raise UsageError(f"{path}: expected one recording, found {len(recordings)} {ids}")
    return recordings[0]


def available_cpus() -> int:
    """The CPUs this process may really use: its affinity mask and its container's CPU quota.

    ``os.cpu_count()`` counts the machine's CPUs, so a job pinned to two of them, or a container
    given two CPUs' worth of time, would start one worker per CPU of the host.
    """
    counts = [os.cpu_count() or 1]
    if hasattr(os, "sched_getaffinity"):
        counts.append(len(os.sched_getaffinity(0)))
    quota = _cgroup_cpu_quota()
    if quota is not None:
        counts.append(quota)
    return max(1, min(counts))


def _cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """CPUs' worth of time a Linux control group grants (rounded up), or ``None`` if unlimited."""
    candidates = (
        (root / "cpu.max", None),  # cgroup v2: "QUOTA PERIOD" or "max PERIOD"
        (root / "cpu" / "cpu.cfs_quota_us", root / "cpu" / "cpu.cfs_period_us"),  # cgroup v1
    )
    for quota_file, period_file in candidates:
        try:
            fields = quota_file.read_text().split()
            if period_file is not None:
                fields.append(period_file.read_text().strip())
            quota, period = fields[0], fields[1]
            if quota in ("max", "-1"):
                return None
            return max(1, math.ceil(int(quota) / int(period)))
        except (OSError, ValueError, IndexError):
            continue
    return None


def folder_names(recordings: tuple[FoundRecording, ...]) -> list[str]:
    """A stable, file-system-safe folder name per recording.

    The call id alone when it is unique in the run; otherwise the call id and the recording id
    (or the first chunk's document id), and a number as a last resort.
    """
    calls: dict[str, int] = {}
    for item in recordings:
        calls[item.call_id] = calls.get(item.call_id, 0) + 1
    names: list[str] = []
    for item in recordings:
        name = safe_name(item.call_id)
        if calls[item.call_id] > 1:
            documents = [s.metadata.chunk_document_id for s in item.sources]
            tag = item.recording_id or next((d for d in documents if d), None) or "recording"
            name = f"{name}--{safe_name(tag)}"
        base, n = name, 2
        while name.casefold() in {x.casefold() for x in names}:
            name, n = f"{base}--{n}", n + 1
        names.append(name)
    return names


def _losses(report: Report) -> tuple[str, ...]:
    return tuple(w.message for w in report.warnings if w.code in LOST_AUDIO)


def _inputs(item: FoundRecording) -> tuple[Path, ...]:
    """The recording's files: metadata first, then media."""
    return tuple(s.metadata_path for s in item.sources if s.metadata_path) + tuple(
        s.media_path for s in item.sources if s.media_path
    )


def _job(item: FoundRecording, folder: Path, options: ProcessOptions, force: bool) -> Outcome:
    """Process one recording; every error in the user's files becomes a failed outcome."""
    started = time.perf_counter()
    files = tuple(str(p) for p in _inputs(item))
    try:
        recording = item.build(pause_reading=options.pause_reading, tolerance_s=options.tolerance_s)
        options = _options_for(item, options)
        with recording_folder(folder) as out:
            done = None if force else out.up_to_date(recording, options)
            if done is not None:
                return Outcome(
                    folder.name,
                    item.call_id,
                    "skipped",
                    audio_s=done.duration_s,
                    files=files,
                    losses=_losses(done),
                )
            result = process_recording(recording, out, options, file_id=folder.name)
    except Exception as exc:  # one recording never stops the batch, not even through a bug
        return Outcome(
            folder.name,
            item.call_id,
            "failed",
            seconds=time.perf_counter() - started,
            error=ErrorReport.of(exc),
            files=files,
            trace=traceback.format_exc(),
        )
    return Outcome(
        folder.name,
        item.call_id,
        "done",
        audio_s=result.report.duration_s,
        seconds=time.perf_counter() - started,
        files=files,
        losses=_losses(result.report),
    )


def _options_for(item: FoundRecording, options: ProcessOptions) -> ProcessOptions:
    """``options`` for one recording: a plain recording's speakers and start time decide its
    outputs, so they are part of its provenance (a changed ``--speakers`` redoes it)."""
    return options if options.plain == item.plain else replace(options, plain=item.plain)


Task = tuple[FoundRecording, Path, ProcessOptions, bool]
"""What a worker gets for one recording: ``_job``'s arguments."""


def _job_task(task: Task) -> Outcome:
    return _job(*task)


def _crashed(task: Task, reason: str) -> Outcome:
    """The outcome of a recording whose worker died: a native decoder crashed on its media."""
    item, _, _, _ = task
    media = [str(s.media_path) for s in item.sources if s.media_path]
    return _not_run(
        task,
        WorkerCrashError(
            f"{reason} while processing this recording, most likely a decoder crashing on "
            f"damaged media ({', '.join(media) or 'no media'}); the other recordings were not "
            "affected"
        ),
    )


def _not_run(task: Task, error: Exception) -> Outcome:
    """The failed outcome of a recording that ``_job`` never finished, for ``error``."""
    item, folder, _, _ = task
    files = tuple(str(p) for p in _inputs(item))
    return Outcome(folder.name, item.call_id, "failed", error=ErrorReport.of(error), files=files)


def _cluster_failed(task: Task, reason: str) -> Outcome:
    """A recording the Dask cluster could not run, for a reason other than its workers dying."""
    return _not_run(task, WorkerCrashError(f"the Dask cluster could not run it: {reason}"))


def _cluster_task(task: Task) -> Outcome:
    """One recording on a Dask worker: :func:`_job`, once this machine is seen to have the paths.

    A worker without the shared file system would otherwise take missing media for lost audio,
    or write the outputs onto its own disk, and call the recording done.
    """
    item, folder, _, _ = task
    for path in (folder.parent, *_inputs(item)):
        # Blobs are reached from anywhere the credentials travel with the task.
        if not isinstance(path, BlobPath) and not path.exists():
            return _not_run(
                task,
                UsageError(
                    f"not found on the Dask worker on {socket.gethostname()}: workers must see "
                    "the input and output folders at the paths callrec was given (the same "
                    "machine, or a shared file system)",
                    file=path,
                ),
            )
    return _job(*task)


Work = list[tuple[FoundRecording, Path]]
Runner = Callable[[Work, ProcessOptions, bool], Iterator[Outcome]]
"""Runs ``_job`` for each recording and folder (with the options and ``force``), outcomes as
they come: here, in worker processes (:func:`_run_all`), or on a cluster (:func:`_run_on_cluster`)."""


def _run_all(
    jobs: Work, options: ProcessOptions, force: bool, workers: int, isolate: bool
) -> Iterator[Outcome]:
    if not isolate and (workers <= 1 or len(jobs) <= 1):
        for item, folder in jobs:
            yield _job(item, folder, options, force)
        return
    pool = WorkerPool(min(workers, len(jobs)), _job_task, _crashed)
    yield from pool.run((item, folder, options, force) for item, folder in jobs)


def _run_on_cluster(
    pool: ClusterPool[Task, Outcome], jobs: Work, options: ProcessOptions, force: bool
) -> Iterator[Outcome]:
    # The folders as absolute paths: a worker's working folder is not this process's.
    yield from pool.run((item, folder.absolute(), options, force) for item, folder in jobs)


def process(
    path: str | Path,
    out: str | Path,
    options: ProcessOptions | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    on_outcome: Callable[[Outcome, int, int], None] | None = None,
    found: Discovery | None = None,
    isolate: bool = False,
    scheduler: Scheduler | None = None,
    storage_options: Mapping[str, Any] | None = None,
    plain: PlainOptions | None = None,
) -> BatchResult:
    """Process every recording under ``path`` into ``out`` (see ``callrec process``).

    Parameters
    ----------
    path
        A folder tree, or one chunk metadata or event file; or a blob prefix (``az://…``).
    out
        The output folder; each recording gets a folder in it, and ``errors.json`` lists failures.
    options
        How to process each recording.
    jobs
        Worker processes. The default (``None``) and 1 run every recording in this process, so
        that callrec can run inside other engines (a Dask worker, a ``multiprocessing`` pool);
        :func:`available_cpus` gives the number the command line uses. Asked for more than one
        inside a daemonic process, which may not start children, it warns and runs here.
    isolate
        Process each recording in a worker process even with one job, so that a native decoder
        crashing on damaged media fails that recording only (the command line does this). A
        worker never outlives this process.
    force
        Redo recordings whose outputs are complete and current.
    on_outcome
        Called as each recording finishes, with its outcome, how many are done and the total.
    found
        A discovery of ``path`` already made (skips walking the tree again).
    scheduler
        Run each recording as a task on a Dask cluster (``pip install 'callrec[dask]'``): a
        ``distributed`` scheduler's address (``tcp://10.0.0.5:8786``), connected to for this
        call, or a ``distributed.Client`` (used as it is and left open). The workers read the
        inputs and write the outputs themselves, so they must see ``path`` and ``out`` at the
        same paths (relative ones are made absolute here); ``errors.json`` is written here.
        ``jobs`` does not apply (the cluster's workers are the parallelism); ``isolate`` is
        what a cluster does anyway: a worker that dies fails only its recording. Blobs need no
        shared file system: the storage options travel with each task.
    storage_options
        For ``path`` or ``out`` given as ``az://CONTAINER/PREFIX`` (or ``abfs://``; ``pip install
        'callrec[azure]'``): adlfs's options (``sas_token``, ``account_key`` …), else the
        environment's (:func:`callrec.storage.resolve_storage_options`). Never shown or written.
    plain
        Media files without metadata as plain recordings, as for :func:`discover` (or there).

    Raises
    ------
    OutputInUseError
        Another run is writing to ``out``: one run at a time per output folder.
    MissingExtraError
        ``scheduler`` without the ``dask`` extra installed.
    """
    options = options or ProcessOptions()
    root, target = open_location(path, storage_options), open_location(out, storage_options)
    if storage_options and not isinstance(root, BlobPath) and not isinstance(target, BlobPath):
        raise UsageError("storage options apply to az:// and abfs:// URLs only")
    if scheduler is not None:
        # Discovery names every file from here on, and the workers have working folders of
        # their own: absolute paths mean the same to them.
        root = root.absolute()
        if found is not None and not found.root.is_absolute():
            raise UsageError(
                f"found: with a scheduler, discover an absolute path, not {found.root} (the "
                "workers do not share this process's working folder)"
            )
    with contextlib.ExitStack() as stack:
        # The cluster first: a missing extra or a wrong address stops before anything is made.
        run = _runner(stack, jobs, isolate, scheduler)
        find = partial(discover, plain=plain)
        return _process_into(root, target, options, force, run, on_outcome, found, find)


def _process_into(
    path: str | Path,
    out: Path,
    options: ProcessOptions,
    force: bool,
    run: Runner,
    on_outcome: Callable[[Outcome, int, int], None] | None,
    found: Discovery | None,
    find: Callable[..., Discovery] = discover,
) -> BatchResult:
    """Hold ``out``, find the recordings under ``path`` (unless ``found``; with ``find``, which
    takes :func:`discover`'s arguments), and process them."""
    if isinstance(out, BlobPath):
        # Blob storage has no folders to make, and no lock to take: each recording's folder is
        # finished when its report is uploaded, and runs over the same prefix only redo work.
        out.store.make_container(out.key)
        with out.store.lease(f"{out.key}/{LOCK_NAME}"):
            found = found or find(path, exclude=[out])
            return _process_found(found, out, options, force, run, on_outcome)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out}: {exc.strerror or exc}") from None
    with output_lock(out):
        # The lock first: a second run stops before walking a tree the first one is processing.
        try:
            found = found or find(path, exclude=[out])
        except UsageError:
            if created:  # a PATH that names nothing leaves nothing behind
                with contextlib.suppress(OSError):
                    out.rmdir()
            raise
        return _process_found(found, out, options, force, run, on_outcome)


def _runner(
    stack: contextlib.ExitStack, jobs: int | None, isolate: bool, scheduler: Scheduler | None
) -> Runner:
    """How the recordings will be run: on the cluster (connected within ``stack``), or here."""
    workers = 1 if jobs is None else jobs
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"jobs must be a whole number of at least 1, got {jobs!r}")
    if scheduler is not None:
        if jobs is not None:
            raise UsageError(
                "jobs does not apply with a scheduler: the cluster's workers are the parallelism"
            )
        from .cluster import ClusterPool, connect

        client = stack.enter_context(connect(scheduler))
        pool = ClusterPool(client, _cluster_task, _crashed, _cluster_failed)
        return partial(_run_on_cluster, pool)
    if (workers > 1 or isolate) and multiprocessing.current_process().daemon:
        warnings.warn(
            f"callrec.process(jobs={workers}, isolate={isolate}) runs in this process: it is a "
            "daemonic worker (Dask, a multiprocessing pool), which may not start processes of "
            "its own",
            RuntimeWarning,
            stacklevel=3,
        )
        workers, isolate = 1, False
    return partial(_run_all, workers=workers, isolate=isolate)


def _process_found(
    found: Discovery,
    out: Path,
    options: ProcessOptions,
    force: bool,
    run: Runner,
    on_outcome: Callable[[Outcome, int, int], None] | None,
) -> BatchResult:
    names = folder_names(found.recordings)
    work = [(item, out / name) for item, name in zip(found.recordings, names, strict=True)]
    outcomes: list[Outcome] = []
    for outcome in run(work, options, force):
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome, len(outcomes), len(work))
    order = {name: i for i, name in enumerate(names)}
    outcomes.sort(key=lambda o: order[o.folder])
    result = BatchResult(out, tuple(outcomes), found.problems)
    # Each file is tried whatever became of the others: a full disk or a refusing service costs
    # the files it touches, and the outcomes are still worth returning.
    problems = _attempt(result.out, ERRORS_NAME, partial(_write_errors, result))
    try:
        reports = _read_reports(result)  # once, for the table and the index
    except StorageError as exc:  # neither the table nor the index can be made
        for name in (SEGMENTS_NAME, INDEX_NAME):
            problems.append((name, exc.detail))
            _remove_earlier(result.out, name)
    else:
        problems += _attempt(result.out, SEGMENTS_NAME, partial(_write_segments, result, reports))
        problems += _attempt(
            result.out, INDEX_NAME, partial(_write_index, result, reports, options)
        )
    if not problems:
        return result
    first, why = problems[0]
    return replace(result, errors_file_problem=why, unwritten=first, write_problems=tuple(problems))


def _attempt(out: Path, name: str, write: Callable[[], None]) -> list[tuple[str, str]]:
    """``write()`` of ``OUT/name``: nothing if it worked, else ``[(name, why)]`` with an earlier
    run's copy removed."""
    try:
        write()
        return []
    except OSError as exc:  # a full disk
        why = f"{exc.strerror or exc}"
    except StorageError as exc:  # blob storage refused it
        why = exc.detail
    _remove_earlier(out, name)
    return [(name, why)]


def _remove_earlier(out: Path, name: str) -> None:
    """An earlier run's ``OUT/name``, gone if it can be; where it cannot, the write problem
    already said this run has no such file."""
    with contextlib.suppress(OSError, StorageError):
        _remove(out, name)


def _remove(out: Path, name: str) -> None:
    if isinstance(out, BlobPath):
        out.store.remove(f"{out.key}/{name}")
    else:
        (out / name).unlink(missing_ok=True)


def _write_errors(result: BatchResult) -> None:
    import json

    document = {
        "schema_version": ERRORS_SCHEMA_VERSION,
        "callrec_version": __version__,
        "failed": [
            {
                "folder": o.folder,
                "call_id": o.call_id,
                **(o.error.model_dump() if o.error else {}),
                "input_files": list(o.files),
            }
            for o in result.failed
        ],
        "incomplete": [
            {"folder": o.folder, "call_id": o.call_id, "missing_audio": list(o.losses)}
            for o in result.outcomes
            if o.losses
        ],
        "problems": [ProblemReport.of(p).model_dump(mode="json") for p in result.problems],
    }
    _put_text(result.out, ERRORS_NAME, json.dumps(document, indent=2) + "\n")


def _read_reports(result: BatchResult) -> dict[str, Report | str]:
    """The report of every recording of the run that has its outputs (processed now or already
    done), by folder, or why it could not be read. A report that is not there (removed since)
    is such a reason; one that blob storage will not give (StorageError) raises: the table and
    the index are then unwritten, never incomplete."""
    read: dict[str, Report | str] = {}
    for outcome in result.outcomes:
        if outcome.status != "failed":
            try:
                read[outcome.folder] = load_report(result.out / outcome.folder / REPORT_NAME)
            except JSONFileError as exc:
                read[outcome.folder] = str(exc)
    return read


def _write_segments(result: BatchResult, reports: dict[str, Report | str]) -> None:
    """``OUT/segments.csv``: every utterance of the recordings whose ``reports`` were read."""
    rows = [(name, report) for name, report in reports.items() if isinstance(report, Report)]
    _put_text(result.out, SEGMENTS_NAME, batch_segments_csv(rows))


def _write_index(
    result: BatchResult, reports: dict[str, Report | str], options: ProcessOptions
) -> None:
    """``OUT/index.html``: every recording of the run, a row each, linking to its page
    (``reports``: what :func:`_read_reports` read); with the page turned off, an earlier
    run's index is removed (it would link to pages no more)."""
    from .output.index_page import IndexEntry, render_index

    if not options.views.html:
        _remove(result.out, INDEX_NAME)
        return
    entries = []
    for outcome in result.outcomes:
        read = reports.get(outcome.folder)
        report = read if isinstance(read, Report) else None
        error = read if isinstance(read, str) else None
        if outcome.status == "failed":
            error = _failure_line(outcome.error)
        entries.append(IndexEntry(outcome.folder, report, error, page=report is not None))
    _put_text(result.out, INDEX_NAME, render_index(entries))


def _failure_line(error: ErrorReport | None) -> str:
    if error is None:
        return "failed"
    return f"{error.error}: {error.message}"


def _put_text(out: Path, name: str, text: str) -> None:
    """``OUT/name``, whole or not at all, on a disk or in blob storage."""
    if isinstance(out, BlobPath):
        out.store.put_bytes(f"{out.key}/{name}", text.encode("utf-8"))
    else:
        write_text(out / name, text)
