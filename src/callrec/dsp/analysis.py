"""One pass, every feature: feed blocks once, get levels, loudness, speech activity, DTMF and
echo between channels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ..timebase import to_samples
from ._blocks import (
    Accumulator,
    Regrid,
    as_frames,
    check_like_earlier,
    grid_frames,
    sample_rate_checked,
    split_at,
)
from ._threads import one_blas_thread
from .activity import Activity, ActivityOptions, SpeechDetector
from .dtmf import KEY_GUARD_S, DtmfDetector, DtmfOptions, DtmfTones
from .echo import Echo, EchoOptions
from .intervals import empty_intervals, intersect, pad, subtract, total_length, union
from .level_meter import LevelMeter, Levels
from .loudness_meter import Loudness, LoudnessMeter

__all__ = ["FEATURES", "Analysis", "Analyzer"]

FEATURES = ("levels", "loudness", "activity", "dtmf", "echo")
DEFAULT_FEATURES = ("levels", "loudness", "activity")


@dataclass(frozen=True)
class Analysis:
    """What :class:`Analyzer` measured; features that were not asked for are ``None``."""

    sample_rate: int
    frames: int
    channels: int
    levels: Levels | None = None
    loudness: Loudness | None = None
    activity: Activity | None = None
    dtmf: tuple[DtmfTones, ...] | None = None
    echo: tuple[Echo, ...] | None = None
    echo_removed: np.ndarray | None = None
    """Per echo of ``echo``, the samples of its target's speech it took (no longer in
    ``activity``); ``None`` when no echo was found."""

    def channel(self, c: int) -> Analysis:
        """The figures of channel ``c`` alone, as if it had been measured by itself.

        Echoes are dropped (``echo`` is None): each is about a pair of channels, which one
        channel cannot hold. Take them, and the intervals they explain in channel ``c``, from
        the whole analysis.
        """
        if not 0 <= c < self.channels:
            raise UsageError(f"channel {c} does not exist; there are {self.channels}")
        keep = slice(c, c + 1)
        levels = loud = activity = None
        if self.levels is not None:
            levels = replace(
                self.levels, **{f.name: getattr(self.levels, f.name)[keep] for f in fields(Levels)}
            )
        if self.loudness is not None:
            whole = self.loudness
            loud = replace(
                whole,
                step_power=whole.step_power[:, keep],
                integrated_lufs=whole.integrated_lufs[keep],
                range_lu=whole.range_lu[keep],
                programme_lufs=float(whole.integrated_lufs[c]),
                programme_range_lu=float(whole.range_lu[c]),
            )
        if self.activity is not None:
            found = self.activity
            activity = replace(
                found,
                intervals=(found.intervals[c],),
                noise_floor_dbfs=found.noise_floor_dbfs[keep],
                on_dbfs=found.on_dbfs[keep],
                off_dbfs=found.off_dbfs[keep],
            )
        return Analysis(
            sample_rate=self.sample_rate,
            frames=self.frames,
            channels=1,
            levels=levels,
            loudness=loud,
            activity=activity,
            dtmf=None if self.dtmf is None else (self.dtmf[c],),
        )


class Analyzer:
    """Feeds each block to the accumulators of the chosen features.

    Parameters
    ----------
    sample_rate
        Samples per second.
    features
        Any of ``levels``, ``loudness``, ``activity``, ``dtmf``, ``echo``; the first three by
        default. With both ``activity`` and ``dtmf``, keys are never speech: each key found on a
        channel, widened by :data:`~callrec.dsp.dtmf.KEY_GUARD_S` for its onset and decay, is
        excluded from that channel's speech (:meth:`SpeechDetector.exclude`). ``echo`` needs
        ``activity``: it reads the frame levels and thresholds of the speech detector
        (:meth:`SpeechDetector.echoes`), after the pass; what each echo explains is then never
        its target's speech: speech is decided again with it kept out
        (:meth:`SpeechDetector.redecided`), and ``Analysis.echo_removed`` says how much each
        echo took.
    activity, dtmf, echo
        Options of :class:`SpeechDetector`, :class:`DtmfDetector` and
        :func:`~callrec.dsp.find_echoes` (:class:`ActivityOptions`, :class:`DtmfOptions`,
        :class:`EchoOptions`); the defaults if None.
    """

    def __init__(
        self,
        sample_rate: int,
        *,
        features: Iterable[str] = DEFAULT_FEATURES,
        activity: ActivityOptions | None = None,
        dtmf: DtmfOptions | None = None,
        echo: EchoOptions | None = None,
    ) -> None:
        rate = sample_rate_checked(sample_rate)  # once: the parts take it as checked
        self.sample_rate = int(rate)
        chosen = list(dict.fromkeys(features))
        unknown = [f for f in chosen if f not in FEATURES]
        if unknown:
            raise UsageError(f"unknown feature(s) {unknown}; expected any of {list(FEATURES)}")
        if "echo" in chosen and "activity" not in chosen:
            raise UsageError(
                "feature 'echo' needs 'activity': it reads the speech detector's levels"
            )
        # Checked now, like the detectors' options, rather than after a pass over the audio.
        self._echo = EchoOptions._resolved(echo, {}) if "echo" in chosen else None
        makers: dict[str, Callable[[], Accumulator[Any]]] = {
            "levels": lambda: LevelMeter(rate),
            "loudness": lambda: LoudnessMeter(rate),
            "activity": lambda: SpeechDetector(rate, activity),
            "dtmf": lambda: DtmfDetector(rate, dtmf),
        }
        self._parts = {name: makers[name]() for name in chosen if name != "echo"}
        meter, detector = self._parts.get("levels"), self._parts.get("activity")
        if isinstance(meter, LevelMeter) and isinstance(detector, SpeechDetector):
            meter.share_frame_levels(detector)
        parts = list(self._parts.values())
        if parts:
            parts[0].share_rows(parts[1:])
        self._frames = 0
        self._cuts: list[int] = []
        self._channels: int | None = None
        self._dtype: np.dtype | None = None
        # Cut into grid blocks here, once for all the parts: each part would otherwise hold and
        # join the frames short of a grid block itself (see _blocks.Accumulator).
        self._regrid = Regrid(1)
        self._done = False

    def update(self, block: npt.ArrayLike) -> None:
        arr = as_frames(block, name="block")
        if self._done:
            raise UsageError("Analyzer.update() called after result()")
        if self._channels is None:
            self._channels, self._dtype = arr.shape[1], arr.dtype
            self._regrid = Regrid(grid_frames(arr.shape[1]))
            self._give(arr[:0])  # the parts learn the channels and the sample type now
        else:
            check_like_earlier(arr, self._channels, self._dtype)
        self._frames += len(arr)
        for whole in self._regrid.blocks(arr):
            self._give(whole)

    def _give(self, arr: np.ndarray) -> None:
        with one_blas_thread():  # once for all the parts
            for part in self._parts.values():
                part.update(arr)

    def _give_rest(self) -> None:
        """The frames held short of a grid block, to the parts: they must have every frame fed
        before they are cut or asked for a result."""
        rest = self._regrid.rest()
        if rest is not None:
            self._give(rest)

    def cut(self) -> None:
        """The audio is not continuous after the samples fed so far (a pause, a gap between
        chunks, a chunk join): speech activity restarts here (:meth:`SpeechDetector.cut`), and so
        do the noise floor's frames and DTMF's frames and keys (:meth:`DtmfDetector.cut`).
        Loudness runs on over it."""
        if self._frames > 0 and (not self._cuts or self._cuts[-1] != self._frames):
            self._cuts.append(self._frames)  # a key's margin stops here (see result)
        self._give_rest()
        for part in self._parts.values():
            if isinstance(part, (SpeechDetector, LevelMeter, DtmfDetector)):
                part.cut()

    def result(self) -> Analysis:
        if self._channels is None:
            raise UsageError("Analyzer.result() needs at least one block")
        self._give_rest()
        self._done = True
        keys, detector = self._parts.get("dtmf"), self._parts.get("activity")
        held: list[np.ndarray] = []
        if isinstance(keys, DtmfDetector) and isinstance(detector, SpeechDetector):
            guard = to_samples(KEY_GUARD_S, self.sample_rate)
            # A key passes for speech: taken out before speech is decided, so that the speech
            # beside it ends where the voice does (never bridged across it). Its margin stops at
            # a cut: the audio beyond was not next to it.
            held = [pad(t.intervals, guard, self._frames, cuts=self._cuts) for t in keys.result()]
            detector.exclude(held)
        results = {name: part.result() for name, part in self._parts.items()}
        if self._echo is not None and isinstance(detector, SpeechDetector):
            echoes = detector.echoes(self._echo)
            results["echo"] = echoes
            if echoes:
                results["activity"], results["echo_removed"] = _without_echo(
                    detector, results["activity"], echoes, held
                )
        return Analysis(
            sample_rate=self.sample_rate, frames=self._frames, channels=self._channels, **results
        )


def _without_echo(
    detector: SpeechDetector, heard: Activity, echoes: tuple[Echo, ...], held: list[np.ndarray]
) -> tuple[Activity, np.ndarray]:
    """Speech decided again with what each channel's echoes explain kept out, as keys are (never
    speech, nothing bridged across it), and the speech samples each echo took from its target.

    Double talk stays speech: the echo explains a frame only where the channel is not louder
    than the echo would make it (:class:`EchoOptions` ``margin_db``). Speech lost where two
    echoes of one target overlap counts for the first; speech lost beside an echo (what the
    detector had bridged across it) for the echo that explains most of the target.
    """
    channels = len(heard.intervals)
    spans = [held[c] if held else empty_intervals() for c in range(channels)]
    for echo in echoes:
        spans[echo.target] = union([spans[echo.target], echo.intervals])
    own = detector.redecided(spans)
    removed = np.zeros(len(echoes), np.int64)
    for target in {echo.target for echo in echoes}:
        lost = subtract(heard.intervals[target], own.intervals[target])
        mine = [i for i, echo in enumerate(echoes) if echo.target == target]
        for i in mine:
            removed[i] = total_length(intersect(lost, echoes[i].intervals))
            lost = subtract(lost, echoes[i].intervals)
        largest = max(mine, key=lambda i: total_length(echoes[i].intervals))
        removed[largest] += total_length(lost)
    return own, removed


def analyze(
    x: npt.ArrayLike,
    sample_rate: int,
    *,
    features: Iterable[str] = DEFAULT_FEATURES,
    boundaries: npt.ArrayLike = (),
) -> Analysis:
    """Every chosen feature of a whole array (see :class:`Analyzer`), cut at ``boundaries``
    (ascending sample positions, see :meth:`Analyzer.cut`)."""
    analyzer = Analyzer(sample_rate, features=features)
    for i, segment in enumerate(split_at(as_frames(x), boundaries)):
        if i:
            analyzer.cut()
        analyzer.update(segment)
    return analyzer.result()
