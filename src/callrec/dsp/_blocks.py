"""What every streaming accumulator shares: input checks, full scale, and a fixed block grid.

Accumulators cut whatever blocks they are fed into blocks of exactly :func:`grid_frames` frames
(the last one shorter) before computing anything; the grid depends only on the channel count.
The sequence of numpy operations therefore does not depend on how the caller chose to cut the
input, so a result computed block by block is *identical* to the whole-array result, floats
included, not merely close to it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ._threads import one_blas_thread

__all__ = [
    "GRID_FRAMES",
    "GRID_SAMPLES",
    "Accumulator",
    "Regrid",
    "SampleRate",
    "Scratch",
    "as_frames",
    "check_like_earlier",
    "full_scale",
    "grid_frames",
    "sample_rate_checked",
    "split_at",
    "to_float",
]

GRID_FRAMES = 1 << 16
"""The fewest frames per internal block: 4.1 s at 16 kHz."""
GRID_SAMPLES = 1 << 18
"""Samples (all channels) per internal block when there are few channels: per-block overhead is
paid four times less often for mono, while 5 channels stay at :data:`GRID_FRAMES`."""


def grid_frames(channels: int) -> int:
    """Frames per internal block for ``channels`` channels: a power of two."""
    frames = GRID_FRAMES
    while frames * 2 * channels <= GRID_SAMPLES:
        frames *= 2
    return frames


_SUPPORTED = (np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.float32), np.dtype(np.float64))

R = TypeVar("R")


def as_frames(x: npt.ArrayLike, *, name: str = "x") -> np.ndarray:
    """``x`` as a ``(frames, channels)`` array; a 1-D array is one channel.

    Raises :class:`UsageError` for other shapes and for sample types other than int16, int32,
    float32 and float64.
    """
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[:, np.newaxis]
    if arr.ndim != 2:
        raise UsageError(f"{name} must be (frames, channels) or (frames,), got shape {arr.shape}")
    if arr.dtype not in _SUPPORTED:
        raise UsageError(
            f"{name} has dtype {arr.dtype}; expected one of int16, int32, float32, float64"
        )
    return arr


def split_at(x: np.ndarray, boundaries: npt.ArrayLike) -> list[np.ndarray]:
    """``x`` cut into consecutive pieces before the rows at ``boundaries`` (ascending sample
    positions within ``0 .. len(x)``); :class:`UsageError` otherwise."""
    at = np.asarray(boundaries)
    if at.size == 0:
        return [x]
    if (
        at.ndim != 1
        or at.dtype.kind not in "iu"
        or at[0] < 0
        or at[-1] > len(x)
        or (np.diff(at) < 0).any()
    ):
        raise UsageError(
            f"boundaries must be ascending integer sample positions within 0..{len(x)}, "
            f"got {at.tolist()!r}"
        )
    return np.split(x, at)


def check_like_earlier(arr: np.ndarray, channels: int, dtype: np.dtype | None) -> None:
    """:class:`UsageError` unless ``arr`` has the channels and sample type of earlier blocks."""
    if arr.shape[1] != channels or arr.dtype != dtype:
        raise UsageError(
            f"block is {arr.shape[1]} channel(s) of {arr.dtype}; earlier blocks were "
            f"{channels} of {dtype}"
        )


def full_scale(dtype: np.dtype) -> float:
    """The magnitude that reads as 0 dBFS: 32768 for int16, 2**31 for int32, 1.0 for floats."""
    if dtype.kind == "i":
        return float(-np.iinfo(dtype).min)
    return 1.0


def to_float(block: np.ndarray) -> np.ndarray:
    """``(frames, channels)`` float64 samples scaled so that full scale is 1.0."""
    return _scaled(block.astype(np.float64), block.dtype)


def _scaled(samples: np.ndarray, source: np.dtype) -> np.ndarray:
    if source.kind == "i":
        samples *= 1.0 / full_scale(source)
    return samples


class Scratch:
    """Named work buffers kept from block to block, grown when a larger one is asked for.

    Writing megabytes of fresh memory for every block costs a page fault per 4 KB, which on
    virtual machines measured more than the arithmetic done on them; hot loops write into these
    instead. A buffer's contents are only valid until the next :meth:`get` of the same name.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: npt.DTypeLike) -> np.ndarray:
        size = math.prod(shape)
        buffer = self._buffers.get(name)
        if buffer is None or buffer.size < size or buffer.dtype != np.dtype(dtype):
            buffer = self._buffers[name] = np.empty(max(size, 1), dtype)
        return buffer[:size].reshape(shape)

    def rows(self, block: np.ndarray, dtype: npt.DTypeLike | None = None) -> np.ndarray:
        """``block`` as C-ordered ``(channels, frames)`` rows, in ``dtype`` (default its own).

        Read-only: for a block already channel-major in its own type (one contiguous channel,
        or the transpose of C-ordered rows, as the pass feeds unmixed media) this is a
        read-only view of ``block.T``, not a copy.
        """
        wanted = block.dtype if dtype is None else np.dtype(dtype)
        if block.dtype == wanted and block.T.flags.c_contiguous:
            view: np.ndarray = block.T.view()
            view.flags.writeable = False
            return view
        rows = self.get("rows", block.shape[::-1], block.dtype if dtype is None else dtype)
        np.copyto(rows, block.T)
        return rows


