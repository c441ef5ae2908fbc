"""The vectorized core: pure numpy on ``(frames, channels)`` arrays, no files, no JSON.

Every feature comes as a whole-array function and as a streaming accumulator (``update(block)``
then ``result()``) that gives the identical result for any block size (the numerical
guarantees are listed in the README, "Numerical guarantees").

==================  ========================  =================================================
function            accumulator               result
==================  ========================  =================================================
frame_rms_db        FrameRms                  (frames, channels) dBFS
levels              LevelMeter                Levels: peak, RMS (two conventions), crest, DC,
                                              clipped, noise floor
loudness            LoudnessMeter             Loudness: BS.1770-4 integrated, EBU LRA,
                                              momentary / short-term series
speech_activity     SpeechDetector            Activity: (n, 2) int64 intervals per channel
detect_dtmf         DtmfDetector              DtmfTones per channel
find_echoes         SpeechDetector.echoes     Echo per channel that carries another's voice:
                                              delay, attenuation, intervals it explains
analyze             Analyzer                  all of the above in one pass
place               (block by block)          copies media frames to track positions
==================  ========================  =================================================

Speech activity, DTMF and echo take their options as :class:`ActivityOptions`,
:class:`DtmfOptions` and :class:`EchoOptions`, checked when made. Echo is found after the pass, in
the frame levels the speech detector keeps (:meth:`SpeechDetector.frame_levels`). Intervals (``(n, 2)`` int64 ``[start, stop)`` samples) are combined with
:func:`union`, :func:`intersect`, :func:`subtract` and :func:`coverage`; the rest of their
handling is in :mod:`callrec.dsp.intervals`, conversation figures in
:mod:`callrec.dsp.conversation`.
"""

from .activity import (
    Activity,
    ActivityOptions,
    FrameSeries,
    SpeechDetector,
    speech_activity,
    speech_bounds,
)
from .analysis import FEATURES, Analysis, Analyzer, analyze
from .dtmf import DtmfDetector, DtmfOptions, DtmfTones, detect_dtmf
from .echo import Echo, EchoOptions, find_echoes
from .frames import FrameRms, frame_rms_db, noise_floor_db
from .intervals import coverage, intersect, subtract, union
from .level_meter import LevelMeter, Levels, levels
from .loudness_meter import Loudness, LoudnessMeter, k_weighting_sos, loudness
from .placement import place, spans_array

__all__ = [
    "FEATURES",
    "Activity",
    "ActivityOptions",
    "Analysis",
    "Analyzer",
    "DtmfDetector",
    "DtmfOptions",
    "DtmfTones",
    "Echo",
    "EchoOptions",
    "FrameRms",
    "FrameSeries",
    "LevelMeter",
    "Levels",
    "Loudness",
    "LoudnessMeter",
    "SpeechDetector",
    "analyze",
    "coverage",
    "detect_dtmf",
    "find_echoes",
    "frame_rms_db",
    "intersect",
    "k_weighting_sos",
    "levels",
    "loudness",
    "noise_floor_db",
    "place",
    "spans_array",
    "speech_activity",
    "speech_bounds",
    "subtract",
    "union",
]
