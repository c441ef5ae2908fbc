"""Every exception callrec raises.

The exceptions stop something; a :class:`Finding` does not: it is what callrec noticed and went
on with (a warning about a recording, a file discovery could not use, a note), kept as data so
that reports and batch logs carry it.

One root, two families: problems in the user's files (``InputError``, also a ``ValueError``) and
problems reading media (``MediaError``, also an ``OSError``). Callers who only care whether "the
input was bad" catch ``CallrecError``; batch code catches it per recording and goes on.

::

    CallrecError
    ├── InputError (ValueError)            something in the user's JSON is wrong
    │   ├── JSONFileError                  not a JSON document: not a regular file, too large, empty,
    │   │                                  not UTF-8, nested too deeply, syntax (line/column)
    │   ├── MetadataError                  a field has a bad value (file, JSON path, value, expected),
    │   │                                  or the document is not a JSON object (path ``$``)
    │   └── RecordingError                 chunks that do not fit together as one recording
    │       ├── DuplicateChunkError        two chunks claim the same chunkIndex
    │       ├── CallMismatchError          a chunk belongs to another callId
    │       ├── InconsistentSettingsError  sample rate / channel type / format differ between chunks
    │       ├── ChannelConflictError       two participants on one channel, or a channel the media lacks
    │       └── RecordingTooLargeError     the metadata implies outputs out of proportion to the media
    ├── MediaError (OSError)               a media file cannot be used
    │   ├── EmptyMediaError                zero bytes, or a header that declares no audio
    │   ├── UnreadableMediaError           no permission, not a regular file (folder, FIFO), I/O error
    │   └── UnsupportedMediaError          not a format or encoding callrec reads, or a header
    │                                      that cannot be right (box sizes, sample rate, channels)
    ├── UsageError (ValueError)            a caller passed an argument that makes no sense
    ├── MissingExtraError (ImportError)    a feature needs an optional dependency not installed
    ├── OutputInUseError (OSError)         another run is writing to the same output folder
    └── WorkerCrashError                   the process working on a recording died (a native crash)

Every message names the file (when there is one), the field or parameter, the bad value and what
was expected, so that a batch log line is enough to fix the input. No message echoes a payload:
values are quoted only when short and scalar, URLs are reduced to scheme, host and path, and the
loaders raise outside their ``except`` blocks, so no parser's exception (which holds the input)
hangs on ours as ``__context__`` (see :mod:`callrec.safety.redaction`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .safety.paths import as_path
from .safety.redaction import redact_text, shown

__all__ = [
    "LOST_AUDIO",
    "CallMismatchError",
    "CallrecError",
    "ChannelConflictError",
    "DuplicateChunkError",
    "EmptyMediaError",
    "Finding",
    "InconsistentSettingsError",
    "InputError",
    "JSONFileError",
    "MediaError",
    "MetadataError",
    "MissingExtraError",
    "OutputInUseError",
    "RecordingError",
    "RecordingTooLargeError",
    "Severity",
    "UnreadableMediaError",
    "UnsupportedMediaError",
    "UsageError",
    "WorkerCrashError",
]


class CallrecError(Exception):
    """Root of every callrec exception.

    Attributes
    ----------
    file
        The file the problem was found in, when there is one.
    """

    def __init__(self, message: str, *, file: str | Path | None = None) -> None:
        self.file = as_path(file) if file is not None else None
        # A message may quote a location from a payload; its query string may be a signature.
        message = redact_text(message)
        self.detail = message
        super().__init__(f"{self.file}: {message}" if self.file is not None else message)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description: error type, file and message."""
        return {
            "error": type(self).__name__,
            "file": str(self.file) if self.file is not None else None,
            "message": self.detail,
        }


class InputError(CallrecError, ValueError):
    """Something in the user's input files is wrong."""


class JSONFileError(InputError):
    """The file is not a JSON document (empty, not UTF-8, or a syntax error).

    ``line`` and ``column`` are 1-based and set for syntax errors.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"{where}{message}", file=file)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()
"""Sentinel for :class:`MetadataError` ``value`` when the field is absent."""


class MetadataError(InputError):
    """A field of a JSON document has a value callrec cannot use.

    Attributes
    ----------
    path
        JSON path of the field, such as ``participants[1].channel``.
    value
        The offending value as the message shows it (:func:`callrec.safety.redaction.shown`): a short
        scalar as it is, a string with its URLs reduced and cut at 60 characters, anything else
        (an object, an array, a value the caller chose to hide) a ``Hidden`` that only names its
        JSON type. Secrets are masked before they get here.
    expected
        What a valid value looks like.
    """

    def __init__(
        self,
        *,
        path: str,
        value: Any,
        expected: str,
        file: str | Path | None = None,
        more: int = 0,
    ) -> None:
        self.path = redact_text(path)
        self.value = value if value is MISSING else shown(value)
        self.expected = expected
        got = "missing" if value is MISSING else f"got {self.value!r}"
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"field {path}: {got}; expected {expected}{extra}", file=file)


class RecordingError(InputError):
    """Chunks that cannot be assembled into one recording."""


class DuplicateChunkError(RecordingError):
    """Two chunk metadata documents claim the same ``chunkIndex``."""


class CallMismatchError(RecordingError):
    """A chunk carries a different ``callId`` from the rest of the recording."""


class InconsistentSettingsError(RecordingError):
    """Audio settings (sample rate, channel type, format) differ between chunks."""


class ChannelConflictError(RecordingError):
    """A channel assignment that cannot be right: two participants on one channel, one
    participant on two channels, or a channel beyond the media's channel count."""


