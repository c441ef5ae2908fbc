"""DTMF key detection: the eight DTMF frequencies measured per frame, Goertzel style.

Each frame's power at the exact row and column frequencies is what the Goertzel recursion
computes. Frames overlap (25.6 ms every 10 ms), so rather than projecting every frame, each
hop-long block of samples is projected once onto the eight frequencies (one matrix product for all
blocks and channels), and a frame's projection is the sum of its blocks', each turned by the phase
of its offset in the frame::

    samples   |  block 0  |  block 1  |  block 2  |  block 3  |
    frame 0   [=======================|====)                     2 blocks + the first part of 3rd
    frame 1               [=======================|====)

A frame's energy is summed the same way. A frame holds a key when

- its strongest row and strongest column tone are each above ``min_tone_dbfs``;
- each beats the other tones of its group by ``min_peak_ratio_db`` (one clear row, one clear column);
- the column tone is within ``[-reverse_twist_db, +forward_twist_db]`` of the row tone;
- the two tones carry at least ``min_tone_fraction`` of the frame's energy (speech does not).

Runs of frames with the same key at least ``min_tone_s`` long are reported, with dropouts of up
to ``max_dropout_s`` bridged.

Most frames of a call are silence, noise or speech. Two screens, bounds that no frame able to
hold a key fails, rule them out before their spectra are made, in float32 on the input's scale:

- *level*: a tone power as measured, ``|sum x_n e^{-iwn}|^2 * 2 / frame^2``, is at most twice the
  frame's mean square (Cauchy-Schwarz), so a frame with ``2 * mean_square < min_tone_power``
  holds no key. The sums of squares of the whole blocks a frame reads (at least its energy) are
  compared with a floor 6 dB lower than the bound needs, a margin for the float32 sums (their
  error is below 1 % wherever the screens are used, 2e-5 at the defaults);
- *tones*: the blocks of the frames left are projected in float32, and a frame's tone, a sum of
  its blocks' projections ``s_j`` turned by phases of modulus 1, has a power of at most
  ``(sum_j |s_j|)^2 * 2 / frame^2`` (the triangle inequality). The float32 projections are
  widened by their proven error and the bounds raised by 1 %; frames whose bounds fail the level
  or energy-share checks (against a lower bound of the frame's energy) go. Speech fails here.

The bounds hold while the figures stay clear of underflow, which ``min_tone_dbfs`` of at least
-200 ensures (below, every frame is measured); an input too large for float32 makes a bound inf
or NaN, which passes. The frames left get their spectra and checks in float64 with exactly the
operations, in the same order, as when every frame is measured: the keys are the same.

The stream may be *cut* where the audio it holds is not continuous: a pause, a gap between
chunks, a chunk join (``boundaries=``, :meth:`DtmfDetector.cut`). Frames restart at a cut as at
the stream's start, and runs are found in each segment on its own, so no frame and no key holds
samples from both sides (samples that were never next to each other). A key held over a cut is
two keys, each ending or starting within a frame of it::

    samples   . . . . 7 7 7 7 7 7|7 7 7 7 . . . .
    cut                           ^
    keys              [        )  [      )
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ..timebase import to_samples
from ._blocks import Accumulator, Scratch, as_frames, full_scale, sample_rate_checked, split_at
from ._options import Options
from .frames import frame_count, frame_sizes
from .intervals import close_gaps, drop_short, empty_intervals

__all__ = ["DTMF_KEYS", "KEY_GUARD_S", "DtmfDetector", "DtmfOptions", "DtmfTones", "detect_dtmf"]

ROW_HZ = (697.0, 770.0, 852.0, 941.0)
COLUMN_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")
KEY_GUARD_S = 0.03
"""Kept out of speech on both sides of a key: the key detector's 25.6 ms frames place a key's
edges within about 10 ms, and a key's own onset and decay must not become slivers of speech."""
# One byte per frame and channel (the keys are ASCII): the codes of a 4-hour call are held until
# the end, 29 MB as int32 for 5 channels, 7 MB as int8.
_KEY_CODES = np.array([ord(k) for row in DTMF_KEYS for k in row], np.int8)
_SCREEN_MARGIN = 1.01
"""The tone bounds are raised by 1 % before they are compared: far more than their rounding (a
few float32 units, 1e-6) and the exact powers' (1e-15) together."""
_SCREEN_MIN_POWER = 1e-20
"""The lowest ``min_tone_power`` (-200 dBFS) for which frames are screened (see the module
notes): above it, a frame that could pass has samples that square to normal float32 numbers and
projections far from float64 underflow, so the rough figures keep their relative accuracy. Below
it, every frame is measured."""


