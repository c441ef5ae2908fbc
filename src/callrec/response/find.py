"""Finding the answers: the record operations in notification files and folders, the downloaded
audio each one names, and the names of their output files.

An operation's audio is the file named (name or stem, any case) after its id or after the last
path segment of its ``recordingLocation``: :func:`find_responses` pairs them, and
:func:`answer_names` tells ACS discovery which media files a notification claims, so that they
are not taken for chunks without metadata.

Outputs are named after the operation: its id, else the last segment of its resource path, so
operations without an id never share a name or overwrite each other (see :func:`own_name`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CallrecError, JSONFileError, MediaError, UsageError
from ..payloads.reading import classify_json, read_json, require_document
from ..safety.naming import safe_name
from ..safety.redaction import redact_text
from .models import RecordOperation, parse_notifications
from .operation import resource_url

__all__ = ["FoundResponse", "answer_names", "find_responses", "own_name"]


@dataclass(frozen=True)
class FoundResponse:
    """A record operation, the file it came from, and its audio when one was found.

    ``resource_url`` is the notification's (see
    :class:`~callrec.response.report.ResponseReport`); ``name`` is what :func:`find_responses`
    chose for the operation's output files, distinct from every other operation's in the same
    run.
    """

    operation: RecordOperation
    notification_file: Path | None
    audio: Path | None
    problem: CallrecError | None = None
    resource_url: str | None = None
    name: str | None = None


_AUDIO_SUFFIXES = frozenset({"", ".wav", ".mp3", ".flac", ".ogg", ".mp4", ".m4a", ".bin"})

_Listed = tuple[Path, int, RecordOperation, str | None]
"""A record operation as found: its file, its index there, itself and its resource path."""


def _audio_names(op: RecordOperation) -> set[str]:
    """What the operation's downloaded audio is called (its file name or stem), lowercased."""
    return {name.lower() for name in (op.id, op.recording_name) if name}


def answer_names(data: Any, file: str | Path | None = None) -> set[str]:
    """The audio (file names or stems, lowercased) that a parsed JSON document claims as the
    answers of its record operations: empty for anything but a Graph notification.

    This is :data:`callrec.acs.discovery.ClaimedMedia`: ``discover(path, claimed=answer_names)``
    does not report recordResponse audio as media without metadata.

    Raises
    ------
    InputError
        A notification that cannot be read (:class:`~callrec.errors.MetadataError`).
    """
    if classify_json(data) != "graph_notification":
        return set()
    operations = parse_notifications(data, file=file).record_operations
    return {name for op in operations for name in _audio_names(op)}


def find_responses(paths: Iterable[str | Path]) -> tuple[list[FoundResponse], list[CallrecError]]:
    """Pair the record operations in the given notification files or folders with their audio.

    A folder is searched (not recursively into other folders' pairs: any depth, each audio file
    paired once). Audio is matched by the operation id or by the last path segment of
    ``recordingLocation`` (file name or stem, case-insensitive). A notification file plus one
    audio file pairs them directly. JSON files that cannot be read, or hold no object (a string,
    a number, an array of neither), are returned as errors. The same
    operation found twice (a notification delivered or saved twice) is kept once.

    Each operation gets an output name (see :func:`_output_names`) that no other operation of
    this call shares, even ignoring case.
    """
    given = [Path(p) for p in paths]
    files: list[Path] = []
    for item in given:
        if not item.exists():
            raise UsageError(f"{item}: no such file or folder")
        files += sorted(p for p in item.rglob("*") if p.is_file()) if item.is_dir() else [item]
    notifications: list[_Listed] = []
    seen: set[tuple[str | None, str]] = set()
    audio: list[Path] = []
    errors: list[CallrecError] = []
    for path in files:
        if path.name.startswith("."):
            continue
        if path.suffix.lower() == ".json":
            if path.name.endswith(".response.json"):
                continue  # our own output
            try:
                listed = _operations_in(path, named=path in given)
            except CallrecError as exc:
                errors.append(exc)
                continue
            for entry in listed:
                _, _, op, url = entry
                # The token is masked in the dump, so a re-sent copy with a fresh token is the
                # same operation too.
                same = (url, op.model_dump_json(by_alias=True))
                if same not in seen:
                    seen.add(same)
                    notifications.append(entry)
        elif path.suffix.lower() in _AUDIO_SUFFIXES and not path.name.endswith(".clean.wav"):
            audio.append(path)
    explicit = len(notifications) == 1 and len(audio) == 1 and all(p.is_file() for p in given)
    return _paired(notifications, audio, explicit), errors


