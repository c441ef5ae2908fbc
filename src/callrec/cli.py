"""The ``callrec`` command line. ``main(argv)`` returns the exit status:

0 every recording was understood and is complete; 1 some input had an error (the rest was still
done); 2 the command itself was wrong (usage); 3 nothing failed, but audio is lost from some
recording (a chunk's media missing, empty, truncated or undecodable: its time is silence, and
``errors.json`` lists it under ``incomplete``); 4 another run is writing to the output folder.
Errors in the user's files never show a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from ._version import __version__
from .acs.timeline import PauseReading
from .errors import CallrecError, OutputInUseError, UsageError
from .safety.limits import DEFAULT_MAX_GAP_S

if TYPE_CHECKING:
    from .acs.plain import PlainOptions
    from .batch import BatchResult
    from .dsp.activity import ActivityOptions
    from .output.options import HandoffOptions, QualityOptions, ViewOptions
    from .output.report import ErrorReport

__all__ = [
    "EXIT_BUSY",
    "EXIT_FAILED",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "main",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
EXIT_BUSY = 4
EXIT_INTERRUPTED = 130

_READINGS = {
    "auto": None,
    "includes": PauseReading.INCLUDES_PAUSES,
    "excludes": PauseReading.EXCLUDES_PAUSES,
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _number_in(low: float, high: float) -> Any:
    """An argparse type: a finite number within ``[low, high]``, named in the error."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not low <= value <= high:  # NaN fails too
            raise argparse.ArgumentTypeError(f"expected {low:g} to {high:g}, got {text}")
        return value

    return parse


