"""Measure a media file in one streaming pass: the audio reader feeding the core's Analyzer."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..dsp.activity import ActivityOptions
from ..dsp.analysis import DEFAULT_FEATURES, Analysis, Analyzer
from ..dsp.dtmf import DtmfOptions
from .reader import open_audio

__all__ = ["analyze_file"]


def analyze_file(
    path: str | Path,
    *,
    features: Iterable[str] = DEFAULT_FEATURES,
    activity: ActivityOptions | None = None,
    dtmf: DtmfOptions | None = None,
    block_frames: int | None = None,
) -> Analysis:
    """Levels, loudness, speech activity and/or DTMF of every channel of a media file.

    ``features``, ``activity`` and ``dtmf`` are as for :class:`~callrec.dsp.Analyzer`;
    ``block_frames`` is how many frames are read at a time (by default the core's grid for the
    channel count). Memory is one block plus the accumulators' small state, whatever the file's
    length.
    """
    with open_audio(path) as reader:
        analyzer = Analyzer(reader.sample_rate, features=features, activity=activity, dtmf=dtmf)
        for block in reader.blocks(block_frames):
            analyzer.update(block)
        return analyzer.result()
