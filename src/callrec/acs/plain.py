"""Plain multi-channel recordings: one media file, one speaker per channel, no ACS metadata.

Other platforms deliver calls as plain files (Twilio's dual-channel recordings, Amazon Connect's
stereo exports): WAV, FLAC, MP3 or MP4, a channel per party, and nothing beside them. Given the
speakers' names in channel order, this module writes the one chunk's metadata that ACS would
have written for such a file, so that :func:`~callrec.acs.recording.build_recording` and
everything after it run unchanged::

    call.wav (2 channels, 16 kHz, 61.5 s)    speakers=("agent", "customer")
        callId          call                  the file's stem: the recording is named after it
        chunkDocumentId call.wav              the file's name
        chunkIndex      0
        chunkStartTime  start_time, else DEFAULT_START_TIME (a start-time-assumed warning)
        chunkDuration   61500.0               the media's length, from its header
        recordingInfo   unmixed, wav, 16000 Hz, 2 channels
        participants    agent on channel 0, customer on channel 1

The speakers become participant ids as they are given: track file names come from
:func:`callrec.safety.naming.safe_name`, so ``4:+1425/x`` is a safe
``participants/4%3A%2B1425%2Fx.wav``. A file whose channel count is not the number of speakers
fails its recording (:class:`~callrec.errors.ChannelConflictError` naming the file), as does one
whose header cannot be read (its :class:`~callrec.errors.MediaError`): without metadata, there is
nothing to place it by.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from ..audio.probe import MediaInfo, probe_media
from ..errors import CallrecError, ChannelConflictError, Finding, UsageError
from ..safety.limits import EARLIEST_INSTANT, LATEST_INSTANT, MAX_CHANNELS
from ..timebase import format_instant, parse_instant
from .loading import parse_chunk_metadata
from .metadata import ChannelType, MediaFormat
from .recording import ChunkSource, Recording, build_recording
from .timeline import PauseReading

__all__ = [
    "DEFAULT_START_TIME",
    "PLAIN_SUFFIXES",
    "PlainOptions",
    "build_plain_recording",
    "parse_speakers",
    "parse_start_time",
    "plain_source",
]

PLAIN_SUFFIXES: Final = frozenset({".wav", ".flac", ".mp3", ".mp4"})
"""Media a plain recording may be (FLAC too, which ACS never writes)."""

DEFAULT_START_TIME: Final = EARLIEST_INSTANT
"""A plain recording's start when none is given: 2000-01-01T00:00:00Z, the earliest instant
callrec accepts, so that no one takes it for the real time of the call. Times in the report are
then offsets from the start of the file."""

_ZONE = re.compile(r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$")


def _check_speaker(name: object, position: int) -> str:
    """One speaker name, stripped of the spaces around it; :class:`UsageError` if it cannot be
    a participant id."""
    if not isinstance(name, str):
        raise UsageError(f"name {position} is not text ({type(name).__name__}); expected a string")
    name = name.strip()
    if not name:
        raise UsageError(f"name {position} is empty; expected one name per channel")
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    if bad is not None:
        raise UsageError(
            f"name {position} ({name!r}) holds the control character {bad!r}; expected "
            "printable text"
        )
    return name


def _check_speakers(speakers: object) -> tuple[str, ...]:
    """Names, one per channel, as a tuple (see :class:`PlainOptions`)."""
    if isinstance(speakers, str) or not isinstance(speakers, Iterable):
        raise UsageError(
            f"expected a sequence of names, one per channel, got {speakers!r} "
            "(parse_speakers('agent,customer') reads the command line's form)"
        )
    names = tuple(_check_speaker(name, i) for i, name in enumerate(speakers, 1))
    if not 1 <= len(names) <= MAX_CHANNELS:
        raise UsageError(f"{len(names)} names; expected 1 to {MAX_CHANNELS}, one per channel")
    seen: dict[str, int] = {}
    for i, name in enumerate(names, 1):
        first = seen.setdefault(name.casefold(), i)
        if first != i:
            raise UsageError(
                f"name {i} ({name!r}) repeats name {first} ({names[first - 1]!r}); expected a "
                "different name for each channel (letter case aside)"
            )
    return names


def _check_start(start_time: object) -> datetime | None:
    """An aware instant from 2000 to 2099, in UTC (or ``None``)."""
    if start_time is None:
        return None
    if not isinstance(start_time, datetime) or start_time.tzinfo is None:
        raise UsageError(
            f"expected a datetime with a time zone, got {start_time!r} "
            "(parse_start_time('2024-05-01T09:30:00Z') reads the command line's form)"
        )
    if not EARLIEST_INSTANT <= start_time < LATEST_INSTANT:
        raise UsageError(
            f"{start_time.isoformat()} is outside {EARLIEST_INSTANT:%Y-%m-%d} to before "
            f"{LATEST_INSTANT:%Y-%m-%d}; expected the time the call started"
        )
    return start_time.astimezone(timezone.utc)


@dataclass(frozen=True)
class PlainOptions:
    """How to read media files without ACS metadata as plain recordings.

    Attributes
    ----------
    speakers
        One name per channel, in channel order: ``("agent", "customer")`` puts ``agent`` on
        channel 0. Each becomes a participant id. Spaces around a name are dropped; an empty
        name, a control character, or two names equal ignoring case are a
        :class:`~callrec.errors.UsageError`.
    start_time
        When the recording started (aware; any zone, kept in UTC); ``None``:
        :data:`DEFAULT_START_TIME`, with a ``start-time-assumed`` warning in the report.
    """

    speakers: tuple[str, ...]
    start_time: datetime | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "speakers", _check_speakers(self.speakers))
        except UsageError as exc:
            raise UsageError(f"speakers: {exc}") from None
        try:
            object.__setattr__(self, "start_time", _check_start(self.start_time))
        except UsageError as exc:
            raise UsageError(f"start_time: {exc}") from None

    @property
    def start(self) -> datetime:
        """``start_time``, or :data:`DEFAULT_START_TIME`."""
        return self.start_time if self.start_time is not None else DEFAULT_START_TIME

    def as_dict(self) -> dict[str, Any]:
        """What the recording's outputs depend on, for the provenance record."""
        start = None if self.start_time is None else format_instant(self.start_time)
        return {"speakers": list(self.speakers), "start_time": start}


