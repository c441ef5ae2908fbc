"""One ``callrec response`` run: :func:`process_responses` finds the answers under the given
paths and writes each one's files into an output folder that it holds for the run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CallrecError, UsageError
from ..safety.locking import output_lock
from .find import find_responses
from .report import ResponseReport, ResponseResult
from .write import process_response

__all__ = ["ResponseRun", "process_responses"]


@dataclass(frozen=True)
class ResponseRun:
    """What a run did.

    Attributes
    ----------
    results
        One per record operation found, in the order found.
    names
        What each result is shown as, beside ``results``: its operation id, or for an operation
        without one the name its files were given.
    errors
        The files that could not be read as notifications (the run went on without them).
    """

    results: tuple[ResponseResult, ...]
    names: tuple[str, ...]
    errors: tuple[CallrecError, ...]

    @property
    def reports(self) -> tuple[ResponseReport, ...]:
        return tuple(result.report for result in self.results)

    @property
    def failed(self) -> bool:
        """Whether a file could not be read, or an answer's audio could not be used."""
        return bool(self.errors) or any(r.report.error is not None for r in self.results)


def process_responses(paths: Iterable[str | Path], out: str | Path) -> ResponseRun:
    """Find the record operations and their audio under ``paths`` (:func:`find_responses`) and
    write each one's report and clean clip into the folder ``out`` (:func:`process_response`).

    Raises
    ------
    UsageError
        A path does not exist, or ``out`` cannot be made a folder.
    OutputInUseError
        Another run is writing to ``out``.
    """
    found, errors = find_responses(paths)
    out_folder = Path(out)
    try:
        out_folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out_folder}: cannot be a folder: {exc.strerror or exc}") from None
    results: list[ResponseResult] = []
    names: list[str] = []
    with output_lock(out_folder):
        for item in found:
            result = process_response(item, out_folder)
            results.append(result)
            # What the files are called: the id, or for older payloads what stands in for it.
            names.append(result.report.operation_id or item.name or "?")
    return ResponseRun(tuple(results), tuple(names), tuple(errors))
