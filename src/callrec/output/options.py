"""How to process a recording: every option of ``callrec process``, typed, checked once here."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ..acs.plain import PlainOptions
from ..acs.timeline import PauseReading
from ..audio.reader import DEFAULT_BLOCK_FRAMES
from ..dsp._options import Options
from ..dsp.activity import ActivityOptions
from ..dsp.dtmf import DtmfOptions
from ..dsp.echo import EchoOptions
from ..errors import MissingExtraError, UsageError
from ..safety.limits import DEFAULT_MAX_GAP_S

__all__ = [
    "CLIP_PADDING_S",
    "DEAD_AIR_S",
    "INTERRUPTION_MIN_OVERLAP_S",
    "HandoffOptions",
    "Layout",
    "ProcessOptions",
    "QualityOptions",
    "ViewOptions",
]

Layout = Literal["aligned", "compact"]
"""``aligned``: sample n of a track is the recording's start + n / rate; ``compact``: pauses and
gaps removed."""

INTERRUPTION_MIN_OVERLAP_S = 0.5
"""Overlap that makes a start an interruption: longer than a backchannel ("mm-hm")."""


DEAD_AIR_S = 2.0
"""Silence of everybody that counts as dead air: longer than a pause for thought."""


@dataclass(frozen=True, kw_only=True)
class QualityOptions(Options):
    """When a line is flagged in the report's ``quality`` list (each threshold documented in the
    README, "Call quality").

    Attributes
    ----------
    low_level_lufs
        A track whose integrated loudness (its speech, by the gating) is below this is
        ``low-level``: speech around -23 LUFS is normal on a phone line, -40 is hard to hear.
    clipped_fraction
        A track with more than this fraction of its speech samples at full scale is
        ``clipping`` (one in a thousand is audible distortion).
    noisy_floor_dbfs
        A track whose noise floor (between words) is above this is ``noisy-line``.
    """

    KIND: ClassVar[str] = "quality option"

    low_level_lufs: float = -40.0
    clipped_fraction: float = 0.001
    noisy_floor_dbfs: float = -45.0

    def _check(self) -> None:
        self._within("clipped_fraction", 0.0, 1.0)


CLIP_PADDING_S = 0.2
"""Audio kept before and after each utterance in its clip (``--clip-padding-s``): a recogniser
given the speech cut at its very edges loses the first and last phoneme."""


@dataclass(frozen=True)
class HandoffOptions:
    """Files written for the tools that come after callrec (``--clips``, ``--stereo``).

    Attributes
    ----------
    clips
        One WAV per utterance under ``clips/<speaker>/``, ``clip_padding_s`` of the track kept
        on each side (less at the track's ends); ``manifest.jsonl`` then points at the clips.
    stereo
        ``stereo.wav``: two channels on the recording's clock (aligned layout only), the
        ``stereo_left`` participants summed on the left and the others on the right, saturated
        to the sample format. Without ``stereo_left``: the participants who are not phone
        numbers (ACS and Teams identities: the agents) on the left, phone numbers (``4:+…``) on
        the right; when that leaves a side empty (a Teams-only call, a plain recording), the
        first participant on the left and the others on the right. ``stereo_left`` ids a
        recording does not have are left out with a warning; none present fails it.
    """

    clips: bool = False
    clip_padding_s: float = CLIP_PADDING_S
    stereo: bool = False
    stereo_left: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.clip_padding_s <= 60:
            raise UsageError(f"clip_padding_s must be 0 to 60 seconds, got {self.clip_padding_s!r}")
        if self.clip_padding_s != CLIP_PADDING_S and not self.clips:
            raise UsageError("clip_padding_s applies with clips only")
        if isinstance(self.stereo_left, str) or not all(
            isinstance(p, str) and p for p in self.stereo_left
        ):
            raise UsageError("stereo_left must be a sequence of participant ids")
        object.__setattr__(self, "stereo_left", tuple(self.stereo_left))
        if self.stereo_left and not self.stereo:
            raise UsageError("stereo_left applies with stereo only")

    def as_dict(self) -> dict[str, Any]:
        return {
            "clips": self.clips,
            "clip_padding_s": self.clip_padding_s,
            "stereo": self.stereo,
            "stereo_left": list(self.stereo_left),
        }


PAGE_NAME = "report.html"
"""The page of a recording (:mod:`callrec.output.page`), beside its report."""
PLOT_NAMES = ("timeline.png", "levels.png")
"""The plots of ``--plots`` (:mod:`callrec.output.plots`)."""
VIEW_NAMES = (PAGE_NAME, *PLOT_NAMES)
"""Every file a view may write into a recording's folder: the ones not asked for are removed."""


@dataclass(frozen=True)
class ViewOptions:
    """What a person looks at (README, "Looking at a call").

    Attributes
    ----------
    html
        ``report.html`` in every recording's folder and ``index.html`` over the run
        (``--no-html`` turns both off).
    plots
        ``timeline.png`` and ``levels.png`` in every recording's folder (``--plots``; needs
        ``pip install 'callrec[plots]'``: asking for them without matplotlib installed raises
        :class:`~callrec.errors.MissingExtraError` at once, before any recording is read).
    """

    html: bool = True
    plots: bool = False

    def __post_init__(self) -> None:
        for name in ("html", "plots"):
            if not isinstance(getattr(self, name), bool):
                raise UsageError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.plots:
            import importlib.util

            if importlib.util.find_spec("matplotlib") is None:
                raise MissingExtraError("--plots", extra="plots", module="matplotlib")

    def files(self) -> tuple[str, ...]:
        """The files these options write into a recording's folder."""
        return ((PAGE_NAME,) if self.html else ()) + (PLOT_NAMES if self.plots else ())

    def as_dict(self) -> dict[str, Any]:
        return {"html": self.html, "plots": self.plots}


@dataclass(frozen=True)
class ProcessOptions:
    """How to process a recording (all keyword options of ``callrec process``).

    Attributes
    ----------
    layout
        See :data:`Layout`.
    trim
        Also write each track cut to its first and last speech.
    activity
        How speech is told from silence (:class:`~callrec.dsp.ActivityOptions`).
    dtmf
        How keys are found (:class:`~callrec.dsp.DtmfOptions`).
    echo
        How one participant's voice on another's line is found
        (:class:`~callrec.dsp.EchoOptions`); what it explains is not that participant's speech.
    interruption_min_overlap_s
        See :data:`INTERRUPTION_MIN_OVERLAP_S`.
    dead_air_s
        See :data:`DEAD_AIR_S`; also the longest of a participant's own pauses that a monologue
        runs on over.
    quality
        When a line is flagged (:class:`QualityOptions`).
    handoff
        Files for the next tools: clips per utterance, a stereo file (:class:`HandoffOptions`).
    views
        The page, the run's index and the plots (:class:`ViewOptions`).
    pause_reading, tolerance_s
        As for :func:`~callrec.build_recording`.
    block_frames
        Frames read at a time.
    max_gap_s
        Digital silence a track may hold (pauses, gaps between chunks, chunk time without
        media) beyond twice its media, in seconds; a recording whose metadata asks for more
        fails before anything is written (:func:`~callrec.output.sizes.check_output_size`).
        Raise it for a call really paused or interrupted longer than an hour.
    plain
        What a plain recording was read with (its speakers and start time): set for each plain
        recording by :func:`callrec.process` (give ``plain=`` there), ``None`` for ACS
        recordings. It decides the outputs, so it is part of the provenance.
    """

    layout: Layout = "aligned"
    trim: bool = False
    activity: ActivityOptions = field(default_factory=ActivityOptions)
    dtmf: DtmfOptions = field(default_factory=DtmfOptions)
    echo: EchoOptions = field(default_factory=EchoOptions)
    interruption_min_overlap_s: float = INTERRUPTION_MIN_OVERLAP_S
    dead_air_s: float = DEAD_AIR_S
    quality: QualityOptions = field(default_factory=QualityOptions)
    handoff: HandoffOptions = field(default_factory=HandoffOptions)
    views: ViewOptions = field(default_factory=ViewOptions)
    pause_reading: PauseReading | None = None
    tolerance_s: float = 0.05
    block_frames: int = DEFAULT_BLOCK_FRAMES
    max_gap_s: float = DEFAULT_MAX_GAP_S
    plain: PlainOptions | None = None

    def __post_init__(self) -> None:
        if self.layout not in ("aligned", "compact"):
            raise UsageError(f"layout must be 'aligned' or 'compact', got {self.layout!r}")
        if not 0 <= self.max_gap_s < math.inf:
            raise UsageError(f"max_gap_s must be a finite number >= 0, got {self.max_gap_s!r}")
        if not 0 <= self.interruption_min_overlap_s < math.inf:
            raise UsageError("interruption_min_overlap_s must be zero or more")
        if not 0 < self.dead_air_s < math.inf:
            raise UsageError(f"dead_air_s must be a finite number > 0, got {self.dead_air_s!r}")
        if not 0 <= self.tolerance_s < math.inf:
            raise UsageError(f"tolerance_s must be a finite number >= 0, got {self.tolerance_s!r}")
        if isinstance(self.block_frames, bool) or self.block_frames < 1:
            raise UsageError(f"block_frames must be at least 1, got {self.block_frames!r}")
        kinds = (
            ("activity", ActivityOptions),
            ("dtmf", DtmfOptions),
            ("echo", EchoOptions),
            ("quality", QualityOptions),
            ("handoff", HandoffOptions),
            ("views", ViewOptions),
        )
        for name, kind in kinds:
            given = getattr(self, name)
            if not isinstance(given, kind):
                raise UsageError(f"{name} must be a {kind.__name__}, got {type(given).__name__}")
        if self.handoff.stereo and self.layout == "compact":
            raise UsageError(
                "stereo is on the recording's clock: it does not combine with the compact layout"
            )
        if self.plain is not None and not isinstance(self.plain, PlainOptions):
            raise UsageError(f"plain must be a PlainOptions, got {type(self.plain).__name__}")

    def as_dict(self) -> dict[str, Any]:
        """What decides the outputs (block size does not), for the provenance record: the
        detectors' options as far as they differ from the defaults."""
        decided: dict[str, Any] = {
            "layout": self.layout,
            "trim": self.trim,
            "activity": self.activity.changed(),
            "interruption_min_overlap_s": self.interruption_min_overlap_s,
            "pause_reading": self.pause_reading.value if self.pause_reading else "auto",
            "tolerance_s": self.tolerance_s,
        }
        if self.dtmf.changed():  # absent when default, as reports before DTMF options had it
            decided["dtmf"] = self.dtmf.changed()
        if self.echo.changed():
            decided["echo"] = self.echo.changed()
        decided["dead_air_s"] = self.dead_air_s
        if self.quality.changed():
            decided["quality"] = self.quality.changed()
        if self.handoff != HandoffOptions():
            decided["handoff"] = self.handoff.as_dict()
        if self.plain is not None:  # absent for ACS recordings, as before plain ones existed
            decided["plain"] = self.plain.as_dict()
        if self.views != ViewOptions():  # absent when default, as reports before the page had it
            decided["views"] = self.views.as_dict()
        return decided