class RecordingTooLargeError(RecordingError):
    """The metadata implies outputs out of all proportion to the media: a wall-clock span that
    is mostly silence, or more tracks than can be written at once (see :mod:`callrec.safety.limits`).

    Attributes
    ----------
    field
        The JSON field responsible (``chunkStartTime``, ``chunkDuration``, ``participants``...).
    chunk_index
        The chunk whose field it is, when one is.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str,
        chunk_index: int | None = None,
        file: str | Path | None = None,
    ) -> None:
        self.field = field
        self.chunk_index = chunk_index
        super().__init__(message, file=file)


class MediaError(CallrecError, OSError):
    """A media file cannot be used."""


class EmptyMediaError(MediaError):
    """The media file has no bytes, or its header declares no audio frames."""


class UnreadableMediaError(MediaError):
    """The file's bytes cannot be read: no permission, an I/O error, or not a regular file (a
    folder or a FIFO named like media; a FIFO is never opened, a read would wait for a writer)."""


class UnsupportedMediaError(MediaError):
    """The file is not in a container or encoding callrec can read, or its header describes
    something that cannot be real (a box larger than the file, a 1 Hz sample rate)."""


class UsageError(CallrecError, ValueError):
    """A caller passed an argument that makes no sense (negative tolerance, unknown option)."""


class MissingExtraError(CallrecError, ImportError):
    """A feature needs an optional dependency that is not installed; the message names the
    ``pip install 'callrec[extra]'`` that brings it.

    Attributes
    ----------
    extra
        The name of the extra, such as ``pydub``.
    """

    def __init__(self, feature: str, *, extra: str, module: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs the optional package {module!r}, which is not installed; "
            f"install it with: pip install 'callrec[{extra}]'"
        )
        self.name = module


class OutputInUseError(CallrecError, OSError):
    """Another callrec run holds the output folder: one run at a time writes to a folder."""


class StorageError(CallrecError):
    """Blob storage could not be listed, read or written (the network, the service, the
    credentials), for a reason other than a missing blob. Not damage in a recording: the
    recording fails rather than being processed with silence in its place, and a re-run tries it
    again. The message never holds a credential."""


class WorkerCrashError(CallrecError):
    """The process working on a recording died (a native decoder crashing on damaged media);
    only that recording failed."""


Severity = Literal["warning", "note", "error"]
"""``warning``: something about a recording that its outputs carry; ``error``: a file that could
not be used; ``note``: a fact worth saying (metadata without media still gives a timeline)."""

LOST_AUDIO = frozenset(
    {
        "chunk-without-media",  # the chunk's media was never downloaded
        "media-unusable",  # empty, or a header that cannot be read
        "media-undecodable",  # a header, but the decoder will not start
        "truncated-media",  # ends early, or decoding stopped at damaged data
        "missing-chunk",  # a chunk index the event names, or a gap in the indexes, is absent
    }
)
"""Finding codes that mean part of a recording's audio is missing from its tracks: the time is
kept (digital silence), the recording is *incomplete*, and ``callrec process`` says so."""


@dataclass(frozen=True)
class Finding:
    """Something callrec noticed and went on with, kept as data.

    Attributes
    ----------
    code
        A stable slug (``media-length-mismatch``, ``missing-chunk``, ``unreadable-json``...) for
        filtering.
    message
        A sentence a person can act on; it names the chunk and the numbers involved.
    chunk_index
        The chunk concerned, when one is.
    file
        The file concerned, when one is.
    severity
        See :data:`Severity`.
    error
        The exception that made a file unusable, when one did.
    """

    code: str
    message: str
    chunk_index: int | None = None
    file: Path | None = None
    severity: Severity = "warning"
    error: CallrecError | None = None

    def __str__(self) -> str:
        return self.message

    @property
    def loses_audio(self) -> bool:
        """Whether part of the recording's audio is missing from its tracks (:data:`LOST_AUDIO`)."""
        return self.code in LOST_AUDIO