@dataclass(frozen=True, kw_only=True)
class DtmfOptions(Options):
    """How :class:`DtmfDetector` finds keys (see the module notes); checked once, when made.

    Every option is a finite number; a bad one is a :class:`~callrec.errors.UsageError` here.
    The detector checks only what depends on the sample rate (a frame of at least one sample).
    :meth:`from_dict` builds options from names, :meth:`changed` lists those that differ from
    the defaults.

    Attributes
    ----------
    frame_s, hop_s
        Analysis frame and step (more than zero); 25.6 ms frames separate neighbouring DTMF
        tones.
    min_tone_s
        Shortest tone reported (ITU-T Q.24 asks that 40 ms tones be accepted).
    max_dropout_s
        Longest break inside one key press that is bridged.
    min_tone_dbfs
        Lowest level of each of the two tones (RMS dBFS).
    min_peak_ratio_db
        How far each tone must stand above the others of its group.
    forward_twist_db, reverse_twist_db
        How much louder (forward) or quieter (reverse) the column tone may be than the row tone.
    min_tone_fraction
        Share (0-1) of the frame's energy the two tones must carry.

    The durations and the dB margins (all but ``min_tone_dbfs``) are zero or more.
    """

    KIND: ClassVar[str] = "DTMF option"

    frame_s: float = 0.0256
    hop_s: float = 0.010
    min_tone_s: float = 0.030
    max_dropout_s: float = 0.020
    min_tone_dbfs: float = -45.0
    min_peak_ratio_db: float = 6.0
    forward_twist_db: float = 4.0
    reverse_twist_db: float = 8.0
    min_tone_fraction: float = 0.7

    def _check(self) -> None:
        self._more_than_zero("frame_s", "hop_s")
        self._zero_or_more(
            "min_tone_s",
            "max_dropout_s",
            "min_peak_ratio_db",
            "forward_twist_db",
            "reverse_twist_db",
        )
        # Two tones carry at most all of a frame's energy: above 1, no key would ever be found.
        self._within("min_tone_fraction", 0.0, 1.0)


@dataclass(frozen=True)
class DtmfTones:
    """The keys found in one channel, in time order.

    Attributes
    ----------
    keys
        One character per tone: ``0-9``, ``*``, ``#``, ``A-D``.
    intervals
        ``(n, 2)`` int64 half-open sample intervals, one row per key.
    """

    keys: str
    intervals: np.ndarray


