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
    pairs = _channel_pairs(block.shape[1], out.shape[1], channels)
    identity = len(pairs) == block.shape[1] == out.shape[1] and all(t == s for t, s in pairs)
    block_stop, out_stop = block_start + len(block), out_start + len(out)
    copied = 0
    # Spans are few (a handful per chunk): plain integers beat array arithmetic here, which
    # runs once per block and track.
    for media_start, track_start, length in spans_array(spans).tolist():
        shift = track_start - media_start  # track = media + shift inside a span
        m0 = max(media_start, block_start, out_start - shift)
        m1 = min(media_start + length, block_stop, out_stop - shift)
        if m1 <= m0:
            continue
        src = block[m0 - block_start : m1 - block_start]
        dst = slice(m0 + shift - out_start, m1 + shift - out_start)
        if identity:
            out[dst] = src
        else:
            for target, source in pairs:  # channel by channel: no fancy-index temporaries
                out[dst, target] = src[:, source]
        copied += m1 - m0
    return copied


def _channel_pairs(
    in_channels: int, out_channels: int, channels: npt.ArrayLike | None
) -> list[tuple[int, int]]:
    """``(output channel, input channel)`` for every output channel that takes one."""
    if channels is None:
        if in_channels != out_channels:
            raise UsageError(
                f"block has {in_channels} channels, out {out_channels}; pass channels="
            )
        return [(c, c) for c in range(out_channels)]
    if isinstance(channels, (list, tuple)):  # the usual case, without an array per block
        listed: list[int] | None = [int(c) for c in channels]
    else:
        given = np.asarray(channels, dtype=np.int64)
        listed = given.tolist() if given.ndim == 1 else None
    if listed is None or len(listed) != out_channels or any(c >= in_channels for c in listed):
        raise UsageError(
            f"channels must give one input channel (< {in_channels}) or -1 for each of "
            f"the {out_channels} output channels, got {listed}"
        )
    return [(t, s) for t, s in enumerate(listed) if s >= 0]
