"""pydub interop: numpy blocks from an ``AudioSegment`` and back, without a round trip to disk.

pydub is an optional dependency (``pip install 'callrec[pydub]'``): :func:`to_segment` raises
:class:`~callrec.errors.MissingExtraError` without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import MissingExtraError, UsageError

if TYPE_CHECKING:
    from pydub import AudioSegment

__all__ = ["from_segment", "to_segment"]

_WIDTHS = {1: np.uint8, 2: np.int16, 4: np.int32}


def from_segment(segment: AudioSegment) -> tuple[np.ndarray, int]:
    """An ``AudioSegment`` as ``((frames, channels) array, sample_rate)``.

    16- and 32-bit segments give int16/int32 arrays that share no state with the segment; 8-bit
    (unsigned) segments are widened to int16. 24-bit segments are not supported by this function.
    """
    width = int(segment.sample_width)
    if width not in _WIDTHS:
        raise UsageError(
            f"AudioSegment sample_width {width} is not supported; expected 1, 2 or 4 bytes"
        )
    raw = np.frombuffer(segment.raw_data, dtype=_WIDTHS[width])
    if width == 1:
        raw = ((raw.astype(np.int16) - 128) << 8).astype(np.int16)
    data = raw.reshape(-1, int(segment.channels)).copy()
    return data, int(segment.frame_rate)


def to_segment(data: np.ndarray, sample_rate: int) -> AudioSegment:
    """A ``(frames, channels)`` int16/int32 array as an ``AudioSegment``.

    Float arrays are converted to int16 with rounding and clipping at full scale, as a WAV
    writer would.
    """
    try:
        from pydub import AudioSegment
    except ImportError:
        raise MissingExtraError("callrec.audio.to_segment", extra="pydub", module="pydub") from None

    arr = np.asarray(data)
    if arr.ndim == 1:
        arr = arr[:, np.newaxis]
    if arr.ndim != 2:
        raise UsageError(f"data must be (frames, channels) or (frames,), got shape {arr.shape}")
    if arr.dtype.kind == "f":
        arr = np.clip(np.rint(arr * 32768.0), -32768, 32767).astype(np.int16)
    elif arr.dtype not in (np.dtype(np.int16), np.dtype(np.int32)):
        raise UsageError(f"data has dtype {arr.dtype}; expected int16, int32 or float")
    return AudioSegment(
        data=np.ascontiguousarray(arr).tobytes(),
        sample_width=arr.dtype.itemsize,
        frame_rate=int(sample_rate),
        channels=arr.shape[1],
    )