THRESHOLD_RANGE_DBFS = (-120.0, 0.0)
"""What a speech threshold on a full-scale-0-dBFS signal can sensibly be."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callrec",
        description="Post-process Azure Communication Services call recordings.",
    )
    parser.add_argument("--version", action="version", version=f"callrec {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    # Accepted after the subcommand too; SUPPRESS keeps a subcommand that lacks it from
    # resetting the value given before it.
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks for errors"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    inspect = commands.add_parser(
        "inspect",
        parents=[debug],
        help="summarise the recordings in a folder or metadata file",
        description="Find every recording under PATH and print its timeline, chunks, "
        "participants and warnings.",
    )
    inspect.add_argument("path", metavar="PATH", help=_PATH_HELP)
    inspect.add_argument("--json", action="store_true", help="print JSON instead of text")
    _add_storage(inspect)
    _add_plain(inspect)
    inspect.add_argument(
        "--pause-reading",
        choices=sorted(_READINGS),
        default="auto",
        help="whether chunkDuration includes paused time: decide per chunk from the media (auto,"
        " the default), or force it",
    )
    inspect.add_argument(
        "--tolerance-ms",
        type=_number_in(0.0, 3_600_000.0),
        default=50.0,
        help="how far media length and metadata may disagree before a warning (default 50)",
    )
    _add_process(commands, debug)
    response = commands.add_parser(
        "response",
        parents=[debug],
        help="clean up and judge Graph recordResponse answers",
        description="Pair each recordOperation notification under PATH with its downloaded audio, "
        "then write <name>.response.json and <name>.clean.wav (the answer without silence, keys "
        "or the stop tone) into OUT, and print a summary. <name> is the operation id (for older "
        "payloads without one, the last segment of its resource).",
    )
    response.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a folder, or a notification JSON (and the audio file to pair it with)",
    )
    response.add_argument(
        "--out", "-o", default="responses", metavar="DIR", help="output folder (default: responses)"
    )
    response.add_argument("--json", action="store_true", help="print the reports as JSON")
    return parser


def _add_process(commands: Any, debug: argparse.ArgumentParser) -> None:
    process = commands.add_parser(
        "process",
        parents=[debug],
        help="write aligned per-participant tracks, the speech timeline and a report",
        description="For every recording under PATH, write into OUT/<recording>/: one track per "
        "participant aligned to the wall clock (or mixed.wav), segments.csv, speech.rttm, "
        "keys.csv, report.html and report.json. Recordings already processed and unchanged are skipped.",
    )
    process.add_argument("path", metavar="PATH", help=_PATH_HELP)
    process.add_argument("--out", "-o", required=True, metavar="DIR", help=_OUT_HELP)
    _add_storage(process)
    _add_plain(process)
    process.add_argument(
        "--layout",
        choices=["aligned", "compact"],
        default="aligned",
        help="aligned (default): tracks on the wall clock, silence in pauses and gaps; compact: "
        "pauses and gaps removed (the report maps track time to the wall clock)",
    )
    process.add_argument(
        "--trim",
        action="store_true",
        help="also write each track cut to its first and last speech (<name>.trimmed.wav)",
    )
    _add_parallel(process)
    process.add_argument("--force", action="store_true", help="redo recordings already done")
    process.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    process.add_argument(
        "--threshold-dbfs",
        type=_number_in(*THRESHOLD_RANGE_DBFS),
        default=None,
        help="speech threshold on quiet channels, -120 to 0 (default -50; raised above a noisy "
        "floor, up to --max-threshold-dbfs)",
    )
    process.add_argument(
        "--max-threshold-dbfs",
        type=_number_in(*THRESHOLD_RANGE_DBFS),
        default=None,
        help="the highest a noisy channel's floor may raise the threshold, -120 to 0 (default "
        "-30, or --threshold-dbfs when that is higher)",
    )
    process.add_argument(
        "--dead-air-s",
        type=_number_in(0.01, 3600.0),
        default=None,
        metavar="S",
        help="silence of everybody that counts as dead air, in seconds (default 2); also the "
        "longest own pause a monologue runs on over",
    )
    for add_group in (_add_quality, _add_handoff, _add_views):  # argument groups of their own
        add_group(process)
    process.add_argument(
        "--max-gap-s",
        type=_number_in(0.0, 10 * 365 * 24 * 3600.0),
        default=DEFAULT_MAX_GAP_S,
        metavar="S",
        help="the most digital silence (pauses, gaps, chunks without media) a track may hold, "
        "in seconds, when that is more than twice its recorded audio (default 3600): metadata "
        "that asks for more fails its recording instead of filling the disk",
    )
    process.add_argument(
        "--pause-reading",
        choices=sorted(_READINGS),
        default="auto",
        help="whether chunkDuration includes paused time (default: decide from the media)",
    )


_OUT_HELP = "output folder, or a blob prefix (az://CONTAINER/PREFIX)"
_PATH_HELP = (
    "a folder tree, a chunk metadata file or an event file; or the same in Azure Blob storage: "
    "az://CONTAINER/PREFIX or abfs://CONTAINER/PREFIX (pip install 'callrec[azure]')"
)


def _add_storage(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--storage-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an option for az:// and abfs:// URLs, such as sas_token=… or account_name=… "
        "(repeatable; without one naming an account or credential: "
        "AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT_NAME with Azure's "
        "DefaultAzureCredential); never shown or written",
    )


def _add_plain(command: argparse.ArgumentParser) -> None:
    plain = command.add_argument_group(
        "plain recordings",
        "media files without ACS metadata (WAV, FLAC, MP3, MP4), one speaker per channel; files "
        "that have metadata are ACS recordings all the same",
    )
    plain.add_argument(
        "--speakers",
        metavar="NAME,NAME",
        type=_checked("parse_speakers"),
        default=None,
        help="read each media file that no metadata names as one recording, named after the "
        "file: these speakers by channel (agent,customer puts agent on channel 0); a file with "
        "another number of channels fails",
    )
    plain.add_argument(
        "--start-time",
        metavar="ISO",
        type=_checked("parse_start_time"),
        default=None,
        help="when the plain recordings started, ISO 8601 with a time zone "
        "(2024-05-01T09:30:00Z); default 2000-01-01T00:00:00Z, times then being offsets",
    )


def _checked(parser: str) -> Any:
    """An argparse type from :mod:`callrec.acs.plain`'s parser of that name (imported when an
    option is given, so that ``--help`` stays cheap): its UsageError is argparse's error."""

    def parse(text: str) -> Any:
        from .acs import plain

        try:
            return getattr(plain, parser)(text)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _plain_options(args: argparse.Namespace) -> PlainOptions | None:
    """``--speakers`` and ``--start-time`` as options, or ``None`` without ``--speakers``."""
    if args.speakers is None:
        if args.start_time is not None:
            raise UsageError("--start-time applies to plain recordings: give --speakers too")
        return None
    from .acs.plain import PlainOptions

    return PlainOptions(args.speakers, args.start_time)


