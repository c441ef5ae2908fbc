"""Tracks measured together: participants recorded in exactly the same parts share one pass.

Participants present in the same chunks receive the same sequence of samples, so their channels
can go through one multi-channel :class:`~callrec.dsp.Analyzer` (one filter call for all of
them instead of one each); for a mixed recording the group is the mix with all its channels.

The analyzer sees only recorded audio, back to back. A group keeps, per *run* (a stretch of one
chunk's media that is contiguous on the track), where the run's samples sit in the analysis, on
the wall-clock track and on the compact track, to carry what the analyzer found back there::

    analysis   [run 0      )[run 1  )[run 2        )
    track      [run 0      )  pause  [run 1  )  gap  [run 2        )
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..acs.recording import Recording
from ..dsp.activity import ActivityOptions
from ..dsp.analysis import Analyzer
from ..dsp.dtmf import DtmfOptions, DtmfTones
from ..dsp.echo import EchoOptions
from ..dsp.intervals import close_gaps, empty_intervals, shift_by_segment
from .tracks import Part

__all__ = ["MIX_LABEL", "Run", "TrackGroup", "groups_of", "one_key_list", "track_labels"]

MIX_LABEL = "mix"
"""The label of a mixed recording's one track."""


def track_labels(recording: Recording) -> list[str]:
    """One label per track: each participant id, or :data:`MIX_LABEL`."""
    return [MIX_LABEL] if recording.mixed else list(recording.participants)


@dataclass
class Run:
    """A stretch of one chunk's media, contiguous on the track, as the group's analyzer saw it."""

    analysis_start: int
    track_start: int
    compact_start: int
    length: int
    chunk_index: int

    def follows(self, part: Part) -> bool:
        """Whether ``part`` continues this run (same chunk, right after it on the track)."""
        return (
            self.chunk_index == part.chunk.index
            and self.track_start + self.length == part.track_start
        )


class TrackGroup:
    """Tracks recorded in exactly the same parts, measured together by one Analyzer."""

    def __init__(
        self,
        labels: list[str],
        recording: Recording,
        activity: ActivityOptions,
        dtmf: DtmfOptions,
        echo: EchoOptions,
    ) -> None:
        self.labels = labels
        self.mixed = recording.mixed
        # Echo is one participant's voice on another's channel: a mix's channels are not
        # anyone's, and a participant alone in the group has nobody to echo.
        between = not self.mixed and len(labels) > 1
        self.analyzer = Analyzer(
            recording.sample_rate,
            features=("levels", "loudness", "activity", "dtmf", *(("echo",) if between else ())),
            activity=activity,
            dtmf=dtmf,
            echo=echo if between else None,
        )
        self._columns: dict[int, list[int] | None] = {}
        for chunk in recording.chunks:
            columns = [chunk.channel_map.channel_of(label) for label in labels]
            self._columns[chunk.index] = (
                None
                if self.mixed or None in columns
                else [int(c) for c in columns if c is not None]
            )
        self.runs: list[Run] = []
        self.recorded = 0

    def columns(self, part: Part) -> list[int] | None:
        """The media channels of the group's tracks in ``part``'s chunk, in label order
        (``None``: the group was not recorded there; for a mix, all channels)."""
        if self.mixed:
            return list(range(part.samples.shape[1]))
        return self._columns[part.chunk.index]

    def feed(self, part: Part, columns: list[int]) -> None:
        """Give the analyzer the group's channels of ``part``."""
        samples = part.samples
        if columns != list(range(samples.shape[1])):
            samples = samples[:, columns]
        last = self.runs[-1] if self.runs else None
        if last is not None and last.follows(part):
            last.length += len(samples)
        else:
            if last is not None:
                # A pause, a gap, a chunk join (even a seamless one), or chunks this group was
                # absent from lie between: no speech decision or key may carry over.
                self.analyzer.cut()
            self.runs.append(
                Run(
                    self.recorded,
                    part.track_start,
                    part.compact_start,
                    len(samples),
                    part.chunk.index,
                )
            )
        self.analyzer.update(samples)
        self.recorded += len(samples)

    def to_track(self, intervals: np.ndarray) -> np.ndarray:
        """Analysis-sample intervals as wall-clock track intervals; one that spans runs is cut
        at their edges (what touches on the track is joined again)."""
        out = []
        for run in self.runs:  # a handful: one per chunk and pause
            end = run.analysis_start + run.length
            clipped = np.clip(intervals, run.analysis_start, end)
            clipped = clipped[clipped[:, 1] > clipped[:, 0]]
            out.append(clipped + (run.track_start - run.analysis_start))
        if not out:
            return empty_intervals()
        return close_gaps(np.concatenate(out), 1) if len(out) > 1 else out[0]

    def place(self, intervals: np.ndarray) -> np.ndarray:
        """Analysis-sample intervals that each lie within one run (keys: DTMF restarts at every
        run) as wall-clock track intervals, one for one."""
        starts = np.array([r.analysis_start for r in self.runs], np.int64)
        shifts = np.array([r.track_start - r.analysis_start for r in self.runs], np.int64)
        return shift_by_segment(intervals, starts, shifts)

    def cuts(self) -> list[int]:
        """Analysis samples where a run starts: where the analyzer was cut."""
        return [run.analysis_start for run in self.runs[1:]]


def groups_of(
    recording: Recording,
    labels: list[str],
    activity: ActivityOptions,
    dtmf: DtmfOptions,
    echo: EchoOptions,
) -> list[TrackGroup]:
    """The tracks of ``labels`` grouped by the chunks they were recorded in (echo is looked for
    within a group: participants recorded side by side all along)."""
    by_presence: dict[tuple[bool, ...], list[str]] = {}
    for label in labels:
        present = tuple(c.channel_map.channel_of(label) is not None for c in recording.chunks)
        by_presence.setdefault(present, []).append(label)
    return [
        TrackGroup(members, recording, activity, dtmf, echo) for members in by_presence.values()
    ]


def one_key_list(tones: tuple[DtmfTones, ...]) -> DtmfTones:
    """The keys of all of a track's channels as one list in time order: a stereo mix holds most
    key presses on both channels, and they are one press."""
    if len(tones) == 1:
        return tones[0]
    chars = "".join(t.keys for t in tones)
    found = np.concatenate([empty_intervals(), *(t.intervals for t in tones)])
    keys: list[str] = []
    kept: list[list[int]] = []
    for i in np.lexsort((found[:, 1], found[:, 0])).tolist():  # keys in a call: a handful
        (start, stop), key = found[i].tolist(), chars[i]
        if kept and keys[-1] == key and start < kept[-1][1]:
            kept[-1][1] = max(kept[-1][1], stop)
        else:
            keys.append(key)
            kept.append([start, stop])
    return DtmfTones("".join(keys), np.array(kept, np.int64).reshape(-1, 2))
