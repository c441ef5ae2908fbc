"""From files and parsed JSON to models, with errors that name the file, the field and the value.

What a file must be before it is parsed (each breach is a :class:`JSONFileError` naming it):

- a regular file, after symbolic links are followed: a FIFO, a device or a folder named
  ``*.json`` is never opened for reading (it could block for ever, or never end);
- at most :data:`MAX_JSON_BYTES` long (no more than that plus one byte is ever read);
- nested at most :data:`MAX_JSON_DEPTH` levels deep, checked before the parser runs (the parser
  recurses once per level);
- a JSON object (:func:`require_document`; an array of events or notifications is one too).

No error echoes a payload. Values are quoted only when short and scalar (never from a Graph
notification, which carries a bearer token and signed locations), fields named like a credential
are masked, URLs are reduced to scheme, host and path, and every error is raised outside the
``except`` block that caught the parser's or pydantic's exception, so that neither, with the
input it holds, is reachable as ``__context__`` (see :mod:`callrec.safety.redaction`).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import MISSING, JSONFileError, MetadataError
from ..safety.paths import as_path
from ..safety.redaction import SECRET_MASK, Hidden, json_kind, looks_secret, masked
from ..storage.blob import BlobPath

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "RECORDING_FILE_STATUS_UPDATED",
    "JsonKind",
    "check_document",
    "classify_json",
    "is_recording_event",
    "json_path",
    "parse_json",
    "read_json",
    "require_document",
    "require_object",
    "validate_model",
]

RECORDING_FILE_STATUS_UPDATED = "Microsoft.Communication.RecordingFileStatusUpdated"
"""The Event Grid event type of a recording's chunks being ready (also a CloudEvent's ``type``)."""

M = TypeVar("M", bound=BaseModel)
JsonKind = Literal["chunk_metadata", "recording_event", "graph_notification", "unknown"]

MAX_JSON_BYTES = 16 * 1024 * 1024
"""Largest JSON file read. Real metadata, events and notifications are a few KB (a few hundred
KB for a call with thousands of participants); anything near this is not one of them."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects accepted. Real documents are 6 levels deep at most."""

_BRANCH_NAMES = frozenset({"str", "int", "float", "bool", "none", "dict", "list", "tuple"})
_SCAN_BLOCK = 1 << 18
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _file_kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _not_regular(path: Path, mode: int) -> JSONFileError:
    return JSONFileError(
        f"is {_file_kind(mode)}, not a regular file; expected a JSON file", file=path
    )


def _too_large(path: Path | None, size: str) -> JSONFileError:
    return JSONFileError(
        f"{size}, more than the {MAX_JSON_BYTES // (1024 * 1024)} MiB a JSON input may be; "
        "expected a metadata, event or notification document",
        file=path,
    )


def _read_regular(path: Path) -> bytes:
    if isinstance(path, BlobPath):
        return _read_blob(path)
    # The type is checked before opening (opening a FIFO for reading blocks until a writer
    # comes) and again on the open descriptor, in case the path was swapped in between:
    # O_NONBLOCK makes that open return at once whatever it finds.
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        raise _not_regular(path, before.st_mode)
    if before.st_size > MAX_JSON_BYTES:
        raise _too_large(path, f"{before.st_size} bytes")
    with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        # One byte past the limit says "too large" without reading an endless file to its end.
        raw = handle.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise _too_large(path, "more bytes")
    return raw