def _storage_options(args: argparse.Namespace) -> dict[str, Any] | None:
    from .storage import parse_storage_options

    return parse_storage_options(args.storage_option) or None


def _add_parallel(process: argparse.ArgumentParser) -> None:
    process.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        default=None,
        help="recordings processed in parallel (default: the CPUs this process may use)",
    )
    process.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run each recording as a task on this Dask cluster (a distributed scheduler, e.g. "
        "tcp://10.0.0.5:8786); the workers must see PATH and OUT at the same paths. Needs: pip "
        "install 'callrec[dask]'",
    )


def _add_handoff(process: argparse.ArgumentParser) -> None:
    handoff = process.add_argument_group(
        "hand-off", "files for transcription and analysis (README, Hand-off)"
    )
    handoff.add_argument(
        "--clips",
        action="store_true",
        help="also write one WAV per utterance under clips/<speaker>/; manifest.jsonl then "
        "points at the clips",
    )
    handoff.add_argument(
        "--clip-padding-s",
        type=_number_in(0.0, 60.0),
        default=None,
        metavar="S",
        help="audio kept before and after each utterance in its clip (default 0.2)",
    )
    handoff.add_argument(
        "--stereo",
        action="store_true",
        help="also write stereo.wav: agents (ACS and Teams identities) summed on the left, "
        "phone numbers on the right",
    )
    handoff.add_argument(
        "--stereo-left",
        action="append",
        default=[],
        metavar="ID",
        help="a participant for the left channel of stereo.wav (repeatable; the others go "
        "right), instead of the agents",
    )


def _handoff_options(args: argparse.Namespace) -> HandoffOptions:
    from .output.options import CLIP_PADDING_S, HandoffOptions

    padding = CLIP_PADDING_S if args.clip_padding_s is None else args.clip_padding_s
    return HandoffOptions(
        clips=args.clips,
        clip_padding_s=padding,
        stereo=args.stereo,
        stereo_left=tuple(args.stereo_left),
    )


def _add_views(process: argparse.ArgumentParser) -> None:
    views = process.add_argument_group(
        "looking at a call", "pages and plots for people (README, Looking at a call)"
    )
    views.add_argument(
        "--no-html",
        dest="html",
        action="store_false",
        help="do not write report.html in each recording's folder, nor DIR/index.html",
    )
    views.add_argument(
        "--plots",
        action="store_true",
        help="also write timeline.png and levels.png in each recording's folder. Needs: pip "
        "install 'callrec[plots]'",
    )


def _view_options(args: argparse.Namespace) -> ViewOptions:
    from .output.options import ViewOptions

    return ViewOptions(html=args.html, plots=args.plots)


def _add_quality(process: argparse.ArgumentParser) -> None:
    quality = process.add_argument_group(
        "call quality", "when a line is flagged in the report's quality list (README, Call quality)"
    )
    quality.add_argument(
        "--low-level-lufs",
        type=_number_in(-120.0, 0.0),
        default=None,
        metavar="LUFS",
        help="a track quieter than this is low-level (default -40)",
    )
    quality.add_argument(
        "--clipped-fraction",
        type=_number_in(0.0, 1.0),
        default=None,
        metavar="F",
        help="a track with more of its speech at full scale is clipping (default 0.001)",
    )
    quality.add_argument(
        "--noisy-floor-dbfs",
        type=_number_in(-120.0, 0.0),
        default=None,
        metavar="DBFS",
        help="a track whose noise floor is above this is a noisy line (default -45)",
    )


def _progress(args: argparse.Namespace, err: TextIO) -> Any:
    """A callback that shows each finished recording: a bar on a terminal, lines otherwise."""
    if args.quiet:
        return None, None
    if err.isatty():
        from tqdm import tqdm

        bar = tqdm(total=0, unit="rec", file=err, dynamic_ncols=True)

        def show_bar(outcome: Any, done: int, total: int) -> None:
            bar.total = total
            audio[0] += outcome.audio_s
            bar.set_postfix_str(f"{audio[0] / 3600:.2f} h of audio", refresh=False)
            bar.update(1)

        audio = [0.0]
        return show_bar, bar

    def show_line(outcome: Any, done: int, total: int) -> None:
        what = {"done": f"done in {outcome.seconds:.2f} s", "skipped": "already done"}
        text = what.get(outcome.status) or f"FAILED: {_failure(outcome.error)}"
        err.write(f"[{done}/{total}] {outcome.folder} ({outcome.audio_s:.1f} s of audio): {text}\n")
        err.flush()

    return show_line, None