def parse_speakers(text: str) -> tuple[str, ...]:
    """``"agent, customer"`` (the command line's ``--speakers``) as checked names.

    Raises
    ------
    UsageError
        An empty name, a control character, two names equal ignoring case, more than
        :data:`~callrec.safety.limits.MAX_CHANNELS` names; the message quotes ``text``.
    """
    try:
        return _check_speakers(text.split(","))
    except UsageError as exc:
        raise UsageError(f"{text!r}: {exc}") from None


def parse_start_time(text: str) -> datetime:
    """An ISO 8601 date and time with a zone (``2024-05-01T09:30:00Z``, ``…+02:00``), in UTC.

    Raises
    ------
    UsageError
        Not ISO 8601, no time zone (the time would mean a different instant in every zone), or
        outside 2000 to 2099; the message quotes ``text``.
    """
    try:
        instant = parse_instant(text)
    except ValueError as exc:
        raise UsageError(f"{text!r}: expected {exc}") from None
    if _ZONE.search(text.strip()) is None:
        raise UsageError(
            f"{text!r} has no time zone; expected one such as Z or +02:00 (2024-05-01T09:30:00Z)"
        )
    try:
        return _check_start(instant) or instant
    except UsageError as exc:
        raise UsageError(f"{text!r}: {exc}") from None


def _metadata_document(path: Path, media: MediaInfo | None, options: PlainOptions) -> Any:
    """The chunk metadata ACS would have written for ``path`` (see the module notes)."""
    formats = {f.value for f in MediaFormat}
    audio: dict[str, int] = {}
    if media is not None:
        audio = {"sampleRate": media.sample_rate, "channels": media.channels}
    return {
        "callId": path.stem,
        "chunkDocumentId": path.name,
        "chunkIndex": 0,
        "chunkStartTime": format_instant(options.start),
        "chunkDuration": media.frames * 1000 / media.sample_rate if media is not None else 0,
        "recordingInfo": {
            "channelType": ChannelType.UNMIXED.value,
            "format": media.container if media is not None and media.container in formats else None,
            "audioConfiguration": audio,
        },
        "participants": [
            {"participantId": name, "channel": channel}
            for channel, name in enumerate(options.speakers)
        ],
    }


def _source(
    path: Path, media: MediaInfo | None, options: PlainOptions, trouble: str | None = None
) -> ChunkSource:
    metadata = parse_chunk_metadata(_metadata_document(path, media, options), file=path)
    return ChunkSource(metadata, None, media, path, trouble)


def plain_source(path: Path, options: PlainOptions, *, probe: bool = True) -> ChunkSource:
    """``path`` as the one chunk of a plain recording, with its header when ``probe``.

    A header that cannot be read is kept as ``media_problem``: :func:`build_plain_recording`
    raises its error, so that this one file fails.
    """
    media, trouble = None, None
    if probe:
        try:
            media = probe_media(path)
        except CallrecError as exc:
            trouble = exc.detail
    return _source(path, media, options, trouble)


def build_plain_recording(
    source: ChunkSource,
    options: PlainOptions,
    *,
    pause_reading: PauseReading | None = None,
    tolerance_s: float = 0.05,
) -> Recording:
    """The checked recording of one plain file (:func:`plain_source`): ``build_recording`` on
    its metadata, after checking that the file has one channel per speaker.

    Raises
    ------
    MediaError
        The file's header cannot be read (its subclass says why).
    ChannelConflictError
        The file's channel count is not the number of speakers.
    """
    path = source.media_path
    if path is None:
        raise UsageError("a plain recording's source needs its media file")
    media = source.media if source.media is not None else probe_media(path)
    if source.media is None:  # not probed, or it failed: probe_media raised its typed error
        source = _source(path, media, options)
    if media.channels != len(options.speakers):
        raise ChannelConflictError(
            f"the file has {_many(media.channels, 'channel')} but {_many(len(options.speakers), 'speaker')}"
            f" are named ({', '.join(options.speakers)}); expected one speaker per channel",
            file=path,
        )
    recording = build_recording([source], pause_reading=pause_reading, tolerance_s=tolerance_s)
    if options.start_time is not None:
        return recording
    assumed = Finding(
        "start-time-assumed",
        f"no start time was given for this plain recording; {format_instant(DEFAULT_START_TIME)}"
        " is used, so its times are offsets from the start of the file",
        file=path,
    )
    return replace(recording, warnings=(*recording.warnings, assumed))


def _many(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
