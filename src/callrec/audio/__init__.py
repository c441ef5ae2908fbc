"""Audio at the edge: headers, block reading, atomic writing, pydub interop."""

from .probe import MediaInfo, probe_media
from .reader import AudioReader, TruncatedMediaWarning, open_audio, read_audio
from .segments import from_segment, to_segment
from .writer import AudioWriter, subtype_for, write_audio

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
