"""Acoustic echo between channels: one channel (the *target*) carrying another's (the *source's*)
voice, some dB down and some milliseconds late.

On a phone line a speakerphone plays the agent's voice into the customer's microphone: the
customer's channel then follows the agent's level contour, ``delay`` later and
``attenuation_db`` lower, and the speech detector takes that for the customer speaking. The
echo is found in the frame levels the detector keeps anyway::

    level (dBFS)
    source   .   .  -20 -14 -17 -12 -22  .   .   .   .   .     frames where the source is active
    target   .   .   .   .   .  -40 -34 -37 -32 -42  .   .     the same contour, lag k = 3 frames
                             |<--- k --->|                     later and 20 dB (the attenuation)
                                                               lower: an echo
    target   .   .   .   .   .  -40 -18 -16 -32 -42  .   .     two frames far above the echo
                                     ^^^^^^^                   predicted (-34, -37): own speech

1. **Delay.** For every ordered pair of channels and every lag ``k`` up to ``max_delay_s``, the
   frame pairs (source active at ``i``, target clear of its noise floor at ``i + k``, the same
   segment) are counted by source level, target level and difference. At the echo's lag the
   differences pile up at one value, the attenuation, far beyond what chance gives: every
   source level against every target level, the two level distributions alone. The lag with
   the largest share of pairs within 3 dB of one difference beyond chance is the delay, refined
   between frames by a parabola through the shares around it.
2. **Attenuation.** At that lag, the median of the differences within 3 dB of where that share
   was found. The target's own speech, louder than the echo, gives smaller differences spread
   over tens of dB, and is left out even where it is the majority. The direction comes from the
   level: in the reverse pair the "echo" would be louder than its source, a negative
   attenuation.
3. **Decision.** Window by window (``window_s``): a window shows the echo when ``min_share`` of
   its pairs or more lie within 3 dB of the attenuation beyond chance. It shows it absent when
   that share is smaller, or when the source was loud enough for the echo to be heard and the
   target stayed at its floor after most such frames (a speakerphone switched off). The echo is
   reported if some window shows it and the attenuation is within the range searched.
4. **Intervals.** The target frames the echo explains: the source was speaking ``delay``
   earlier (at least its *off* threshold) and the target is not more than ``margin_db`` above
   that level minus the attenuation; none in the windows without the echo. Genuine double talk,
   louder than the echo by more than the margin, stays the target's speech.

Why not the correlation of the levels over the lags: the target's own speech, tens of dB above
the echo, swamps the covariance. With own speech in a quarter of the frames, 20 dB above an echo
10 dB down, the correlation was 0.105 at the true lag and 0.125 at 500 ms. Nor the correlation
once the frames far from the echo's level are left out: selecting pairs by their level
difference makes even unrelated levels correlate along the line it draws (0.6 to 0.77 measured
for a television behind the customer). The share beyond chance selects no pair by its
difference: unrelated channels scored at most 0.14 in a window (two people talking over each
other, steady or speech-like sound always on in the target, the same voice replayed), echoes
0.19 (35 dB down in a very reverberant room, under double talk) to 0.8.

Why windows: a speakerphone may be switched on or off during a call, and the target's quiet
speech while the echo is off must not pass for it. An echo must fill about half a window to
be seen there.

The statistics are counts of the detector's levels in hundredths of a dB, which are integers,
exact whatever the order of the sums: given the levels, the result is the same, bit for bit,
for any block size, CPU and BLAS kernel. (The levels themselves come from a float ``log10``; a
frame that lands on the edge of a hundredth may fall on the other side on another CPU, which
moves a count by one.) Frames are paired only within a segment between cuts (a pause, a chunk join): the
audio across a cut was not next to it. Work goes a piece at a time, whatever the recording's
length: the lag scan reads :data:`_SCAN_FRAMES` frames and holds :data:`_SCAN_PAIRS` frame pairs
at a time (under 1 MB: 29 bytes a pair at most), the other passes one window of one or two
channels (3000 frames at the defaults); only the intervals found grow with the length. The lag
scan looks only at the source frames with a target frame clear of its floor within reach (where
the other side does the talking, there is none), and its chance is correlated over the level
bins the counts hold, a few dozen dB of the 200 the bins span.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ..timebase import to_samples
from ._blocks import sample_rate_checked
from ._options import Options
from .frames import SILENT_CENTI_DB, DbHistogram, centi_db_threshold, to_centi_db
from .intervals import empty_intervals, mask_runs

__all__ = ["RANGE_SLACK_DB", "Echo", "EchoOptions", "find_echoes"]

RANGE_SLACK_DB = 3.0
"""An attenuation this far outside ``min_attenuation_db .. max_attenuation_db`` is still taken:
the estimate is good to about a dB, and an echo at the edge of the range should not come and go
with it. Never at zero or below, where source and echo could not be told apart."""

_LOWEST = -10_000  # -100 dBFS in hundredths: below 16-bit quantisation noise, and it keeps
_HIGHEST = 10_000  # every product of two levels below 1e8, so that sums stay exact
_BIN = 10  # histogram bins of the level differences: 0.1 dB
_BAND = 300  # half-width of the band an echo's level differences fill: 3 dB (reverb smears them)
_CLUSTER = 300  # half-width of the band the attenuation's median is taken in: 3 dB
_CLEAR = 600  # a target frame 6 dB above its noise floor holds something: an echo, or speech
_FLOOR_PERCENTILE = 10.0  # the noise floor, when not given: as the speech detector's default
_SCREEN_FRAMES = 30_000  # 5 minutes of 10 ms frames: below, a pair is scanned whole at once
_SCREEN_STRIDE = 4
_SCREEN_SHARE = 0.25  # of min_share: unrelated channels score about 0 over a whole call
_CHECK_FRAMES = 1 << 12  # frames read at a time where no window is needed
_SCAN_BIN = 50  # the lag scan's level bins: 0.5 dB, fine enough to find a peak 6 dB wide
_SCAN_FRAMES = 1 << 14  # source frames the lag scan reads at a time (their levels, not their pairs)
_SCAN_PAIRS = 1 << 15  # frame pairs (frames x lags) the lag scan holds at a time


@dataclass(frozen=True, kw_only=True)
class EchoOptions(Options):
    """How :func:`find_echoes` decides an echo; checked once, when made.

    Attributes
    ----------
    max_delay_s
        The longest delay searched (zero or more): the echo path of a phone line is well under
        half a second.
    min_attenuation_db, max_attenuation_db
        How far below its source an echo may sit, in positive dB; estimates up to
        :data:`RANGE_SLACK_DB` outside are taken, never zero or less. Not below zero, max not
        below min. A copy at nearly the same level is not an echo but the same voice (a mixed
        channel), and which of the two is the source could not be told.
    min_share
        A window shows the echo when this share (0-1) of its pairs, or more, lies within 3 dB
        of the echo's level difference beyond chance (see the module notes: unrelated channels
        measured at most 0.14, echoes 0.19 to 0.8).
    min_source_s
        Seconds of active source frames, paired with target frames clear of its noise floor,
        that a window needs to be judged (zero or more), and that a lag needs to be considered:
        with fewer, a window's share is too uncertain (unrelated channels reached 0.18 over 3 s).
        At zero, one pair is still needed: a window or lag without any says nothing.
    margin_db
        A target frame more than this above the echo level predicted for it is the target's own
        voice (zero or more).
    window_s
        The echo is judged window by window, this long (more than zero): long enough for
        ``min_source_s`` of speech, short enough to follow a speakerphone switched on or off.
    """

    KIND: ClassVar[str] = "echo option"

    max_delay_s: float = 0.5
    min_attenuation_db: float = 10.0
    max_attenuation_db: float = 40.0
    min_share: float = 0.2
    min_source_s: float = 5.0
    margin_db: float = 6.0
    window_s: float = 30.0

    def _check(self) -> None:
        self._zero_or_more("max_delay_s", "min_attenuation_db", "min_source_s", "margin_db")
        self._more_than_zero("window_s")
        self._within("min_share", 0.0, 1.0)
        self._not_below("min_attenuation_db", "max_attenuation_db")


@dataclass(frozen=True)
class Echo:
    """Channel ``target`` carries channel ``source``'s voice.

    Attributes
    ----------
    source, target
        Channel indexes.
    delay
        Samples the echo lags its source: where the level contours line up best (for a
        reverberant echo path a little after the first arrival).
    attenuation_db
        How far below the source the echo sits, positive dB (0.1 dB steps).
    correlation
        Pearson correlation of source and target levels at the delay, in the windows that show
        the echo, over the pairs whose target is clear of its noise floor and not more than
        ``margin_db`` above the echo (own speech left out; each window's, averaged weighted by
        its pairs): how closely the target follows. Descriptive only: leaving pairs out by
        their level difference makes even unrelated levels correlate (0.6 to 0.8), which is
        why the share, not this, decides.
    share
        Of the pairs in the windows that show the echo, the share at the echo's level difference
        beyond chance (what :attr:`EchoOptions.min_share` is compared with).
    intervals
        ``(n, 2)`` int64 ``[start, stop)`` samples of the stream where the target's level is
        explained by the echo: the source was speaking ``delay`` earlier and the target is not
        more than ``margin_db`` above the source's level minus the attenuation; none in a window
        where the echo was absent. Sorted, none across a cut. To remove the echo from the
        target's speech, exclude them before it is decided
        (:meth:`~callrec.dsp.SpeechDetector.exclude`): nothing is then bridged across them, where
        subtracting them from its speech intervals would leave the bridged pauses.
    """

    source: int
    target: int
    delay: int
    attenuation_db: float
    correlation: float
    share: float
    intervals: np.ndarray


class _Window(NamedTuple):
    """Frames ``lo .. hi`` of segment ``segment``, whose frames are ``first .. end``."""

    segment: int
    lo: int
    hi: int
    first: int
    end: int


@dataclass(frozen=True)
class _Grid:
    """Where the frames lie: segment ``s`` holds frames ``firsts[s] .. firsts[s + 1]`` and
    samples ``edges[s] .. edges[s + 1]``."""

    starts: np.ndarray
    frame: int
    firsts: np.ndarray
    edges: np.ndarray

    def windows(self, size: int) -> Iterator[_Window]:
        """Each segment in windows of ``size`` frames from its first (the last one shorter)."""
        bounds = self.firsts.tolist()
        for segment, (first, end) in enumerate(itertools.pairwise(bounds)):
            for lo in range(first, end, size):
                yield _Window(segment, lo, min(lo + size, end), first, end)


class _Limits(NamedTuple):
    """Per channel, in hundredths of a dB: the source active (*on*), the source still speaking
    (*off*), the target clear of its noise floor."""

    on: np.ndarray
    off: np.ndarray
    clear: np.ndarray


@dataclass(frozen=True)
class _Plan:
    """What every pass needs: lags searched, frames per window, least pairs to judge (one at
    least), hop."""

    lags: int
    window: int
    least_pairs: float
    hop: int
    options: EchoOptions


def find_echoes(
    levels: npt.ArrayLike,
    frame_starts: npt.ArrayLike,
    frame: int,
    on_dbfs: npt.ArrayLike,
    *,
    hop: int,
    sample_rate: int,
    off_dbfs: npt.ArrayLike | None = None,
    floor_dbfs: npt.ArrayLike | None = None,
    boundaries: npt.ArrayLike = (),
    length: int | None = None,
    options: EchoOptions | None = None,
) -> tuple[Echo, ...]:
    """Every channel that carries another's voice (see the module notes).

    Parameters
    ----------
    levels
        ``(channels, frames)`` frame levels: int16 hundredths of a dB as
        :meth:`~callrec.dsp.SpeechDetector.frame_levels` keeps them (the type's minimum is
        digital silence), or float dBFS (``-inf`` or NaN: digital silence; rounded to
        hundredths). Not copied: read a window at a time.
    frame_starts
        ``(frames,)`` first sample of each frame, strictly ascending.
    frame, hop
        Frame length and step in samples (a frame ends at a cut if it runs over one).
    on_dbfs, off_dbfs
        ``(channels,)`` speech thresholds: a source frame is active at ``on_dbfs`` and still
        speaking, for the intervals, at ``off_dbfs`` (default ``on_dbfs``).
    sample_rate
        Samples per second.
    floor_dbfs
        ``(channels,)`` noise floors (NaN: all digital silence), as
        :attr:`Activity.noise_floor_dbfs <callrec.dsp.Activity.noise_floor_dbfs>` gives them;
        default: the 10th percentile of each channel's levels. A target frame less than 6 dB
        above its floor holds neither echo nor speech and is left out of the estimates.
    boundaries
        Ascending sample positions where the stream is cut: no frame is paired across one.
    length
        Samples in the stream (default: the end of the last frame).
    options
        :class:`EchoOptions`; the defaults if None.

    Returns
    -------
    tuple of Echo
        Sorted by source, then target; at most one per ordered pair.
    """
    opts = EchoOptions._resolved(options, {})
    if isinstance(hop, bool) or not isinstance(hop, (int, np.integer)) or hop < 1:
        raise UsageError(f"hop must be a whole number of samples, at least one, got {hop!r}")
    rate = sample_rate_checked(sample_rate)
    arr, grid = _checked(levels, frame_starts, frame, boundaries, length)
    limits = _limits(arr, grid, (on_dbfs, off_dbfs, floor_dbfs))
    plan = _Plan(
        lags=to_samples(opts.max_delay_s, rate) // hop + 1,
        window=max(1, to_samples(opts.window_s, rate) // hop),
        # A window or a lag with no pairs says nothing, even when min_source_s is zero.
        least_pairs=max(opts.min_source_s * rate / hop, 1.0),
        hop=int(hop),
        options=opts,
    )
    found = []
    for a, b in itertools.permutations(range(len(arr)), 2):  # a few pairs, each a pass or three
        echo = _pair_echo(arr, grid, (a, b), limits, plan)
        if echo is not None:
            found.append(echo)
    return tuple(found)


def _pair_echo(
    levels: np.ndarray, grid: _Grid, pair: tuple[int, int], limits: _Limits, plan: _Plan
) -> Echo | None:
    """The echo of ``pair[0]`` in ``pair[1]``, or None."""
    (a, b), opts = pair, plan.options
    on, clear = int(limits.on[a]), int(limits.clear[b])
    if levels.shape[1] >= _SCREEN_FRAMES:
        # Most pairs of a call hold no echo: a quarter of the frames shows that at a quarter of
        # the cost. Even a speakerphone on for a fifth of the call scores above the cut-off.
        rough_score, _ = _lag_shares(
            _lag_histograms(levels, grid, pair, (on, clear), plan, _SCREEN_STRIDE), plan
        )
        if not rough_score.max(initial=0.0) >= opts.min_share * _SCREEN_SHARE:
            return None
    score, rough = _lag_shares(_lag_histograms(levels, grid, pair, (on, clear), plan), plan)
    lag = int(np.argmax(score))
    if not score[lag] > 0.0:
        return None  # too little of the source heard against the target, or nothing beyond chance
    at = (lag, on, clear)
    counts = _difference_histogram(_paired(levels, grid, pair, at, plan))
    attenuation = _attenuation(counts, int(rough[lag]))
    if not _within_range(attenuation / 100.0, opts):
        return None
    # Where the source is this loud, the echo would stand the margin clear of the target's floor;
    # own speech is more than the margin above the echo predicted for it.
    margin = round(opts.margin_db * 100)
    echo = (attenuation, clear + attenuation + margin, attenuation - margin)
    shown = _verdicts(_paired(levels, grid, pair, at, plan), echo, plan)
    if shown is None:
        return None  # no window showed it
    share, correlation, absent = shown
    delay = _refined_delay(score, lag, plan.hop)
    spans = _explained(levels, grid, pair, delay, (int(limits.off[a]), echo[2]), plan, absent)
    return Echo(a, b, delay, attenuation / 100.0, correlation, share, spans)


def _checked(
    levels: npt.ArrayLike,
    frame_starts: npt.ArrayLike,
    frame: int,
    boundaries: npt.ArrayLike,
    length: int | None,
) -> tuple[np.ndarray, _Grid]:
    """The levels as given, and the frame grid."""
    arr = np.asarray(levels)
    if arr.ndim != 2 or not (arr.dtype == np.int16 or arr.dtype.kind == "f"):
        raise UsageError(
            f"levels must be (channels, frames) int16 centi-dB or float dB, got {arr.dtype} "
            f"of shape {arr.shape}"
        )
    starts = np.asarray(frame_starts, dtype=np.int64)
    if starts.shape != arr.shape[1:]:
        raise UsageError(f"frame_starts must be ({arr.shape[1]},), got shape {starts.shape}")
    if frame < 1:
        raise UsageError(f"frame must be at least one sample, got {frame!r}")
    for lo in range(0, len(starts), _CHECK_FRAMES):  # a piece at a time: no call-long temporary
        if (np.diff(starts[lo : lo + _CHECK_FRAMES + 1]) <= 0).any():
            raise UsageError("frame_starts must be strictly ascending")
    end = int(starts[-1]) + frame if len(starts) else 0
    end = end if length is None else int(length)
    cuts = np.asarray(boundaries, dtype=np.int64).reshape(-1)
    if (np.diff(cuts) < 0).any():
        raise UsageError(f"boundaries must be ascending, got {cuts.tolist()!r}")
    cuts = cuts[(cuts > 0) & (cuts < end)]
    firsts = np.concatenate([[0], np.searchsorted(starts, cuts), [len(starts)]])
    return arr, _Grid(starts, frame, firsts, np.concatenate([[0], cuts, [end]]))


def _limits(
    levels: np.ndarray,
    grid: _Grid,
    given: tuple[npt.ArrayLike, npt.ArrayLike | None, npt.ArrayLike | None],
) -> _Limits:
    """The thresholds on the centi-dB scale, from ``(on, off, floor)`` dBFS; the noise floors
    estimated if not given."""
    channels = len(levels)
    on_dbfs, off_dbfs, floor_dbfs = given
    found = []
    for name, dbfs in (
        ("on_dbfs", on_dbfs),
        ("off_dbfs", on_dbfs if off_dbfs is None else off_dbfs),
    ):
        values = np.asarray(dbfs, dtype=np.float64)
        if values.shape != (channels,) or not np.isfinite(values).all():
            raise UsageError(f"{name} must be ({channels},) finite dBFS, got {dbfs!r}")
        found.append(np.array([centi_db_threshold(x) for x in values.tolist()], np.int64))
    if floor_dbfs is None:
        floor = _noise_floors(levels, grid)
    else:
        floor = np.asarray(floor_dbfs, dtype=np.float64)
        if floor.shape != (channels,) or np.isinf(floor).any():
            raise UsageError(f"floor_dbfs must be ({channels},) dBFS or NaN, got {floor_dbfs!r}")
    # A channel without a floor is all digital silence: none of its frames is ever clear of it.
    clear = np.where(np.isnan(floor), _HIGHEST + 1, np.rint(np.nan_to_num(floor) * 100) + _CLEAR)
    return _Limits(found[0], found[1], clear.astype(np.int64))


def _noise_floors(levels: np.ndarray, grid: _Grid) -> np.ndarray:
    """``(channels,)`` dBFS: the low percentile of each channel's heard levels (NaN if none), a
    piece at a time into a bounded histogram, as the speech detector estimates it."""
    counts = DbHistogram.empty(len(levels))
    for window in grid.windows(_CHECK_FRAMES):
        centi, heard = _read(levels, slice(None), window.lo, window.hi, window.first, window.end)
        counts.add(np.where(heard, centi / 100.0, -np.inf))
    floor: np.ndarray = counts.percentile(_FLOOR_PERCENTILE)
    return floor


def _read(
    levels: np.ndarray, rows: slice, lo: int, hi: int, first: int, end: int
) -> tuple[np.ndarray, np.ndarray]:
    """Frames ``lo .. hi`` of ``levels[rows]`` as int16 hundredths of a dB within +-100 dB (0
    where unheard) and whether each is heard; digital silence and the frames outside the
    segment ``first .. end`` are unheard, which is how no pair reaches across a cut. A difference
    of two levels needs more than 16 bits: callers widen the type first."""
    at, upto = max(lo, first), min(hi, end)
    part = levels[rows, at : max(at, upto)]
    # A float level that is not a number says nothing: digital silence, like -inf.
    centi = part if part.dtype == np.int16 else to_centi_db(np.where(np.isnan(part), -np.inf, part))
    heard = np.zeros((len(centi), hi - lo), bool)
    values = np.zeros((len(centi), hi - lo), np.int16)
    inside = slice(at - lo, at - lo + centi.shape[1])
    heard[:, inside] = centi != SILENT_CENTI_DB
    values[:, inside] = np.clip(centi, _LOWEST, _HIGHEST)
    values *= heard
    return values, heard


def _at_least(values: np.ndarray, threshold: int) -> np.ndarray:
    """``values >= threshold`` for levels within +-100 dB, the threshold brought into int16's
    range first (any threshold beyond the levels' range gives the same answer there)."""
    return np.asarray(values >= min(max(threshold, _LOWEST), _HIGHEST + 1))


def _lag_histograms(
    levels: np.ndarray,
    grid: _Grid,
    pair: tuple[int, int],
    thresholds: tuple[int, int],
    plan: _Plan,
    stride: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per lag, counts of the source levels, the target levels and their differences over the
    frame pairs (the source active at ``i``, the target clear of its noise floor at ``i + lag``,
    one segment), in :data:`_SCAN_BIN` steps: ``(lags, levels)``, ``(lags, levels)``,
    ``(lags, 2 * levels - 1)`` int64. With ``stride``, every ``stride``-th source frame only.

    :data:`_SCAN_FRAMES` source frames at a time, and of their pairs no more than
    :data:`_SCAN_PAIRS` at a time: bounded whatever the length and the lags. ``thresholds``:
    the source's *on*, the target's clear level.
    """
    (a, b), (on, clear), lags = pair, thresholds, plan.lags
    span = (_HIGHEST - _LOWEST) // _SCAN_BIN + 1
    counts = (
        np.zeros((lags, span), np.int64),
        np.zeros((lags, span), np.int64),
        np.zeros((lags, 2 * span - 1), np.int64),
    )
    for _, lo, hi, first, end in grid.windows(_SCAN_FRAMES):
        active, s_bin = _scan_bins(levels, a, (lo, hi, first, end), on)
        if stride > 1:  # the frames lo + i that are multiples of the stride
            every = np.zeros(hi - lo, bool)
            every[-lo % stride :: stride] = True
            active &= every
        if not active.any():
            continue
        # Source frame lo + i pairs with target frames lo + i .. lo + i + lags - 1.
        kept, t_bin = _scan_bins(levels, b, (lo, hi + lags - 1, first, end), clear)
        # A source frame without a kept target frame within reach is counted nowhere: most of
        # them, where the other side does the talking.
        active &= _any_within(kept, lags)
        if active.any():
            _count_pairs(counts, (active, s_bin), (kept, t_bin), lags)
    return counts


def _scan_bins(
    levels: np.ndarray, row: int, frames: tuple[int, int, int, int], threshold: int
) -> tuple[np.ndarray, np.ndarray]:
    """Frames ``lo .. hi`` of channel ``row`` (segment ``first .. end``; ``frames`` in that
    order): whether each is heard and at least ``threshold``, and its bin of the lag scan
    (int16, :data:`_SCAN_BIN` steps from :data:`_LOWEST`)."""
    values, heard = _read(levels, slice(row, row + 1), *frames)
    # Within +-100 dB, so 0 .. 20000 after the shift: int16 holds it.
    return heard[0] & _at_least(values[0], threshold), (values[0] - _LOWEST) // _SCAN_BIN


def _any_within(mask: np.ndarray, width: int) -> np.ndarray:
    """For each ``i`` up to ``len(mask) - width``, whether ``mask[i : i + width]`` holds a True:
    a difference of running counts (int32: a piece is far shorter than 2**31 frames)."""
    running = np.zeros(len(mask) + 1, np.int32)
    np.cumsum(mask, out=running[1:])
    return np.asarray(running[width:] > running[:-width])


def _band(values: np.ndarray, width: int) -> np.ndarray:
    """Row ``i``: ``values[i : i + width]``, a read-only view of the 1-d array. Made by the
    ndarray constructor on the array's own buffer, with no wrapper object in between: it goes
    with its last reference, the garbage collector not needed."""
    values = np.ascontiguousarray(values)
    step = values.strides[0]
    shape = (len(values) - width + 1, width)
    band: np.ndarray = np.ndarray(shape, values.dtype, values, 0, (step, step))
    band.flags.writeable = False
    return band


def _count_pairs(
    counts: tuple[np.ndarray, np.ndarray, np.ndarray],
    source: tuple[np.ndarray, np.ndarray],
    target: tuple[np.ndarray, np.ndarray],
    lags: int,
) -> None:
    """Adds one piece's pairs to ``counts`` (see :func:`_lag_histograms`). ``source``: the
    active frames and their bins; ``target``: the kept frames (clear of the floor) and their
    bins, ``lags - 1`` frames more.

    Row ``i`` of the pair matrix holds whether source frame ``i``'s targets at lags
    ``0 .. lags - 1`` are kept, :data:`_SCAN_PAIRS` pairs at a time, the rows in order of their
    source bin: the source counts are sums of the rows of each bin. The target levels and the
    differences are counted over the kept pairs, in the columns this piece can reach only.
    """
    s_counts, t_counts, d_counts = counts
    (active, s_bin), (kept, t_bin) = source, target
    span = s_counts.shape[1]
    kept_at, t_at = _band(kept, lags), _band(t_bin, lags)
    rows = np.flatnonzero(active)
    rows = rows[np.argsort(s_bin[rows], kind="stable")]
    t_low, t_high = int(t_bin[kept].min()), int(t_bin[kept].max())
    step = max(1, _SCAN_PAIRS // lags)
    for these in (rows[at : at + step] for at in range(0, len(rows), step)):
        keep = kept_at[these]
        bins, sums = _row_sums(keep, s_bin[these])
        s_counts[:, bins] += sums.T
        pairs = np.flatnonzero(keep)
        t_these = t_at[these]
        _add_counts(t_counts, t_these - t_low, (t_low, t_high - t_low + 1), pairs)
        # These rows' source bins are s_bin[these[0]] .. s_bin[these[-1]] (in order): their
        # differences lie from low on, and no further than width.
        low = int(s_bin[these[0]]) - t_high
        width = int(s_bin[these[-1]]) - t_low - low + 1
        differences = (s_bin[these] - low)[:, np.newaxis] - t_these
        _add_counts(d_counts, differences, (low + span - 1, width), pairs)


def _add_counts(
    counts: np.ndarray, values: np.ndarray, columns: tuple[int, int], pairs: np.ndarray
) -> None:
    """Adds to ``counts[lag, first + value]`` one for each of the ``pairs`` (flat positions) of
    ``values`` (int16, frames x lags; at the pairs ``0 .. width - 1``): a count of
    ``lag * width + value``. ``columns``: ``first`` and ``width``."""
    lags, (first, width) = values.shape[1], columns
    # Only the pairs' indexes must be right (the rest are dropped): below lags * width.
    index_type = np.int32 if lags * width < 2**31 else np.int64
    index = values.astype(index_type)
    index += np.arange(lags, dtype=index_type) * width
    found = np.bincount(index.ravel().take(pairs), minlength=lags * width)
    counts[:, first : first + width] += found.reshape(lags, width)


def _row_sums(matrix: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` (sorted) and, for each, the int64 sum of the rows of ``matrix``
    that have it."""
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return keys[starts], np.add.reduceat(matrix, starts, axis=0, dtype=np.int64)


def _lag_shares(
    counts: tuple[np.ndarray, np.ndarray, np.ndarray], plan: _Plan
) -> tuple[np.ndarray, np.ndarray]:
    """Per lag, the share of the pairs at one level difference beyond chance, and that
    difference (centi-dB): the most pairs within :data:`_BAND` of it, less as many as the two
    level distributions alone would put there (see :func:`_beyond_chance`). Zero for a lag with
    fewer than ``least_pairs`` pairs.

    This finds the delay where the correlation of the levels over the lags does not: the
    target's own speech, tens of dB above the echo, swamps the covariance (0.105 at the delay,
    0.125 at 500 ms, with own speech in a quarter of the frames 20 dB above the echo).
    """
    s_counts, t_counts, d_counts = counts
    lags, span = s_counts.shape
    pairs = s_counts.sum(axis=1)
    score, rough = np.zeros(lags), np.zeros(lags, np.int64)
    judged = np.flatnonzero(pairs >= plan.least_pairs)
    if not len(judged):
        return score, rough
    n, reach = pairs[judged], _BAND // _SCAN_BIN
    first, chance = _chance(s_counts[judged], t_counts[judged])
    observed = d_counts[judged]
    # Levels fill a few dozen dB of the 200 the differences span: the excess is zero but within
    # reach of a column either count holds, and is worked out there only.
    held = np.flatnonzero(observed.any(axis=0)).tolist()
    held += [first, first + chance.shape[1] - 1] if chance.shape[1] else []
    low = max(min(held, default=0) - reach, 0)
    high = min(max(held, default=0) + reach + 1, observed.shape[1])
    placed = np.zeros((len(judged), high - low), np.int64)
    placed[:, first - low : first - low + chance.shape[1]] = chance
    # Exact integers, times the pairs: each sum is at most pairs**2 (about 2e12 for the 1.5
    # million frames of four hours), far inside int64.
    excess = _box_sums(observed[:, low:high], reach) * n[:, np.newaxis]
    excess -= _box_sums(placed, reach)
    best, most = _first_max(excess, low, observed.shape[1])
    # The one division: every judged lag has at least one pair (see _Plan.least_pairs).
    score[judged] = most / n**2
    rough[judged] = (best - (span - 1)) * _SCAN_BIN
    return score, rough


def _first_max(part: np.ndarray, low: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, where the first maximum lies and its value, as ``np.argmax`` finds it in the
    whole row of ``width`` columns: ``part`` is columns ``low ..``, every other column zero."""
    best = np.argmax(part, axis=1)
    most = part[np.arange(len(part)), best]
    best += low
    if low == 0 and part.shape[1] == width:
        return best, most
    # The first of the zero columns: column 0, or the one after the part if that starts at 0.
    zero = 0 if low > 0 else low + part.shape[1]
    outside = (most < 0) | ((most == 0) & (zero < best))
    return np.where(outside, zero, best), np.where(outside, 0, most)


def _chance(s_counts: np.ndarray, t_counts: np.ndarray) -> tuple[int, np.ndarray]:
    """Per row, every source level beside every target level, each difference counted: of
    ``np.correlate(s, t, "full")`` (column ``d + levels - 1`` for ``source - target = d``
    bins), the first column that can be nonzero and the int64 columns from there on that can.

    Only the bins some row holds are correlated: levels fill a few dozen dB of the 200 the
    bins span. Integers: exact in any order."""
    rows, span = s_counts.shape
    s_held, t_held = np.flatnonzero(s_counts.any(axis=0)), np.flatnonzero(t_counts.any(axis=0))
    if not len(s_held) or not len(t_held):
        return 0, np.zeros((rows, 0), np.int64)
    (s_low, s_high), (t_low, t_high) = s_held[[0, -1]].tolist(), t_held[[0, -1]].tolist()
    chance = np.zeros((rows, (s_high - s_low) + (t_high - t_low) + 1), np.int64)
    for row in range(rows):  # a few dozen lags, each a few thousand products
        s, t = s_counts[row, s_low : s_high + 1], t_counts[row, t_low : t_high + 1]
        chance[row] = np.correlate(s, t, "full")
    # The first column: source bin s_low against target bin t_high.
    return s_low - t_high + span - 1, chance


def _box_sums(counts: np.ndarray, reach: int) -> np.ndarray:
    """Per row, the sum of each column and ``reach`` columns either side (as many as there
    are): ``np.convolve(row, np.ones(2 * reach + 1), "same")`` as a difference of running sums,
    exact in int64."""
    width = counts.shape[1]
    # Columns down the rows (cumsum adds whole rows at a time), between reach + 1 zeros and
    # reach zeros: column m's sum is the running sum to m + 2 * reach + 1 less the one to m.
    running = np.zeros((width + 2 * reach + 1, len(counts)), np.int64)
    running[reach + 1 : reach + 1 + width] = counts.T
    np.cumsum(running, axis=0, out=running)
    sums: np.ndarray = (running[2 * reach + 1 :] - running[:width]).T
    return sums


def _correlation(sums: np.ndarray) -> np.ndarray:
    """Pearson correlation from ``(6, ...)`` sums (see :func:`_lag_sums`); 0 where either
    side does not vary. The moments are formed in exact integers (Python's), then divided."""
    n, s, ss, t, tt, st = (part.astype(np.int64).astype(object) for part in sums)
    cov, var_s, var_t = n * st - s * t, n * ss - s * s, n * tt - t * t
    spread = np.sqrt(np.asarray(var_s, np.float64)) * np.sqrt(np.asarray(var_t, np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.asarray(cov, np.float64) / spread
    out: np.ndarray = np.where(spread > 0, r, 0.0)
    return out


def _paired(
    levels: np.ndarray, grid: _Grid, pair: tuple[int, int], at: tuple[int, int, int], plan: _Plan
) -> Iterator[tuple[_Window, np.ndarray, np.ndarray, np.ndarray]]:
    """Window by window, the centi-dB levels of the frames where the source is active and of
    the target frames a lag later in the same segment, and whether each of these is clear of
    the target's noise floor (heard, and at least its clear level). ``at``: the lag, the
    source's *on* threshold, the target's clear level."""
    (a, b), (lag, on, clear) = pair, at
    for window in grid.windows(plan.window):
        _, lo, hi, first, end = window
        s, s_heard = _read(levels, slice(a, a + 1), lo, hi, first, end)
        t, t_heard = _read(levels, slice(b, b + 1), lo + lag, hi + lag, first, end)
        active = s_heard[0] & _at_least(s[0], on)
        clear_t = t_heard[0] & _at_least(t[0], clear)
        # int64: differences and products of two levels need more than 16 bits.
        yield window, s[0, active].astype(np.int64), t[0, active].astype(np.int64), clear_t[active]


def _difference_histogram(
    pairs: Iterator[tuple[_Window, np.ndarray, np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Counts of ``source - target`` over the pairs whose target is clear of its floor, in
    :data:`_BIN` steps from -200 dB (both levels are within +-100 dB): bounded whatever the
    length."""
    bins = 2 * (_HIGHEST - _LOWEST) // _BIN + 1
    counts = np.zeros(bins, np.int64)
    for _, s, t, clear in pairs:
        index = ((s[clear] - t[clear] - (_LOWEST - _HIGHEST)) // _BIN).astype(np.intp)
        counts += np.bincount(index, minlength=bins)
    return counts


def _attenuation(counts: np.ndarray, around: int) -> int:
    """The echo's ``source - target`` in hundredths of a dB: the median of the differences
    within :data:`_CLUSTER` of ``around`` (where the lag scan found the most beyond chance),
    which leaves out the target's own speech (smaller differences, spread over tens of dB)."""
    centre = (around - (_LOWEST - _HIGHEST)) // _BIN
    reach = _CLUSTER // _BIN
    low = max(centre - reach, 0)
    cumulative = np.cumsum(counts[low : centre + reach + 1])
    if not cumulative[-1]:
        return around
    median = low + int(np.searchsorted(cumulative, (cumulative[-1] + 1) // 2))
    return median * _BIN + _BIN // 2 + (_LOWEST - _HIGHEST)


def _within_range(attenuation_db: float, opts: EchoOptions) -> bool:
    low = opts.min_attenuation_db - RANGE_SLACK_DB
    high = opts.max_attenuation_db + RANGE_SLACK_DB
    return attenuation_db > 0.0 and low <= attenuation_db <= high


def _verdicts(
    pairs: Iterator[tuple[_Window, np.ndarray, np.ndarray, np.ndarray]],
    echo: tuple[int, int, int],
    plan: _Plan,
) -> tuple[float, float, list[_Window]] | None:
    """The share of the pairs at the echo's level difference beyond chance (see
    :func:`_beyond_chance`) in the windows that show the echo, the correlation of the levels
    there (each window's, own speech left out, averaged weighted by the pairs), and the windows
    without the echo.

    ``echo``: the attenuation, the least source level at which the echo would stand the margin
    clear of the target's floor, the least ``source - target`` that is not own speech. A window
    is without the echo (a speakerphone may be
    off for a while), and none of its frames is explained (:func:`_explained`), if

    - at least ``least_pairs`` of its source frames are that loud and the target is at its floor
      after most of them: the echo would have been heard, and is not; or
    - it has ``least_pairs`` pairs with the target clear of its floor, and fewer than
      ``min_share`` of them beyond chance at the echo's level difference.

    A window with fewer pairs says nothing. None if no window shows the echo.
    """
    attenuation, audible, least = echo
    beyond, counted, correlated, weight, absent = 0.0, 0, 0.0, 0, []
    for window, s, t, clear in pairs:
        loud = s >= audible
        heard, missing = np.count_nonzero(loud & clear), np.count_nonzero(loud & ~clear)
        if heard + missing >= plan.least_pairs and missing > heard:
            absent.append(window)
            continue
        s, t = s[clear], t[clear]
        if len(s) < plan.least_pairs:
            continue
        excess = _beyond_chance(s, t, attenuation)
        if excess < plan.options.min_share * len(s):
            absent.append(window)
            continue
        beyond, counted = beyond + excess, counted + len(s)
        echoed = s - t >= least
        s, t = s[echoed], t[echoed]
        # int64: exact whatever the window's length (each product is at most 1e8).
        sums = np.array([len(s), s.sum(), (s * s).sum(), t.sum(), (t * t).sum(), (s * t).sum()])
        correlated += len(s) * float(_correlation(sums))
        weight += len(s)
    if not counted:
        return None
    return beyond / counted, correlated / max(weight, 1), absent


def _beyond_chance(s: np.ndarray, t: np.ndarray, attenuation: int) -> float:
    """How many more pairs lie within :data:`_BAND` of ``source - target = attenuation``
    than the two level distributions alone would put there.

    By chance, pair ``i`` lands there as often as a target level drawn from all of the pairs'
    does: ``count_j(|s_i - t_j - attenuation| <= w) / n``. An echo puts most of its frames
    there, however much own speech or noise surrounds it; unrelated levels only as many as
    chance, whatever their distributions (steady noise beside steady tones). No pair is
    selected by its level difference, which would make even unrelated levels correlate along
    the line the selection draws.
    """
    observed = np.count_nonzero(np.abs(s - t - attenuation) <= _BAND)
    ordered = np.sort(t)
    low = np.searchsorted(ordered, s - attenuation - _BAND, side="left")
    high = np.searchsorted(ordered, s - attenuation + _BAND, side="right")
    # Exact integers until the one division.
    return (int(observed) * len(s) - int((high - low).sum())) / len(s)


def _refined_delay(score: np.ndarray, lag: int, hop: int) -> int:
    """The delay in samples: the best lag moved by at most half a hop towards the better
    neighbour, where a parabola through the three scores peaks."""
    offset = 0.0
    if 0 < lag < len(score) - 1:
        before, peak, after = (float(x) for x in score[lag - 1 : lag + 2])
        bend = before - 2.0 * peak + after
        if bend < 0.0:  # a peak: |offset| <= 1/2, since it is the largest of the three
            offset = 0.5 * (before - after) / bend
    return max(0, round((lag + offset) * hop))


def _explained(
    levels: np.ndarray,
    grid: _Grid,
    pair: tuple[int, int],
    delay: int,
    thresholds: tuple[int, int],
    plan: _Plan,
    absent: list[_Window],
) -> np.ndarray:
    """``(n, 2)`` samples of the target frames the echo explains (see :class:`Echo`), outside
    the windows where it is ``absent``.

    The echo frame overlaps two source frames when the delay is not a whole number of hops (the
    nearer and the farther back): the louder of them is the level predicted. ``thresholds``:
    the source's *off* threshold and the least ``source - target`` of an echo (centi-dB).
    """
    (a, b), (off, least) = pair, thresholds
    lags = (delay // plan.hop, -(-delay // plan.hop))
    skip = {window.lo for window in absent}
    found = [empty_intervals()]
    for window in grid.windows(plan.window):
        segment, lo, hi, first, end = window
        if lo in skip:
            continue
        predicted = np.full(hi - lo, -np.inf)
        for lag in lags:
            s, s_heard = _read(levels, slice(a, a + 1), lo - lag, hi - lag, first, end)
            predicted = np.maximum(predicted, np.where(s_heard[0], s[0], -np.inf))
        t, t_heard = _read(levels, slice(b, b + 1), lo, hi, first, end)
        # Digital silence in the target is explained too: nothing there to keep.
        explained = (predicted >= off) & (~t_heard[0] | (predicted - t[0] >= least))
        (runs,) = mask_runs(explained[:, np.newaxis])
        runs += lo
        stops = np.minimum(grid.starts[runs[:, 1] - 1] + grid.frame, grid.edges[segment + 1])
        found.append(np.stack([grid.starts[runs[:, 0]], stops], axis=1))
    return _joined(np.concatenate(found), grid.edges[1:-1])


def _joined(intervals: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Sorted sample intervals with the overlapping and touching ones merged, except where they
    touch at a cut (intervals end at a cut, as speech does)."""
    if len(intervals) < 2:
        return intervals
    starts, stops = intervals[1:, 0], intervals[:-1, 1]
    apart = (starts > stops) | ((starts == stops) & np.isin(starts, cuts))
    first = np.concatenate([[True], apart])
    last = np.concatenate([apart, [True]])
    # Frames of one length, sorted by start, end in order too: a group's last stop is its end.
    return np.stack([intervals[first, 0], intervals[last, 1]], axis=1)
