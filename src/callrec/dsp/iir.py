"""Recursive (IIR) filtering as matrix products, in numpy alone.

A sample-by-sample recursion cannot be vectorised directly, and ``scipy.signal`` costs more to
import (about 1.4 s and 80 MB) than filtering an hour of audio takes. A linear filter with state
``s`` is also a linear map on blocks of ``L`` samples, though::

    y[block k]  = u[block k] @ H.T + s_k @ O.T     H: the first L taps of the impulse response
    s_(k+1)     = u[block k] @ R.T + s_k @ M.T     M = A**L, the state after L steps

so the outputs of many blocks come from one matrix product, and only the short sequence of block
start states ``s_k`` is recursive. That sequence is itself solved the same way, ``GROUP`` states
at a time, until few enough remain for a loop. The state is kept in balanced coordinates, where
rounding in it is not amplified on its way to the output, so the whole computation can run in
float32 (within 1e-6 of the output's scale) as well as float64 (within 1e-12), for any number of
channels at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ._blocks import Scratch

__all__ = ["SosFilter"]

BLOCK = 32
"""Samples per block. The products grow with it and the state recursion shrinks; with BLAS on
one thread, 32 measured about 20% faster than 16 on 5-channel hours, and 64 slower again."""
GROUP = 8
"""Block states solved together at each level of the state recursion."""
_LOOP_BELOW = 2 * GROUP


class SosFilter:
    """A cascade of second-order sections applied to ``(channels, frames)`` float64 rows.

    The state between calls is the transposed-direct-form-II state of each section, the same
    ``zi`` that ``scipy.signal.sosfilt`` carries, stored as ``(channels, 2 * sections)``.
    """

    def __init__(self, sos: np.ndarray, *, dtype: npt.DTypeLike = np.float64) -> None:
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise UsageError(f"dtype must be float32 or float64, got {self.dtype}")
        sos = np.asarray(sos, dtype=np.float64)
        self.order = 2 * len(sos)
        a, b, c, d = _state_space(sos)
        # Inside, the state lives in balanced coordinates: in the sections' own form, K-weighting's
        # high-pass carries states whose rounding reaches the output 277 times amplified, too much
        # for float32 block states; balanced, no state is amplified more than it is excited.
        balance = _balancing(a, b, c)
        unbalance = np.linalg.inv(balance)
        a, b, c = unbalance @ a @ balance, unbalance @ b, c @ balance
        self._into_balanced = unbalance.T
        self._out_of_balanced = balance.T
        # Impulse response taps h[0..BLOCK-1], and the matrices that map a block and a state.
        powers = [np.eye(self.order)]
        for _ in range(BLOCK):
            powers.append(powers[-1] @ a)
        taps = np.array([d] + [float(c @ powers[i] @ b) for i in range(BLOCK - 1)])
        toeplitz = np.zeros((BLOCK, BLOCK))
        for lag in range(BLOCK):
            toeplitz[np.arange(lag, BLOCK), np.arange(BLOCK - lag)] = taps[lag]
        to_state = np.stack([powers[BLOCK - 1 - j] @ b for j in range(BLOCK)], axis=1)
        # One product gives a block's zero-state outputs and its contribution to the next state.
        self._zero_state = np.ascontiguousarray(toeplitz.T)
        self._to_state = np.ascontiguousarray(to_state.T)
        self._state_out = np.ascontiguousarray(np.stack([c @ powers[t] for t in range(BLOCK)]).T)
        self._output = np.concatenate([self._zero_state, self._state_out]).astype(self.dtype)
        self._to_state_out = self._to_state.astype(self.dtype)
        self._powers = powers
        self._levels: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._block_step = powers[BLOCK]
        self._scratch = Scratch()

    def zero_state(self, channels: int) -> np.ndarray:
        return np.zeros((channels, self.order))

    def apply(
        self, x: np.ndarray, state: np.ndarray, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Filter the rows of ``x`` (``(channels, frames)``, any real type) from ``state``.

        Returns the output in the filter's ``dtype`` (written to ``out`` when given) and the
        state after the last sample. ``x`` may be a strided view, such as the transpose of a
        ``(frames, channels)`` int16 block: it is converted while it is copied into the filter's
        own buffer. Everything runs in ``dtype``: the filter is stable, so rounding in the block
        start states decays instead of accumulating, and float32 stays within a millionth of
        the output's scale; the returned state is float64 either way.
        """
        channels, frames = x.shape
        state = state @ self._into_balanced
        y = np.empty((channels, frames), self.dtype) if out is None else out
        whole = frames - frames % BLOCK
        if whole:
            rows = channels * whole // BLOCK
            # Blocks and their start states side by side, so that one product gives the output;
            # every intermediate lives in a buffer kept between calls (see Scratch).
            joint = self._scratch.get("joint", (rows, BLOCK + self.order), self.dtype)
            blocks = joint[:, :BLOCK]
            np.copyto(
                blocks.reshape(channels, -1, BLOCK), x[:, :whole].reshape(channels, -1, BLOCK)
            )
            feed = self._scratch.get("feed", (rows, self.order), self.dtype)
            np.matmul(blocks, self._to_state_out, out=feed)
            starts, state = self._scan(feed.reshape(channels, -1, self.order), state, 0)
            _copy_columns(joint[:, BLOCK:], starts.reshape(rows, self.order))
            target = y[:, :whole]
            if target.flags.c_contiguous:
                np.matmul(joint, self._output, out=target.reshape(rows, BLOCK))
            else:
                target[...] = (joint @ self._output).reshape(channels, whole)
        if whole < frames:
            y[:, whole:], state = self._short(x[:, whole:].astype(np.float64), state)
        return y, state.astype(np.float64) @ self._out_of_balanced

    def _short(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fewer than ``BLOCK`` samples: the same maps, cut to ``n``."""
        n = x.shape[1]
        y = x @ self._zero_state[:n, :n] + state @ self._state_out[:, :n]
        # The last n rows of the block's state map weigh sample j by A**(n-1-j) B.
        feed = x @ self._to_state[BLOCK - n :]
        return y, feed + state @ self._powers[n].T

    def _scan(
        self, feed: np.ndarray, start: np.ndarray, level: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Start states of ``n`` steps of ``s' = s @ M.T + feed[k]``, and the state after them.

        ``feed`` is ``(channels, n, order)``; ``M`` is the step matrix of ``level``.
        """
        channels, n, order = feed.shape
        step, within, ends_after, ends_at = self._level(level)
        if n < _LOOP_BELOW:
            starts = np.empty_like(feed)
            s = start
            step_t = step.T
            for k in range(n):  # fewer than 2 * GROUP steps
                starts[:, k] = s
                s = s @ step_t + feed[:, k]
            return starts, s
        groups = -(-n // GROUP)
        get = self._scratch.get
        if n == groups * GROUP:
            padded = feed
        else:
            padded = get(f"padded{level}", (channels, groups * GROUP, order), feed.dtype)
            padded[:, :n] = feed
            padded[:, n:] = 0.0
        # Each group's states as if it started from zero, and the state after the whole group.
        flat = padded.reshape(channels * groups, GROUP * order)
        local = get(f"local{level}", (len(flat), GROUP * order), feed.dtype)
        np.matmul(flat, within, out=local)
        ends = get(f"ends{level}", (len(flat), order), feed.dtype)
        np.matmul(flat, ends_after, out=ends)
        group_starts, end = self._scan(ends.reshape(channels, groups, order), start, level + 1)
        shifted = get(f"shifted{level}", local.shape, feed.dtype)
        np.matmul(group_starts.reshape(-1, order), ends_at, out=shifted)
        local += shifted
        states = local.reshape(channels, groups * GROUP, order)
        if n < groups * GROUP:
            end = states[:, n].copy()
            states = states[:, :n]
        return states, end

    def _level(self, level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The step matrix ``M`` of ``level`` (float64, for the short loop at the top) and the
        maps, in the filter's dtype, that solve ``GROUP`` steps of it."""
        while len(self._levels) <= level:
            step = (
                self._block_step
                if not self._levels
                else np.linalg.matrix_power(self._levels[-1][0], GROUP)
            )
            order = self.order
            powers = [np.eye(order)]
            for _ in range(GROUP):
                powers.append(powers[-1] @ step)
            # within[i-block, j-block] = (M ** (j - 1 - i)).T for i < j <= GROUP: state j of a
            # group that started from zero, as a product of the group's feeds.
            within = np.zeros((GROUP * order, (GROUP + 1) * order))
            for j in range(1, GROUP + 1):  # setup, once per level
                for i in range(j):
                    within[i * order : (i + 1) * order, j * order : (j + 1) * order] = powers[
                        j - 1 - i
                    ].T
            ends_at = np.concatenate([p.T for p in powers[:GROUP]], axis=1)
            self._levels.append(
                (
                    step,
                    np.ascontiguousarray(within[:, : GROUP * order], self.dtype),
                    np.ascontiguousarray(within[:, GROUP * order :], self.dtype),
                    ends_at.astype(self.dtype),
                )
            )
        return self._levels[level]


def _copy_columns(target: np.ndarray, source: np.ndarray) -> None:
    """``target[...] = source`` for ``(rows, k)`` arrays of one dtype whose rows are contiguous.

    numpy copies a 4-wide strided column block one short row at a time, which cost half as much
    as the filter's largest product; viewed as one opaque item per row it is one strided copy.
    """
    item = np.dtype((np.void, source.shape[1] * source.itemsize))
    np.copyto(target.view(item), np.ascontiguousarray(source).view(item))


def _gramian(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``W = A W A.T + b b.T``, solved as one linear system (the order is small)."""
    order = len(a)
    rhs = np.outer(b, b).reshape(-1)
    w: np.ndarray = np.linalg.solve(np.eye(order * order) - np.kron(a, a), rhs)
    return w.reshape(order, order)


def _balancing(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The change of state coordinates ``s = T s'`` that balances the realisation.

    Balanced, the controllability and observability gramians are equal and diagonal (the Hankel
    singular values). A realisation that cannot be balanced (a section that cancels itself, a
    state nothing excites) is kept as it is.
    """
    identity = np.eye(len(a))
    try:
        root = np.linalg.cholesky(_gramian(a, b))
    except np.linalg.LinAlgError:
        return identity
    u, squared, _ = np.linalg.svd(root.T @ _gramian(a.T, c) @ root)
    if not squared.min() > 1e-12 * squared.max():
        return identity
    balance: np.ndarray = root @ u @ np.diag(squared**-0.25)
    return balance


def _state_space(sos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(A, B, C, D)`` of cascaded sections in transposed direct form II.

    Section ``y = b0 x + z1;  z1' = b1 x - a1 y + z2;  z2' = b2 x - a2 y`` has state ``[z1, z2]``;
    a cascade stacks the states, first section first (the layout of ``sosfilt``'s ``zi``).
    """
    order = 2 * len(sos)
    a = np.zeros((order, order))
    b = np.zeros(order)
    c = np.zeros(order)
    d = 1.0
    for i, (b0, b1, b2, a0, a1, a2) in enumerate(sos):
        b0, b1, b2, a1, a2 = b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0
        s = slice(2 * i, 2 * i + 2)
        sec_a = np.array([[-a1, 1.0], [-a2, 0.0]])
        sec_b = np.array([b1 - a1 * b0, b2 - a2 * b0])
        # The section's input is the cascade so far: c @ state + d * x.
        a[s, : 2 * i] = np.outer(sec_b, c[: 2 * i])
        a[s, s] = sec_a
        b[s] = sec_b * d
        c[: 2 * i] *= b0
        c[s] = [1.0, 0.0]
        d *= b0
    return a, b, c, d