class DtmfDetector(Accumulator[tuple[DtmfTones, ...]]):
    """Streaming :func:`detect_dtmf`: one :class:`DtmfTones` per channel; :meth:`cut` marks where
    the audio is not continuous.

    Parameters
    ----------
    sample_rate
        Samples per second (8 kHz and up).
    options
        How keys are found (:class:`DtmfOptions`); the defaults if None.
    **settings
        Single options by name (``min_tone_s=0.04``), overriding ``options``; an unknown name is
        a :class:`~callrec.errors.UsageError`.

    The options in effect are :attr:`options`; ``frame``, ``hop``, ``min_tone`` and
    ``max_dropout`` are the durations in samples.
    """

    def __init__(
        self, sample_rate: int, options: DtmfOptions | None = None, **settings: float
    ) -> None:
        super().__init__()
        rate = sample_rate_checked(sample_rate)
        self.options = DtmfOptions._resolved(options, settings)
        opts = self.options
        self.frame, self.hop = frame_sizes(rate, opts.frame_s, opts.hop_s)
        self.sample_rate = int(rate)
        self.min_tone = to_samples(opts.min_tone_s, rate)
        self.max_dropout = to_samples(opts.max_dropout_s, rate)
        self.min_tone_power = 10.0 ** (opts.min_tone_dbfs / 10.0)
        self.min_peak_ratio = 10.0 ** (opts.min_peak_ratio_db / 10.0)
        self.twist = (
            10.0 ** (-opts.reverse_twist_db / 10.0),
            10.0 ** (opts.forward_twist_db / 10.0),
        )
        self.min_tone_fraction = opts.min_tone_fraction
        # A frame is ``whole`` hop-long blocks and the first ``part`` samples of the next one.
        self._whole, self._part = divmod(self.frame, self.hop)
        hz = np.array(ROW_HZ + COLUMN_HZ)
        phase = 2.0 * np.pi * (np.arange(self.hop) / self.sample_rate)[:, np.newaxis] * hz
        head = np.arange(self.hop)[:, np.newaxis] < self._part
        # (hop, 32): cosine and sine over a whole block, then over its first ``part`` samples.
        self._basis = np.concatenate(
            [np.cos(phase), np.sin(phase), np.cos(phase) * head, np.sin(phase) * head], axis=1
        )
        # The phase of block j's first sample in the frame, as e^{-i w t}.
        offsets = np.arange(self._whole + 1)[:, np.newaxis] * (self.hop / self.sample_rate)
        self._turn = np.exp(-2j * np.pi * offsets * hz)  # (whole + 1, 8)
        self._scratch = Scratch()
        self._scale = 1.0
        self._reads = self._whole + (1 if self._part else 0)  # blocks a frame reads
        # Frames that cannot hold a key are not measured in full (see the module notes); False
        # measures every frame, which must find the same keys (the tests compare the two).
        self._prescreen = True
        self._screen = False  # the screens, where the options allow them (set by _start)
        self._basis32 = self._basis.astype(np.float32)
        # How far a float32 sum of squares or projection of a block, or a sum of them over a
        # frame, can lie from the exact one, relative to the sum of the terms' magnitudes: twice
        # (hop + reads + 8) unit roundoffs (Higham's gamma_n for the sums of hop and of reads
        # terms, plus the rounding of the samples and of the basis to float32).
        self._f32_error = 2.0 * (self.hop + self._reads + 8) * 2.0**-24
        # Set by _start, on the input's own scale: the sum of squares a frame needs to be
        # screened further, and the tone power (min_tone_power) a frame needs.
        self._floor = np.float64(0.0)
        self._tone_floor = 0.0
        # Each segment between cuts: its first sample in the stream, and its frames' key codes.
        self._segments: list[tuple[int, list[np.ndarray]]] = [(0, [])]
        self._cuts: list[int] = []
        self._cuts_done = 0  # how many of ``_cuts`` the frames already restarted at
        self._consumed_frames = 0
        self._tail = np.zeros((1, 0))  # channel-major input samples not yet in a whole frame
        self._tail_start = 0  # from the segment's start, as the frames are
        self._next_frame = 0

    def cut(self) -> None:
        """The audio is not continuous here, after the samples fed so far (a pause, a gap between
        chunks, a chunk join): frame what follows as if the stream started afresh.

        Cutting before anything is fed, or twice at one place, changes nothing.
        """
        if self._result is not None:
            raise UsageError("DtmfDetector.cut() called after result()")
        if self._frames > (self._cuts[-1] if self._cuts else 0):
            self._cuts.append(self._frames)

    def _start(self, channels: int, dtype: np.dtype) -> None:
        self._scale = 1.0 / full_scale(dtype)
        self._screen = (
            self._prescreen
            and self.min_tone_power >= _SCREEN_MIN_POWER
            and self._f32_error < 0.01  # hop + reads below 80,000
        )
        squared = full_scale(dtype) ** 2  # to the input's own scale
        # 2 * mean_square >= min_tone_power / 4 (the module notes); a float64 scalar, so that
        # the float32 energies are compared in float64.
        self._floor = np.float64(self.min_tone_power / 8.0 * self.frame * squared)
        self._tone_floor = self.min_tone_power * squared
        self._restart(channels)

    def _restart(self, channels: int) -> None:
        self._tail = np.zeros((channels, 0), self._dtype)
        self._tail_start = 0
        self._next_frame = 0

    def _consume(self, block: np.ndarray) -> None:
        rows = self._rows(block)
        start, stop = self._consumed_frames, self._consumed_frames + len(block)
        # A cut at ``stop`` waits for the next block; at the stream's end it changes nothing.
        while self._cuts_done < len(self._cuts) and self._cuts[self._cuts_done] < stop:
            at = self._cuts[self._cuts_done]
            self._frame(rows[:, : at - start])
            rows, start = rows[:, at - start :], at
            self._restart(len(rows))  # the samples before the cut that fill no frame go
            self._segments.append((at, []))
            self._cuts_done += 1
        self._frame(rows)
        self._consumed_frames = stop

    def _frame(self, fresh: np.ndarray) -> None:
        """Classify the frames of the current segment that ``fresh`` (channel-major) completes."""
        held, new = self._tail.shape[1], fresh.shape[1]
        # The input samples as fed, unscaled: only the blocks of frames that may hold a key are
        # scaled to float64 (see _codes). A hop of zeros after them: every block is then whole.
        raw = self._scratch.get("raw", (len(fresh), held + new + self.hop), fresh.dtype)
        raw[:, :held] = self._tail
        raw[:, held : held + new] = fresh
        raw[:, held + new :] = 0
        end = self._tail_start + held + new
        done = frame_count(end, self.frame, self.hop)
        if done > self._next_frame:
            first = self._next_frame * self.hop - self._tail_start
            self._segments[-1][1].append(self._codes(raw[:, first:], done - self._next_frame))
            self._next_frame = done
        keep = min(self._next_frame * self.hop, end)
        self._tail = raw[:, keep - self._tail_start : held + new].copy()
        self._tail_start = keep

    def _codes(self, raw: np.ndarray, count: int) -> np.ndarray:
        """Key code per frame and channel ``(count, channels)``, 0 where no key, of the ``count``
        frames starting every hop from ``raw[:, 0]`` (input samples, unscaled)."""
        codes = np.zeros((count, len(raw)), np.int8)
        if self._screen:
            with np.errstate(over="ignore", invalid="ignore"):  # inf and NaN: see _screened
                measured = self._screened(raw, count)
        else:
            measured = np.ones((len(raw), count), bool)  # every frame
        if measured.any():
            rows, blocks = self._blocks(raw, measured)
            power = self._power(self._project(blocks, count + self._whole), rows)
            # Channel by channel, as _blocks lists the frames.
            codes.T[measured] = self._classify(power, self._energy(blocks, rows))
        return codes

    def _screened(self, raw: np.ndarray, count: int) -> np.ndarray:
        """``(channels, count)``: False for the frames that the screens rule out (see the module
        notes), in float32, on the input's own scale.

        float32 converts, sums and projects twice as fast as float64, and its error is bounded
        (see :attr:`_f32_error`). An input too large for float32 makes a figure inf or NaN,
        which passes (the frame is measured); an input that is NaN makes the exact figures NaN
        too, and such a frame holds no key.
        """
        span = count + self._whole
        blocks = raw[:, : span * self.hop].reshape(len(raw), span, self.hop)
        squares = np.einsum("cbn,cbn->cb", blocks, blocks, dtype=np.float32, casting="same_kind")
        energy = _frame_sums(squares, count, self._reads)  # at least each frame's energy
        loud: np.ndarray = energy >= self._floor
        if loud.any():
            loud &= self._may_hold_key(blocks, squares, energy, loud)
        return loud

    def _blocks(self, raw: np.ndarray, measured: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The frames' blocks: for the ``k`` frames ``measured`` (``(channels, count)``, of the
        frames starting every hop from ``raw[:, 0]``), channel by channel, the row of each of
        their blocks ``(reads, k)`` in ``blocks``, which holds every block read, once, scaled to
        float64, and then rows of zeros up to a whole number of products (see _project)."""
        hop, span = self.hop, measured.shape[1] + self._whole
        channel, frame = np.nonzero(measured)
        wanted = _blocks_read(measured, self._reads, span)
        number = (np.cumsum(wanted) - 1).reshape(wanted.shape)  # row-major, as ``[wanted]`` is
        rows = np.stack([number[channel, frame + j] for j in range(self._reads)])
        unscaled = raw[:, : span * hop].reshape(len(raw), span, hop)[wanted]
        n = len(unscaled)
        blocks = self._scratch.get("blocks", (-(-n // span) * span, hop), np.float64)
        np.multiply(unscaled, self._scale, out=blocks[:n])  # the same values, sample by sample
        blocks[n:] = 0.0
        return rows, blocks

    def _project(self, blocks: np.ndarray, rows: int) -> np.ndarray:
        """``blocks @ basis`` ``(n, 32)``, as products of ``rows`` rows each.

        Projecting every block gives BLAS one product of ``rows`` (frames + whole blocks per
        frame) rows per channel. A row's result does not depend on the other rows, but BLAS
        picks its kernel, and with it the order of each row's sum, by the product's shape as it
        does by CPU. OpenBLAS 0.3 on x86-64, for one, hands a one-row product to a
        matrix-vector routine that sums in another order, and below a size (rows * 32 * hop of
        a million) to a kernel that does not split sums of more than 384 terms in two, as its
        blocked kernel does: at 44.1 kHz a subset of the rows would get other roundings. Products
        of the same shape as when every frame is measured give each row exactly the same sums.
        """
        products = len(blocks) // rows
        projected: np.ndarray = blocks.reshape(products, rows, self.hop) @ self._basis
        return projected.reshape(len(blocks), -1)

    def _energy(self, blocks: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Each frame's sum of squares ``(k,)``, summed in the order it always was."""
        squares = np.einsum("bn,bn->b", blocks, blocks)
        energy = np.zeros(rows.shape[1])
        for j in range(self._whole):
            energy += squares[rows[j]]
        if self._part:
            heads = blocks[rows[self._whole], : self._part]
            energy += np.einsum("bn,bn->b", heads, heads)
        return energy

    def _power(self, projected: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Each frame's tone powers ``(k, 8)``: its blocks' projections, each turned by the
        phase of its offset in the frame, summed in the order they always were."""
        total = np.zeros((rows.shape[1], 8), complex)
        for j in range(self._whole):  # whole blocks per frame: 2 at the defaults
            row = rows[j]
            total += self._turn[j] * (projected[row, 0:8] - 1j * projected[row, 8:16])
        if self._part:
            row = rows[self._whole]
            total += self._turn[self._whole] * (projected[row, 16:24] - 1j * projected[row, 24:32])
        power: np.ndarray = (total.real**2 + total.imag**2) * (2.0 / self.frame**2)
        return power

    def _may_hold_key(
        self, blocks: np.ndarray, squares: np.ndarray, energy: np.ndarray, loud: np.ndarray
    ) -> np.ndarray:
        """``(channels, count)``: False for the ``loud`` frames whose tones cannot pass
        _classify's level and energy-share checks, whatever the phases of their blocks.

        ``blocks`` are the float32 samples ``(channels, blocks, hop)``, ``squares`` their sums
        of squares, ``energy`` the frames' sums of them (at least each frame's energy).
        """
        count, whole, error = loud.shape[1], self._whole, self._f32_error
        tones, heads = self._tone_sums(blocks, loud)
        # Each block's exact projection is within ``error * sum |x_n|`` of its float32 one, and
        # over a frame's blocks sum |x_n| <= sqrt(hop * reads * energy) (Cauchy-Schwarz).
        slack = error * np.sqrt(self.hop * self._reads * energy.astype(np.float64))
        bound = (tones + slack) ** 2 * (2.0 * _SCREEN_MARGIN / self.frame**2)
        row, column = bound[:4].max(axis=0), bound[4:].max(axis=0)
        # At most each frame's mean square: its whole blocks and its head, less the error.
        least = _frame_sums(squares, count, whole).astype(np.float64)
        if self._part:
            least += heads[:, whole : whole + count]
        mean_square = least * (1.0 - error) / self.frame
        fails: np.ndarray = (row < self._tone_floor) | (column < self._tone_floor)
        # An energy that overflowed float32 (inf) bounds nothing.
        fails |= (row + column < self.min_tone_fraction * mean_square) & np.isfinite(mean_square)
        return ~fails

    def _tone_sums(self, blocks: np.ndarray, loud: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each tone and frame, ``sum_j |s_j|`` over the frame's blocks ``(8, channels,
        count)`` (0 for the frames not ``loud``), and the sums of squares of the blocks' heads
        ``(channels, blocks)`` (0 for the blocks no loud frame reads), in float32."""
        count, whole, part = loud.shape[1], self._whole, self._part
        wanted = _blocks_read(loud, self._reads, blocks.shape[1])
        read = blocks[wanted].astype(np.float32)  # (n, hop): each block once
        projected = (read @ self._basis32).reshape(-1, 2, 2, 8)  # whole/head, cos/sin, tone
        np.square(projected, out=projected)
        # Tone-major, so that the tones of a frame are compared plane by plane.
        strength = np.zeros((2, 8, *wanted.shape), np.float32)  # |s| whole, then head
        strength[:, :, wanted] = np.sqrt(projected[:, :, 0] + projected[:, :, 1]).transpose(1, 2, 0)
        tones = _frame_sums(strength[0], count, whole)
        heads = np.zeros(wanted.shape, np.float32)
        if part:
            tones += strength[1, :, :, whole : whole + count]
            heads[wanted] = np.einsum("bn,bn->b", read[:, :part], read[:, :part])
        return tones, heads

    def _classify(self, power: np.ndarray, energy: np.ndarray) -> np.ndarray:
        """Key code of each frame, 0 where no key, from its tone powers ``(k, 8)`` and sum of
        squares ``(k,)``."""
        mean_square = energy / self.frame
        rows, columns = power[:, :4], power[:, 4:]
        row = rows.argmax(axis=-1)
        column = columns.argmax(axis=-1)
        each = np.arange(len(power))
        row_power = rows[each, row]
        column_power = columns[each, column]
        row_rival = _second_largest(rows)
        column_rival = _second_largest(columns)
        with np.errstate(divide="ignore", invalid="ignore"):
            twist = column_power / row_power
            ok = (
                (row_power >= self.min_tone_power)
                & (column_power >= self.min_tone_power)
                & (row_power >= self.min_peak_ratio * row_rival)
                & (column_power >= self.min_peak_ratio * column_rival)
                & (twist >= self.twist[0])
                & (twist <= self.twist[1])
                & (row_power + column_power >= self.min_tone_fraction * mean_square)
            )
        return np.where(ok, _KEY_CODES[row * 4 + column], 0)

    def _finish(self) -> tuple[DtmfTones, ...]:
        assert self._channels is not None
        keys: list[list[str]] = [[] for _ in range(self._channels)]
        intervals: list[list[np.ndarray]] = [[empty_intervals()] for _ in range(self._channels)]
        for start, parts in self._segments:  # a few per chunk of a recording
            codes = np.concatenate([np.zeros((0, self._channels), np.int8), *parts])
            for c in range(self._channels):
                found = self._tones(codes[:, c])
                keys[c].append(found.keys)
                intervals[c].append(found.intervals + start)
        return tuple(
            DtmfTones("".join(k), np.concatenate(iv)) for k, iv in zip(keys, intervals, strict=True)
        )

    def _tones(self, codes: np.ndarray) -> DtmfTones:
        change = np.flatnonzero(np.diff(codes, prepend=0, append=0))
        starts, stops = change[:-1], change[1:]
        values = codes[starts]
        keep = values != 0
        starts, stops, values = starts[keep], stops[keep], values[keep]
        found_keys: list[str] = []
        found: list[np.ndarray] = []
        for code in np.unique(values):  # at most 16 distinct keys
            mine = values == code
            runs = np.stack(
                [starts[mine] * self.hop, (stops[mine] - 1) * self.hop + self.frame], axis=1
            ).astype(np.int64)
            runs = drop_short(close_gaps(runs, self.max_dropout + 1), self.min_tone)
            found.append(runs)
            found_keys.extend(chr(code) * len(runs))
        if not found:
            return DtmfTones("", empty_intervals())
        intervals = np.concatenate(found)
        order = np.argsort(intervals[:, 0], kind="stable")
        return DtmfTones("".join(np.array(found_keys)[order]), intervals[order])


