"""Placing media frames on an output track: stitching, pause gaps and channel remaps in one copy.

A span says "media frames ``[media_start, media_start + length)`` sit on track samples
``[track_start, track_start + length)``". Streaming code reads the media in blocks and writes
the track in windows; :func:`place` copies whatever part of a block falls inside a window::

    media block        [b0 .................. b1)
    span (media side)        [m0 ...... m1)
    span (track side)              [t0 ...... t1)
    output window                       [w0 ............ w1)
    copied                              [==== )
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..errors import UsageError

__all__ = ["place", "spans_array"]


def spans_array(spans: npt.ArrayLike) -> np.ndarray:
    """Spans as a ``(n, 3)`` int64 array of ``[media_start, track_start, length]`` rows."""
    arr = np.asarray(spans, dtype=np.int64).reshape(-1, 3)
    if (arr[:, 2] < 0).any():
        raise UsageError("a span's length must not be negative")
    return arr


def place(
    block: np.ndarray,
    out: np.ndarray,
    *,
    block_start: int,
    out_start: int,
    spans: npt.ArrayLike,
    channels: npt.ArrayLike | None = None,
) -> int:
    """Copy the frames of ``block`` that the spans put inside ``out``.

    Parameters
    ----------
    block
        ``(frames, in_channels)`` media frames; ``block[0]`` is media frame ``block_start``.
    out
        ``(frames, out_channels)`` window of the track, written in place; ``out[0]`` is track
        sample ``out_start``. Must have the block's sample type, so PCM is copied bit for bit.
    spans
        ``(n, 3)`` ``[media_start, track_start, length]`` rows (see :func:`spans_array`).
    channels
        For each output channel, the input channel it takes, or -1 to leave it untouched.
        Defaults to the identity (and then the channel counts must match).

    Returns
    -------
    int
        Frames copied (per channel).
    """
    if block.ndim != 2 or out.ndim != 2:
        raise UsageError("block and out must be (frames, channels) arrays")
    if block.dtype != out.dtype:
        raise UsageError(
            f"block is {block.dtype} but out is {out.dtype}; placement does not convert"
        )
    if channels is None:
        if block.shape[1] != out.shape[1]:
            raise UsageError(
                f"block has {block.shape[1]} channels, out {out.shape[1]}; pass channels="
            )
        source = np.arange(out.shape[1])
    else:
        source = np.asarray(channels, dtype=np.int64)
        if source.shape != (out.shape[1],) or (source >= block.shape[1]).any():
            raise UsageError(
                f"channels must give one input channel (< {block.shape[1]}) or -1 for each of "
                f"the {out.shape[1]} output channels, got {source.tolist()}"
            )
    targets = np.flatnonzero(source >= 0)
    sources = source[targets]
    table = spans_array(spans)
    shift = table[:, 1] - table[:, 0]  # track = media + shift inside a span
    lo = np.maximum.reduce([table[:, 0], np.full(len(table), block_start), out_start - shift])
    hi = np.minimum.reduce(
        [
            table[:, 0] + table[:, 2],
            np.full(len(table), block_start + len(block)),
            out_start + len(out) - shift,
        ]
    )
    copied = 0
    identity = len(targets) == block.shape[1] == out.shape[1] and (sources == targets).all()
    for m0, m1, s in zip(lo.tolist(), hi.tolist(), shift.tolist(), strict=True):  # spans are few
        if m1 <= m0:
            continue
        src = block[m0 - block_start : m1 - block_start]
        dst = slice(m0 + s - out_start, m1 + s - out_start)
        if identity:
            out[dst] = src
        else:
            out[dst, targets] = src[:, sources]
        copied += m1 - m0
    return copied