class Regrid:
    """Blocks of any size cut into blocks of exactly ``frames`` frames; the frames short of a
    whole one are held (copied, in the layout they came in) until more come or :meth:`rest`."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self._held: list[np.ndarray] = []
        self._held_frames = 0

    def blocks(self, arr: np.ndarray) -> Iterator[np.ndarray]:
        """The whole blocks that ``arr``, after the frames held, completes."""
        grid, pos = self.frames, 0
        if self._held_frames:
            take = min(grid - self._held_frames, len(arr))
            self._held.append(arr[:take])
            self._held_frames += take
            pos = take
            if self._held_frames < grid:
                self._held[-1] = self._held[-1].copy(order="K")  # the caller may reuse arr
                return
            yield self._joined()
        while len(arr) - pos >= grid:
            yield arr[pos : pos + grid]
            pos += grid
        if pos < len(arr):
            self._held = [arr[pos:].copy(order="K")]
            self._held_frames = len(arr) - pos

    def rest(self) -> np.ndarray | None:
        """The frames held, now given up (None if there are none)."""
        return self._joined() if self._held_frames else None

    def _joined(self) -> np.ndarray:
        joined = np.concatenate(self._held)  # keeps channel-major pieces channel-major
        self._held, self._held_frames = [], 0
        return joined


class BlockRows:
    """The channel-major copy of each grid block, made once however many accumulators ask.

    Accumulators fed the same blocks in one pass share one of these (see
    :meth:`Accumulator.share_rows`); they pass the number of the grid block they are at.
    """

    def __init__(self) -> None:
        self._scratch = Scratch()
        self._number = -1
        self._rows: np.ndarray | None = None

    def of(self, number: int, block: np.ndarray) -> np.ndarray:
        if number != self._number or self._rows is None:
            self._rows = self._scratch.rows(block)
            self._number = number
        return self._rows


class SampleRate(int):
    """A sample rate that :func:`sample_rate_checked` accepted (nothing else makes one).

    The private path by which a rate is checked once per public entry: an
    :class:`~callrec.dsp.Analyzer` (or a meter) checks the rate it is given and builds its parts
    from the result, which they take as it is. Helpers that need a checked rate
    (:func:`~callrec.dsp.frames.frame_sizes`, the K-weighting design) are annotated with this
    type, so the type checker shows that every caller checked first.
    """

    __slots__ = ()


def sample_rate_checked(sample_rate: int) -> SampleRate:
    """``sample_rate`` as a :class:`SampleRate`; :class:`UsageError` unless a positive integer.

    A :class:`SampleRate` is returned as it is: it was checked where it was made.
    """
    if isinstance(sample_rate, SampleRate):
        return sample_rate
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise UsageError(f"sample_rate must be a positive integer, got {sample_rate!r}")
    return SampleRate(sample_rate)


class Accumulator(ABC, Generic[R]):
    """Feed ``(frames, channels)`` blocks with :meth:`update`, then read :meth:`result`.

    The channel count and sample type are fixed by the first block. Any block size works,
    including empty blocks and blocks shorter than a frame.
    """

    def __init__(self) -> None:
        self._channels: int | None = None
        self._dtype: np.dtype | None = None
        self._regrid = Regrid(GRID_FRAMES)
        self._frames = 0
        self._consumed = 0  # grid blocks consumed so far: the number of the next one
        self._result: R | None = None
        self._block_rows = BlockRows()

    @property
    def frames(self) -> int:
        """Frames fed so far."""
        return self._frames

    @property
    def channels(self) -> int | None:
        return self._channels

    def share_rows(self, others: list[Accumulator[Any]]) -> None:
        """Make one channel-major copy of each grid block for this and ``others``.

        Only for accumulators fed exactly the same blocks, before the first one.
        """
        for other in others:
            other._block_rows = self._block_rows

    def _rows(self, block: np.ndarray) -> np.ndarray:
        """The grid block being consumed as read-only ``(channels, frames)`` rows."""
        return self._block_rows.of(self._consumed, block)

    def update(self, block: npt.ArrayLike) -> None:
        """Add the next block of samples."""
        if self._result is not None:
            raise UsageError(f"{type(self).__name__}.update() called after result()")
        arr = as_frames(block, name="block")
        if self._channels is None:
            self._channels, self._dtype = arr.shape[1], arr.dtype
            self._regrid = Regrid(grid_frames(arr.shape[1]))
            self._start(arr.shape[1], arr.dtype)
        else:
            check_like_earlier(arr, self._channels, self._dtype)
        self._frames += len(arr)
        for whole in self._regrid.blocks(arr):
            self._grid_block(whole)

    def result(self) -> R:
        """The result over everything fed; later calls return the same object."""
        if self._result is None:
            if self._channels is None:
                raise UsageError(
                    f"{type(self).__name__}.result() needs at least one block to know the "
                    "channel count"
                )
            rest = self._regrid.rest()
            if rest is not None:
                self._grid_block(rest)
            elif not self._consumed:  # no frames at all: what is built on the first grid
                self._grid_block(np.zeros((0, self._channels), self._dtype))  # block is needed
            self._result = self._finish()
        return self._result

    def _grid_block(self, block: np.ndarray) -> None:
        with one_blas_thread():
            self._consume(block)
        self._consumed += 1

    def _start(self, channels: int, dtype: np.dtype) -> None:
        """Called once with the first block's channel count and sample type."""

    @abstractmethod
    def _consume(self, block: np.ndarray) -> None:
        """Process one grid block (:func:`grid_frames` frames, the last one fewer)."""

    @abstractmethod
    def _finish(self) -> R:
        """Compute the result once all blocks are consumed."""