def _read_blob(path: BlobPath) -> bytes:
    # A blob is always a regular file: only its size needs checking, from the listing.
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise _too_large(path, f"{size} bytes")
    raw = path.store.read_bytes(path.key, limit=MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise _too_large(path, "more bytes")
    return raw


def read_json(path: str | Path) -> Any:
    """Read a JSON file (UTF-8, with or without a byte-order mark).

    Raises
    ------
    JSONFileError
        The path is not a regular file (a folder, FIFO, device or socket, also behind a
        symbolic link), cannot be read, is larger than :data:`MAX_JSON_BYTES`, is empty, is not
        UTF-8, nests deeper than :data:`MAX_JSON_DEPTH`, or has a syntax error (with line and
        column).
    """
    path = as_path(path)
    try:
        raw = _read_regular(path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    else:
        return parse_json(raw, file=path)
    raise JSONFileError(f"cannot be read: {reason}", file=path) from None


def parse_json(raw: str | bytes, *, file: str | Path | None = None) -> Any:
    """Parse a JSON document under the same limits as :func:`read_json` (size, depth).

    Raises
    ------
    JSONFileError
        Too large, empty, not UTF-8, nested too deeply, or not valid JSON.
    """
    where = as_path(file) if file is not None else None
    if len(raw) > MAX_JSON_BYTES:
        raise _too_large(where, f"{len(raw)} {'bytes' if isinstance(raw, bytes) else 'characters'}")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            start: int | None = exc.start
        else:
            start = None
        if start is not None:
            raise JSONFileError(
                f"byte {start} is not UTF-8; expected a UTF-8 JSON document", file=where
            ) from None
    else:
        text = raw.removeprefix("\ufeff")
    if not text.strip():
        raise JSONFileError("the file is empty; expected a JSON document", file=where)
    if _deeper_than(text, MAX_JSON_DEPTH):
        raise JSONFileError(
            f"arrays and objects nested more than {MAX_JSON_DEPTH} levels deep; "
            "expected a metadata, event or notification document",
            file=where,
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        error = JSONFileError(
            f"not valid JSON: {exc.msg}", file=where, line=exc.lineno, column=exc.colno
        )
    except ValueError:
        # Python refuses to convert integers of more than 4300 digits (CVE-2020-10735).
        error = JSONFileError("a number has too many digits to be read", file=where)
    except RecursionError:
        error = JSONFileError("nested too deeply to be read", file=where)
    # Raised here, not in the handler: the parser's exception holds the whole document.
    raise error from None


def _deeper_than(text: str, limit: int) -> bool:
    """Whether arrays and objects outside strings nest more than ``limit`` levels deep.

    Linear in the text, in blocks (numpy), in memory that does not grow with it. Where the text
    stops being valid JSON the answer may be wrong, but the parser stops there too, so it
    never reaches a depth this did not count.
    """
    if text.count("[") + text.count("{") <= limit:
        return False  # every real document: no need to look closer
    import numpy as np

    data = np.frombuffer(text.encode("utf-8", "surrogatepass"), np.uint8)
    step = np.zeros(256, np.int64)
    step[[ord("["), ord("{")]] = 1
    step[[ord("]"), ord("}")]] = -1
    depth = inside = backslashes = 0  # carried from one block to the next
    for begin in range(0, len(data), _SCAN_BLOCK):
        block = data[begin : begin + _SCAN_BLOCK]
        at = np.arange(len(block))
        # Index of the last byte that is not a backslash, at or before each position; a
        # quote after an odd number of backslashes is escaped.
        last = np.maximum.accumulate(np.where(block == ord("\\"), -1 - backslashes, at))
        run = np.empty(len(block), np.int64)
        run[0] = backslashes
        run[1:] = at[:-1] - last[:-1]
        quotes = (block == ord('"')) & (run % 2 == 0)
        in_string = (np.cumsum(quotes, dtype=np.int64) + inside) % 2
        levels = np.cumsum(np.where(in_string == 0, step[block], 0)) + depth
        if int(levels.max()) > limit:
            return True
        depth, inside = int(levels[-1]), int(in_string[-1])
        backslashes = len(block) - 1 - int(last[-1])
    return False


def _nesting_error(data: Any, *, file: str | Path | None) -> MetadataError | None:
    """A MetadataError when parsed ``data`` (from any caller: a cycle too) nests deeper than
    :data:`MAX_JSON_DEPTH`, else None. Iterative: never itself too deep."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, (list, tuple)):
            children = value
        else:
            continue
        if level > MAX_JSON_DEPTH:
            return MetadataError(
                path="$",
                value=Hidden(f"{json_kind(data)} nested more than {MAX_JSON_DEPTH} levels deep"),
                expected="a metadata, event or notification document",
                file=file,
            )
        stack.extend((child, level + 1) for child in children)
    return None


def check_document(data: Any, *, file: str | Path | None) -> None:
    error = _nesting_error(data, file=file)
    if error is not None:
        raise error


def require_document(data: Any, *, file: str | Path | None = None) -> None:
    """Raise :class:`MetadataError` (path ``$``) unless parsed ``data`` is something callrec
    reads: a JSON object, or a non-empty array of objects (events or notifications).

    A string, number, ``true``/``false``/``null`` or an array of anything else is never a
    metadata, event or notification file: reported, not skipped in silence.
    """
    if isinstance(data, dict):
        return
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        return
    kind = json_kind(data)
    if isinstance(data, list):
        kind = "an empty array" if not data else "an array of something other than objects"
    raise MetadataError(
        path="$",
        value=Hidden(kind),
        expected="a JSON object (chunk metadata, an event or a notification), "
        "or an array of events or notifications",
        file=file,
    )


def _secret_values(value: Any, depth: int = 0) -> set[str]:
    """The strings held by fields named like a credential anywhere in ``value``."""
    found: set[str] = set()
    if depth > MAX_JSON_DEPTH:
        return found
    if isinstance(value, dict):
        for k, v in value.items():
            if looks_secret(k) and isinstance(v, str) and v:
                found.add(v)
            else:
                found |= _secret_values(v, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            found |= _secret_values(v, depth + 1)
    return found


def _scrub(text: str, secrets: set[str]) -> str:
    """``text`` with every occurrence of the ``secrets`` masked, even outside their own
    fields (a token pasted into another field must not be echoed either)."""
    for secret in secrets:
        text = text.replace(secret, SECRET_MASK)
    return text


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
    model: type[M],
    data: Any,
    *,
    file: str | Path | None = None,
    prefix: str = "",
    show_values: bool = True,
) -> M:
    """Validate ``data`` as ``model``; a failure becomes a :class:`MetadataError` naming the
    first bad field's JSON path, its value and what was expected.

    With ``show_values`` off only the value's JSON type is said (``got an array``); on, a short
    scalar is quoted (see :func:`callrec.safety.redaction.shown`). Either way, fields named like a
    credential are masked, and so is their text wherever else it appears.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = _validation_error(exc, data, file=file, prefix=prefix, show_values=show_values)
    # Raised here, not in the handler: pydantic's error quotes the input it was given.
    raise error from None


def _validation_error(
    exc: ValidationError, data: Any, *, file: str | Path | None, prefix: str, show_values: bool
) -> MetadataError:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first["loc"])
    path = json_path(loc, prefix)
    secrets = _secret_values(data)
    value: Any
    if first["type"] == "missing":
        value = MISSING
    elif any(looks_secret(p) for p in loc if isinstance(p, str)):
        value = SECRET_MASK
    elif not show_values:
        value = Hidden(json_kind(first.get("input")))
    else:
        value = first.get("input")
        value = _scrub(masked(value), secrets) if isinstance(value, str) else value
    return MetadataError(
        path=path,
        value=value,
        expected=_scrub(_expected(first["msg"]), secrets),
        file=file,
        more=len(errors) - 1,
    )


def require_object(data: Any, *, file: str | Path | None, what: str, path: str = "$") -> None:
    if not isinstance(data, dict):
        raise MetadataError(
            path=path, value=Hidden(json_kind(data)), expected=f"a JSON object ({what})", file=file
        )


def is_recording_event(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    kind = item.get("eventType", item.get("type"))
    if isinstance(kind, str):
        return kind.lower() == RECORDING_FILE_STATUS_UPDATED.lower()
    data = item.get("data")
    return isinstance(data, dict) and "recordingStorageInfo" in data


def classify_json(data: Any) -> JsonKind:
    """What a parsed JSON document is, judged by the keys each kind always has."""
    if isinstance(data, list):
        if any(is_recording_event(item) for item in data):
            return "recording_event"
        if any(isinstance(i, dict) and "resourceData" in i for i in data):
            return "graph_notification"
        return "unknown"
    if not isinstance(data, dict):
        return "unknown"
    if "chunkIndex" in data or "chunkDocumentId" in data:
        return "chunk_metadata"
    if is_recording_event(data):
        return "recording_event"
    odata = data.get("@odata.type")
    odata = odata.lower() if isinstance(odata, str) else ""
    if "resourceData" in data or odata.endswith(("commsnotifications", "recordoperation")):
        return "graph_notification"
    value = data.get("value")
    if isinstance(value, list) and any(isinstance(i, dict) and "resourceData" in i for i in value):
        return "graph_notification"
    return "unknown"