def _frame_sums(x: np.ndarray, count: int, blocks: int) -> np.ndarray:
    """For each of ``count`` frames, the sum of ``x`` over its first ``blocks`` blocks (``x``
    per block on its last axis); zeros for no blocks."""
    total = np.zeros((*x.shape[:-1], count), x.dtype)
    for j in range(blocks):
        total += x[..., j : j + count]
    return total


def _blocks_read(frames: np.ndarray, reads: int, span: int) -> np.ndarray:
    """``(channels, span)``: the blocks that the ``frames`` (``(channels, count)``, each reading
    ``reads`` blocks from its own) read."""
    wanted = np.zeros((len(frames), span), bool)
    for j in range(reads):
        wanted[:, j : j + frames.shape[1]] |= frames
    return wanted


def _second_largest(x: np.ndarray) -> np.ndarray:
    """The second largest of each row's 4 values: ``np.sort(x)[:, -2]`` without the sort.

    The same value exactly where no value is NaN (max and min only pick values); where one is,
    the group's strongest tone (argmax) is NaN and its frame holds no key whatever this gives.
    """
    high = np.maximum(x[:, 0], x[:, 1]), np.maximum(x[:, 2], x[:, 3])
    low = np.minimum(x[:, 0], x[:, 1]), np.minimum(x[:, 2], x[:, 3])
    second: np.ndarray = np.maximum(np.minimum(*high), np.maximum(*low))
    return second


def detect_dtmf(
    x: npt.ArrayLike,
    sample_rate: int,
    options: DtmfOptions | None = None,
    *,
    boundaries: npt.ArrayLike = (),
    **settings: float,
) -> tuple[DtmfTones, ...]:
    """Find DTMF keys in each channel.

    Parameters
    ----------
    x
        ``(frames, channels)`` or ``(frames,)`` samples (int16, int32 or float).
    sample_rate
        Samples per second (8 kHz and up).
    options
        How keys are found (:class:`DtmfOptions`); the defaults if None.
    boundaries
        Ascending sample positions where the audio is not continuous (pauses, gaps between
        chunks, chunk joins): no key is made of samples from both sides (see the module notes).
        Default: none.
    **settings
        Single options by name (``min_tone_s=0.04``), overriding ``options``.

    Returns
    -------
    tuple[DtmfTones, ...]
        One per channel.
    """
    detector = DtmfDetector(sample_rate, options, **settings)
    for i, segment in enumerate(split_at(as_frames(x), boundaries)):
        if i:
            detector.cut()
        detector.update(segment)
    return detector.result()
