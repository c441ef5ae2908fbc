"""One pass, every feature: feed blocks once, get levels, loudness, speech activity and DTMF."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import UsageError
from ._blocks import Accumulator, as_frames, sample_rate_checked
from .activity import Activity, SpeechDetector
from .dtmf import DtmfDetector, DtmfTones
from .levels import LevelMeter, Levels
from .loudness import Loudness, LoudnessMeter

__all__ = ["FEATURES", "Analysis", "Analyzer"]

FEATURES = ("levels", "loudness", "activity", "dtmf")
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


class Analyzer:
    """Feeds each block to the accumulators of the chosen features.

    Parameters
    ----------
    sample_rate
        Samples per second.
    features
        Any of ``levels``, ``loudness``, ``activity``, ``dtmf``; the first three by default.
    activity, dtmf
        Keyword options for :class:`SpeechDetector` and :class:`DtmfDetector`.
    """

    def __init__(
        self,
        sample_rate: int,
        *,
        features: Iterable[str] = DEFAULT_FEATURES,
        activity: dict[str, Any] | None = None,
        dtmf: dict[str, Any] | None = None,
    ) -> None:
        self.sample_rate = sample_rate_checked(sample_rate)
        chosen = list(dict.fromkeys(features))
        unknown = [f for f in chosen if f not in FEATURES]
        if unknown:
            raise UsageError(f"unknown feature(s) {unknown}; expected any of {list(FEATURES)}")
        rate = self.sample_rate
        makers: dict[str, Callable[[], Accumulator[Any]]] = {
            "levels": lambda: LevelMeter(rate),
            "loudness": lambda: LoudnessMeter(rate),
            "activity": lambda: SpeechDetector(rate, **(activity or {})),
            "dtmf": lambda: DtmfDetector(rate, **(dtmf or {})),
        }
        self._parts = {name: makers[name]() for name in chosen}
        self._frames = 0
        self._channels: int | None = None

    def update(self, block: npt.ArrayLike) -> None:
        arr = as_frames(block, name="block")
        self._channels = arr.shape[1] if self._channels is None else self._channels
        self._frames += len(arr)
        for part in self._parts.values():
            part.update(arr)

    def result(self) -> Analysis:
        if self._channels is None:
            raise UsageError("Analyzer.result() needs at least one block")
        results = {name: part.result() for name, part in self._parts.items()}
        return Analysis(
            sample_rate=self.sample_rate, frames=self._frames, channels=self._channels, **results
        )


def analyze(
    x: npt.ArrayLike, sample_rate: int, *, features: Iterable[str] = DEFAULT_FEATURES
) -> Analysis:
    """Every chosen feature of a whole array (see :class:`Analyzer`)."""
    analyzer = Analyzer(sample_rate, features=features)
    analyzer.update(np.asarray(x))
    return analyzer.result()
