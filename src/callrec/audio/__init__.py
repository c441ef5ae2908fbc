"""Audio at the edge: headers, block reading, atomic writing, pydub interop, and a media file
measured in one pass (:func:`analyze_file`).

Names are loaded on first use (see :mod:`callrec._lazy`); the block below is their one list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_face

if TYPE_CHECKING:
    from .measure import analyze_file as analyze_file
    from .probe import MediaInfo as MediaInfo
    from .probe import probe_media as probe_media
    from .reader import AudioReader as AudioReader
    from .reader import TruncatedMediaWarning as TruncatedMediaWarning
    from .reader import open_audio as open_audio
    from .reader import read_audio as read_audio
    from .segments import from_segment as from_segment
    from .segments import to_segment as to_segment
    from .writer import AudioWriter as AudioWriter
    from .writer import subtype_for as subtype_for
    from .writer import write_audio as write_audio

__getattr__, __dir__, __all__ = lazy_face(__name__, globals())