def _process(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .batch import available_cpus, process
    from .output.options import DEAD_AIR_S, ProcessOptions

    activity = _activity_options(args.threshold_dbfs, args.max_threshold_dbfs)
    plain = _plain_options(args)
    options = ProcessOptions(
        max_gap_s=args.max_gap_s,
        dead_air_s=DEAD_AIR_S if args.dead_air_s is None else args.dead_air_s,
        quality=_quality_options(args),
        handoff=_handoff_options(args),
        views=_view_options(args),
        layout=args.layout,
        trim=args.trim,
        activity=activity,
        pause_reading=_READINGS[args.pause_reading],
    )
    callback, bar = _progress(args, err)
    try:
        result = process(
            args.path,
            args.out,
            options,
            # On a cluster its workers are the parallelism: --jobs as well is a usage error.
            jobs=args.jobs if args.scheduler is not None else args.jobs or available_cpus(),
            # A decoder crashing on damaged media fails that recording, not the batch.
            isolate=True,
            scheduler=args.scheduler,
            force=args.force,
            on_outcome=callback,
            storage_options=_storage_options(args),
            plain=plain,
        )
    finally:
        if bar is not None:
            bar.close()
    return _batch_summary(result, args, out, err)


def _batch_summary(result: BatchResult, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print what ``process`` did; returns the exit status."""
    from .batch import ERRORS_NAME  # loaded already: the batch ran

    counts = {s: sum(o.status == s for o in result.outcomes) for s in ("done", "skipped", "failed")}
    if not result.outcomes:
        out.write(
            f"No recordings found under {args.path}: no chunk metadata JSON (with or without its "
            "media) was found there\n"
        )
    out.write(
        f"{len(result.outcomes)} recording(s) in {result.out}: {counts['done']} processed, "
        f"{counts['skipped']} already done, {counts['failed']} failed, "
        f"{len(result.incomplete)} incomplete (audio lost)\n"
    )
    for outcome in result.incomplete:
        out.write(f"  incomplete: {outcome.folder}: {'; '.join(outcome.losses)}\n")
    for outcome in result.failed:
        if args.debug and outcome.trace:
            err.write(outcome.trace)
        out.write(f"  failed: {outcome.folder}: {_failure(outcome.error)}\n")
    for problem in result.problems:
        if problem.severity == "error":
            out.write(f"  not used: {problem.file}: {problem.message}\n")
    for name, why in result.write_problems:
        err.write(f"callrec: could not write {result.out / name}: {why}\n")
    if any(name == ERRORS_NAME for name, _ in result.write_problems):
        err.write("callrec: the lines above are all there is\n")
    elif not result.complete:
        out.write(f"  (details in {result.out / ERRORS_NAME})\n")
    unwritten = bool(result.write_problems)
    return _status(failed=unwritten or not result.ok, lost=bool(result.incomplete))


def _failure(error: ErrorReport | None) -> str:
    """A failure as one line: the error type, the file, the message."""
    if error is None:
        return "error: "
    where = f" in {error.file}" if error.file else ""
    return f"{error.error}{where}: {error.message}"


def _quality_options(args: argparse.Namespace) -> QualityOptions:
    """The thresholds given on the command line, the defaults for the others."""
    from .output.options import QualityOptions

    names = ("low_level_lufs", "clipped_fraction", "noisy_floor_dbfs")
    given = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    return QualityOptions.from_dict(given)


def _activity_options(threshold: float | None, cap: float | None) -> ActivityOptions:
    """The detector's options from the command line. A threshold above the default cap raises
    the cap with it: the user asked for that threshold, and it must be honoured."""
    from .dsp.activity import DEFAULT_MAX_THRESHOLD_DBFS, ActivityOptions

    settings: dict[str, float] = {}
    if threshold is not None:
        settings["threshold_dbfs"] = threshold
    if cap is not None:
        if threshold is not None and cap < threshold:
            raise UsageError(
                f"--max-threshold-dbfs ({cap:g}) must not be below --threshold-dbfs ({threshold:g})"
            )
        settings["max_threshold_dbfs"] = cap
    elif threshold is not None and threshold > DEFAULT_MAX_THRESHOLD_DBFS:
        settings["max_threshold_dbfs"] = threshold
    return ActivityOptions.from_dict(settings)


def _response(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .response import process_responses

    run = process_responses(args.paths, args.out)
    if args.json:
        json.dump([r.model_dump(mode="json") for r in run.reports], out, indent=2)
        out.write("\n")
    else:
        out.write(
            f"{'operation':<38} {'status':<10} {'reason':<26} {'keys':<6} {'speech':>7}  verdict\n"
        )
        for name, result in zip(run.names, run.results, strict=True):
            r = result.report
            keys = "".join(k.key for k in r.keys) or "-"
            out.write(
                f"{name:<38} {r.status or '?':<10} {r.completion_reason or '-':<26} "
                f"{keys:<6} {r.speech_s:6.2f}s  {r.verdict}"
                + (f" ({r.error['message']})" if r.error else "")
                + (" (the download is truncated)" if result.truncated else "")
                + "\n"
            )
        if not run.results:
            out.write("No recordOperation notifications found.\n")
        out.write(f"Reports and clean clips are in {args.out}\n")
    for error in run.errors:
        err.write(f"callrec: {error}\n")
    return _status(failed=run.failed, lost=False)


def _inspect(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .batch import discover
    from .output.summary import inspect_found

    inspection = inspect_found(
        discover(args.path, storage_options=_storage_options(args), plain=_plain_options(args)),
        pause_reading=_READINGS[args.pause_reading],
        tolerance_s=args.tolerance_ms / 1000,
    )
    if args.debug:
        for item in inspection.recordings:
            if item.error is not None:
                traceback.print_exception(item.error, file=err)
    if args.json:
        json.dump(inspection.document(), out, indent=2)
        out.write("\n")
    else:
        out.write(inspection.text())
    if inspection.failed:
        err.write("callrec: some input had errors (see above)\n")
    return _status(failed=inspection.failed, lost=inspection.lost_audio)


def _status(
    *, failed: bool = False, lost: bool = False, stopped: BaseException | None = None
) -> int:
    """The exit status, decided here only: a command stopped by an exception (``stopped``) by
    its kind; a command that ran by errors in its input first, then by lost audio."""
    if isinstance(stopped, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(stopped, UsageError):
        return EXIT_USAGE
    if isinstance(stopped, OutputInUseError):
        return EXIT_BUSY
    if failed or stopped is not None:
        return EXIT_FAILED
    return EXIT_INCOMPLETE if lost else EXIT_OK


_COMMANDS = {"inspect": _inspect, "process": _process, "response": _response}


def _one_blas_thread_for_the_run() -> None:
    """numpy's BLAS on one thread for the whole run, unless the environment says otherwise.

    The core computes on one BLAS thread anyway (see ``callrec.dsp._threads``) and runs one
    recording per CPU instead. Said before numpy loads, OpenBLAS starts no threads at all:
    started, they spun for 0.1 to 0.2 s of CPU in each process after the first product, beside
    the work. Only the command line does this: a program that imports callrec keeps its own.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status instead of exiting."""
    _one_blas_thread_for_the_run()
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return _COMMANDS[args.command](args, sys.stdout, sys.stderr)
    except (CallrecError, KeyboardInterrupt) as exc:
        if isinstance(exc, KeyboardInterrupt):
            # Workers were stopped on the way out; what they left half-written is removed by
            # the next run, and no folder without its report.json counts as done.
            sys.stderr.write("callrec: interrupted\n")
        elif isinstance(exc, OutputInUseError):
            sys.stderr.write(f"callrec: {exc}\n")
        else:
            if args.debug and not isinstance(exc, UsageError):
                traceback.print_exc()
            sys.stderr.write(f"callrec: error: {exc}\n")
        return _status(stopped=exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
