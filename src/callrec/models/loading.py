"""From files and parsed JSON to models, with errors that name the file, the field and the value.

Secrets (``recordingAccessToken``) are masked in every value an error echoes, and pydantic's own
error text, which quotes inputs, is never chained onto ours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import MISSING, JSONFileError, MetadataError
from .events import RECORDING_FILE_STATUS_UPDATED, RecordingFileStatusUpdated
from .graph import SECRET_MASK, CommsNotifications
from .metadata import ChunkMetadata

__all__ = [
    "JsonKind",
    "classify_json",
    "load_chunk_metadata",
    "load_notifications",
    "load_recording_events",
    "parse_chunk_metadata",
    "parse_notifications",
    "parse_recording_events",
    "read_json",
]

M = TypeVar("M", bound=BaseModel)
JsonKind = Literal["chunk_metadata", "recording_event", "graph_notification", "unknown"]

_SECRET_KEYS = frozenset({"recordingaccesstoken", "recording_access_token"})
_BRANCH_NAMES = frozenset({"str", "int", "float", "bool", "none", "dict", "list", "tuple"})


def read_json(path: str | Path) -> Any:
    """Read a JSON file (UTF-8, with or without a byte-order mark).

    Raises
    ------
    JSONFileError
        The file cannot be read, is empty, is not UTF-8, or has a syntax error (with line and
        column).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise JSONFileError(f"cannot be read: {exc.strerror or exc}", file=path) from None
    if not raw.strip():
        raise JSONFileError("the file is empty; expected a JSON document", file=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JSONFileError(
            f"byte {exc.start} is not UTF-8; expected a UTF-8 JSON document", file=path
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JSONFileError(
            f"not valid JSON: {exc.msg}", file=path, line=exc.lineno, column=exc.colno
        ) from None


def redact(value: Any) -> Any:
    """``value`` with every secret field masked, at any depth."""
    if isinstance(value, dict):
        return {
            k: (SECRET_MASK if str(k).lower() in _SECRET_KEYS else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


def secret_values(value: Any) -> set[str]:
    """The strings held by secret fields anywhere in ``value``."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).lower() in _SECRET_KEYS and isinstance(v, str) and v:
                found.add(v)
            else:
                found |= secret_values(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            found |= secret_values(v)
    return found


def scrub(value: Any, secrets: set[str]) -> Any:
    """``value`` with every occurrence of the ``secrets`` strings masked, even outside their
    own fields (a token pasted into another field must not be echoed either)."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, SECRET_MASK)
        return value
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, secrets) for v in value]
    return value


def json_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """``("participants", 1, "channel")`` → ``participants[1].channel``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("<") or "[" in part or part in _BRANCH_NAMES:
            continue  # pydantic's names for union branches, not fields
        else:
            out += f".{part}" if out else part
    return out or "$"


def _expected(message: str) -> str:
    for lead in ("Value error, ", "Input should be ", "Input should have "):
        if message.startswith(lead):
            message = message[len(lead) :]
    if message == "Field required":
        return "a value (the field is required)"
    return message


def validate_model(
    model: type[M], data: Any, *, file: str | Path | None = None, prefix: str = ""
) -> M:
    """Validate ``data`` as ``model``; a failure becomes a :class:`MetadataError` naming the
    first bad field's JSON path, its value (secrets masked) and what was expected."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        loc = tuple(first["loc"])
        path = json_path(loc, prefix)
        if first["type"] == "missing":
            value: Any = MISSING
        elif any(str(p).lower() in _SECRET_KEYS for p in loc):
            value = SECRET_MASK
        else:
            value = redact(first.get("input"))
        secrets = secret_values(data)
        raise MetadataError(
            path=path,
            value=scrub(value, secrets),
            expected=scrub(_expected(first["msg"]), secrets),
            file=file,
            more=len(errors) - 1,
        ) from None


def _require_object(data: Any, *, file: str | Path | None, what: str, path: str = "$") -> None:
    if not isinstance(data, dict):
        raise MetadataError(
            path=path, value=type(data).__name__, expected=f"a JSON object ({what})", file=file
        )


def parse_chunk_metadata(data: Any, *, file: str | Path | None = None) -> ChunkMetadata:
    """Validate one chunk's parsed metadata JSON."""
    _require_object(data, file=file, what="chunk metadata")
    return validate_model(ChunkMetadata, data, file=file)


def load_chunk_metadata(path: str | Path) -> ChunkMetadata:
    """Read and validate one chunk metadata file."""
    return parse_chunk_metadata(read_json(path), file=path)


def _is_recording_event(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    kind = item.get("eventType", item.get("type"))
    if isinstance(kind, str):
        return kind.lower() == RECORDING_FILE_STATUS_UPDATED.lower()
    data = item.get("data")
    return isinstance(data, dict) and "recordingStorageInfo" in data


def parse_recording_events(
    data: Any, *, file: str | Path | None = None
) -> list[RecordingFileStatusUpdated]:
    """The ``RecordingFileStatusUpdated`` events in a payload.

    Accepts one event or an array of them, in the Event Grid schema or as CloudEvents. Other
    event types in an array (subscription validation, other services) are skipped.
    """
    if isinstance(data, list):
        return [
            validate_model(RecordingFileStatusUpdated, item, file=file, prefix=f"[{i}]")
            for i, item in enumerate(data)
            if _is_recording_event(item)
        ]
    _require_object(data, file=file, what="an event or an array of events")
    if not _is_recording_event(data):
        raise MetadataError(
            path="eventType",
            value=data.get("eventType", data.get("type", MISSING)),
            expected=repr(RECORDING_FILE_STATUS_UPDATED),
            file=file,
        )
    return [validate_model(RecordingFileStatusUpdated, data, file=file)]


def load_recording_events(path: str | Path) -> list[RecordingFileStatusUpdated]:
    """Read a saved event file (array or single event, either schema)."""
    return parse_recording_events(read_json(path), file=path)


def parse_notifications(data: Any, *, file: str | Path | None = None) -> CommsNotifications:
    """A Graph notification payload: ``commsNotifications`` (``value`` array), a single
    ``commsNotification``, a bare ``recordOperation``, or an array of notifications."""
    if isinstance(data, list):
        data = {"value": data}
    _require_object(data, file=file, what="a Graph commsNotifications payload")
    if "value" not in data:
        data = {"value": [data if "resourceData" in data else {"resourceData": data}]}
    return validate_model(CommsNotifications, data, file=file)


def load_notifications(path: str | Path) -> CommsNotifications:
    """Read a saved Graph notification file."""
    return parse_notifications(read_json(path), file=path)


def classify_json(data: Any) -> JsonKind:
    """What a parsed JSON document is, judged by the keys each kind always has."""
    if isinstance(data, list):
        if any(_is_recording_event(item) for item in data):
            return "recording_event"
        if any(isinstance(i, dict) and "resourceData" in i for i in data):
            return "graph_notification"
        return "unknown"
    if not isinstance(data, dict):
        return "unknown"
    if "chunkIndex" in data or "chunkDocumentId" in data:
        return "chunk_metadata"
    if _is_recording_event(data):
        return "recording_event"
    odata = str(data.get("@odata.type", "")).lower()
    if "resourceData" in data or odata.endswith(("commsnotifications", "recordoperation")):
        return "graph_notification"
    value = data.get("value")
    if isinstance(value, list) and any(isinstance(i, dict) and "resourceData" in i for i in value):
        return "graph_notification"
    return "unknown"
