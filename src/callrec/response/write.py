"""Writing one found answer: :func:`process_response` judges it and writes
``<name>.response.json`` and, when there is a clean clip, ``<name>.clean.wav``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..audio.writer import write_audio
from ..errors import CallrecError, MediaError
from ..safety.atomic import clear_partials, write_text
from .find import FoundResponse, own_name
from .judge import failed_answer, judge_answer
from .operation import has_failed, resource_url
from .report import ResponseResult

__all__ = ["process_response"]


def process_response(found: FoundResponse, out: str | Path) -> ResponseResult:
    """Analyse one found response and write ``<name>.response.json`` (and ``<name>.clean.wav``).

    ``<name>`` is :attr:`FoundResponse.name`, else the operation's own name (its id, else the
    last segment of its resource path). The report is written last, after the clean clip, or
    after an earlier run's clean clip of the same name is removed when there is none now: a
    report is never beside a clip that is not its own.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clear_partials(out)
    op = found.operation
    resource = found.resource_url or resource_url(op, None)
    name = found.name or own_name(op, resource, found.notification_file)[0]
    result = _judged(found, resource)
    report_path, clip_path = out / f"{name}.response.json", out / f"{name}.clean.wav"
    # Gone first, so that a run stopped half-way leaves no report beside a clip of another run.
    report_path.unlink(missing_ok=True)
    report = result.report
    if result.clean is not None and report.clean is not None:
        write_audio(clip_path, result.clean, report.sample_rate or 0)
        report = report.model_copy(
            update={"clean": report.clean.model_copy(update={"file": clip_path.name})}
        )
        result = replace(result, report=report)
    else:
        clip_path.unlink(missing_ok=True)
    write_text(report_path, report.to_json())
    return result


def _judged(found: FoundResponse, resource: str | None) -> ResponseResult:
    """The found answer judged, or failed with the reason its audio could not be used: one
    answer failing never stops the others."""
    op = found.operation
    failed = has_failed(op)
    if found.problem is not None and not failed:
        return failed_answer(op, resource, "its audio could not be used", found.problem)
    if found.audio is None and not failed:
        missing = MediaError(
            "no audio file named after the operation id or the recording location was found",
            file=found.notification_file,
        )
        return failed_answer(op, resource, "its audio was not found", missing)
    try:
        return judge_answer(op, resource, None if failed else found.audio)
    except CallrecError as exc:
        return failed_answer(op, resource, "its audio could not be used", exc)
    except OSError as exc:
        error = MediaError(f"cannot be read: {exc.strerror or exc}", file=found.audio)
        return failed_answer(op, resource, "its audio could not be read", error)
