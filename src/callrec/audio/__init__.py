"""Audio at the edge: headers, block reading, atomic writing, pydub interop."""

from typing import TYPE_CHECKING

from .._lazy import lazy_names

if TYPE_CHECKING:
    from .probe import MediaInfo, probe_media
    from .reader import AudioReader, TruncatedMediaWarning, open_audio, read_audio
    from .segments import from_segment, to_segment
    from .writer import AudioWriter, subtype_for, write_audio

_LAZY = {
    "MediaInfo": ".probe",
    "probe_media": ".probe",
    "AudioReader": ".reader",
    "TruncatedMediaWarning": ".reader",
    "open_audio": ".reader",
    "read_audio": ".reader",
    "from_segment": ".segments",
    "to_segment": ".segments",
    "AudioWriter": ".writer",
    "subtype_for": ".writer",
    "write_audio": ".writer",
}

__all__ = [
    "AudioReader",
    "AudioWriter",
    "MediaInfo",
    "TruncatedMediaWarning",
    "from_segment",
    "open_audio",
    "probe_media",
    "read_audio",
    "subtype_for",
    "to_segment",
    "write_audio",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