def _operations_in(path: Path, *, named: bool) -> list[_Listed]:
    """The record operations of one JSON file; ``named`` when it was given by name.

    Raises
    ------
    CallrecError
        The file is no JSON document, or a notification that cannot be read, or (``named``)
        not a notification at all.
    """
    data = read_json(path)
    require_document(data, file=path)
    kind = classify_json(data)
    if kind != "graph_notification":
        if not named:
            return []  # in a folder, other JSON is simply not ours
        # Named on the command line, it was meant as a notification: say it is not one.
        raise JSONFileError(
            "not a Graph commsNotifications payload with a recordOperation: expected "
            "a JSON object with @odata.type #microsoft.graph.commsNotifications (or "
            "one notification, or a recordOperation resource)",
            file=path,
        )
    listed: list[_Listed] = []
    for index, notification in enumerate(parse_notifications(data, file=path).value):
        op = notification.record_operation
        if op is not None:
            listed.append((path, index, op, resource_url(op, notification)))
    return listed


def _paired(notifications: list[_Listed], audio: list[Path], explicit: bool) -> list[FoundResponse]:
    """Each operation with its audio file (``explicit``: the one given beside it) and its
    output name."""
    names = _output_names([(op, url, path, index) for path, index, op, url in notifications])
    found: list[FoundResponse] = []
    for (path, _, op, url), name in zip(notifications, names, strict=True):
        if explicit:
            found.append(FoundResponse(op, path, audio[0], resource_url=url, name=name))
            continue
        wanted = _audio_names(op)
        matches = [a for a in audio if a.name.lower() in wanted or a.stem.lower() in wanted]
        problem: CallrecError | None = None
        if len(matches) > 1:
            listed = ", ".join(str(m) for m in matches)
            problem = MediaError(f"several audio files match: {listed}", file=path)
        paired = matches[0] if len(matches) == 1 else None
        found.append(FoundResponse(op, path, paired, problem, resource_url=url, name=name))
    return found


def own_name(
    op: RecordOperation, resource: str | None, file: Path | None, index: int = 0
) -> tuple[str, str]:
    """An operation's output name when nothing else shares it, and the string behind it.

    The id; else the last segment of its resource path ``resource`` (``.../operations/<this>``);
    else of its recording location; else the notification file's name. Always through
    :func:`~callrec.safety.naming.safe_name`: these strings come from files and never become
    paths as they are.
    """
    if op.id:
        return safe_name(redact_text(op.id)), op.id
    if resource:
        return safe_name(resource.rstrip("/").rsplit("/", 1)[-1] or resource), resource
    if op.recording_name:
        return safe_name(op.recording_name), op.recording_name
    stem = file.stem if file is not None else "response"
    return safe_name(stem), f"{file}#{index}"


def _output_names(
    operations: list[tuple[RecordOperation, str | None, Path | None, int]],
) -> list[str]:
    """Output names for the operations of one run: their own names, except where two of them
    would share one (even ignoring case: case-insensitive disks). Each of those gets ``~`` and a
    short hash of the string behind its name, or, when that string is shared too (one id, two
    different notifications), of the string and the whole operation. Every member of a clash is
    renamed, so no name depends on the order the operations were found in."""
    own = [own_name(*item) for item in operations]
    groups: dict[str, list[int]] = {}
    for i, (name, _) in enumerate(own):
        groups.setdefault(name.casefold(), []).append(i)
    names = [name for name, _ in own]
    for members in groups.values():
        if len(members) < 2:
            continue
        sources = Counter(own[i][1] for i in members)
        for i in members:
            name, source = own[i]
            if sources[source] > 1:  # find_responses keeps no two equal operations
                source += "\n" + operations[i][0].model_dump_json(by_alias=True)
            digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:8]
            names[i] = f"{name}~{digest}"
    return names
