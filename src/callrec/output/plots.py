"""``--plots``: ``timeline.png`` and ``levels.png`` beside a recording's report, for reports
and tickets (``pip install 'callrec[plots]'``: matplotlib, drawn with its Agg renderer, no
display and no global pyplot state).

- ``timeline.png``: the page's timeline (:mod:`callrec.output.page`) as a picture: one lane per
  participant (or the mix), each utterance a bar, keys marked, pauses, gaps, chunk joins and
  lost audio shaded and labelled, the axis in wall-clock time (UTC).
- ``levels.png``: each track's short-term loudness (EBU: 3 s windows, every 100 ms, in LUFS) over
  the call on the same axis (each 3 s window at its middle), read back from the track files in blocks
  (:class:`~callrec.dsp.LoudnessMeter`), so memory does not grow with the call. Silence and
  time not recorded leave the line open.
"""

from __future__ import annotations

import io
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.reader import DEFAULT_BLOCK_FRAMES, open_audio
from ..dsp.loudness_meter import LoudnessMeter
from ..errors import MissingExtraError
from ..safety.atomic import write_bytes
from .page import COLORS, tick_step, timeline_marks
from .report import Report

__all__ = [
    "LEVELS_NAME",
    "PLOT_NAMES",
    "TIMELINE_NAME",
    "levels_png",
    "timeline_png",
    "write_plots",
]

TIMELINE_NAME = "timeline.png"
LEVELS_NAME = "levels.png"
PLOT_NAMES = (TIMELINE_NAME, LEVELS_NAME)
_FLOOR_LUFS = -70.0
_MAX_POINTS = 8000
"""Points per line in ``levels.png``: more than the picture has pixels across."""
_SHADES = {"pause": ("#9e9e9e", "//"), "gap": ("#616161", "\\\\"), "lost": ("#d32f2f", "xx")}


def _figure(width: float, height: float) -> Any:
    """A matplotlib figure on the Agg canvas, or :class:`MissingExtraError` naming the extra."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError("--plots", extra="plots", module="matplotlib") from None
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _wall_axis(axes: Any, report: Report) -> None:
    """Seconds of the recording on the x axis, ticks on round wall-clock times (as on the
    page), labelled with the wall clock (UTC)."""
    try:  # matplotlib is the plots extra: imported here only, as in _figure
        from matplotlib.ticker import FixedLocator, FuncFormatter
    except ImportError:
        raise MissingExtraError("--plots", extra="plots", module="matplotlib") from None

    def clock(seconds: float, _: object) -> str:
        when = report.start_time + timedelta(seconds=float(seconds))
        return when.strftime("%H:%M:%S")

    total = max(report.duration_s, 1e-6)
    step = tick_step(total)
    epoch = report.start_time.timestamp()
    first = math.ceil(epoch / step) * step - epoch
    axes.xaxis.set_major_locator(FixedLocator(np.arange(first, total + 1e-9, step).tolist()))
    axes.xaxis.set_major_formatter(FuncFormatter(clock))
    axes.set_xlim(0, total)
    axes.set_xlabel(f"UTC, {report.start_time:%Y-%m-%d}")


def _shade(axes: Any, report: Report) -> None:
    """Pauses, gaps and lost audio shaded over every lane; chunk joins as dashed lines."""
    for mark in timeline_marks(report):
        if mark.kind == "join":
            color = "#333333"
            axes.axvline(mark.start_s, color=color, linestyle="--", linewidth=1)
        else:
            color, hatch = _SHADES[mark.kind]
            end = max(mark.end_s, mark.start_s + report.duration_s / 2000)
            axes.axvspan(
                mark.start_s, end, facecolor=color, alpha=0.18, hatch=hatch, edgecolor=color
            )
        axes.text(
            mark.start_s, 1.0, f" {mark.label}", transform=axes.get_xaxis_transform(),
            va="bottom", fontsize=7, color=color, clip_on=False,
        )  # fmt: skip


def _png(figure: Any) -> bytes:
    # Call ids and names come from files: "$…$" in one is text, never TeX for mathtext to parse
    # (which fails the recording on what it cannot parse). Every text of the figure says so.
    for text in figure.findobj(lambda artist: hasattr(artist, "set_parse_math")):
        text.set_parse_math(False)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def timeline_png(report: Report) -> bytes:
    """``timeline.png`` of ``report`` (see the module notes)."""
    tracks = report.tracks()
    figure = _figure(12.0, 1.4 + 0.45 * len(tracks))
    axes = figure.add_subplot()
    for n, (_label, track) in enumerate(tracks):
        y = len(tracks) - 1 - n
        color = COLORS[n % len(COLORS)]
        bars = [(start, end - start) for start, end in track.speech_segments]
        axes.broken_barh(bars, (y - 0.35, 0.7), facecolors=color, edgecolor="none")
        for key in track.keys:
            axes.plot([key.start_s], [y + 0.42], marker="v", color="#a68000", markersize=6)
            axes.text(key.start_s, y + 0.46, key.key, ha="center", va="bottom", fontsize=7)
    _shade(axes, report)
    axes.set_yticks(range(len(tracks)), [_short(label) for label, _ in reversed(tracks)])
    axes.set_ylim(-0.6, len(tracks) - 0.4)
    _wall_axis(axes, report)
    axes.set_title(f"Call {report.call_id}: who spoke when", fontsize=10, loc="left")
    return _png(figure)


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def short_term_series(
    path: Path, block_frames: int = DEFAULT_BLOCK_FRAMES
) -> tuple[np.ndarray, float]:
    """``(n,)`` short-term loudness of a track file (all its channels as one programme), one
    value every step (100 ms, to the sample), and the step in seconds; value ``i`` ends at
    ``(i + 30)`` steps into the file. ``-inf`` where the window is silent."""
    with open_audio(path, max_length_s=None) as reader:
        meter = LoudnessMeter(reader.sample_rate)
        for block in reader.blocks(block_frames):
            meter.update(block)
    result = meter.result()
    per_channel = result.short_term_lufs()
    with np.errstate(divide="ignore"):
        power = (10.0 ** ((per_channel + 0.691) / 10.0)).sum(axis=1)
        return np.asarray(10.0 * np.log10(power) - 0.691), result.step_frames / result.sample_rate


def _on_wall_clock(report: Report, track_s: np.ndarray) -> np.ndarray:
    """Track-file seconds as seconds of the recording (compact layout: through compact_map)."""
    if report.layout != "compact" or not report.compact_map:
        return track_s
    starts = np.array([s.track_start_s for s in report.compact_map])
    walls = np.array([s.wall_start_s for s in report.compact_map])
    which = np.clip(np.searchsorted(starts, track_s, side="right") - 1, 0, len(starts) - 1)
    return np.asarray(walls[which] + (track_s - starts[which]))


def _thinned(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most :data:`_MAX_POINTS` points: the loudest of each run of values (silence, NaN,
    only where the whole run is silent), drawn at the run's middle; the last run may be short."""
    if len(y) <= _MAX_POINTS:
        return x, y
    size = -(-len(y) // _MAX_POINTS)
    starts = np.arange(0, len(y), size)
    middles = np.minimum(starts + size // 2, len(x) - 1)
    return x[middles], np.fmax.reduceat(y, starts)


def _open_at_jumps(x: np.ndarray, y: np.ndarray, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """A NaN where the wall clock jumps between two values (a pause or gap cut out of a compact
    track), so that the line stays open over time nobody was recorded."""
    jumps = np.flatnonzero(np.diff(x) > 1.5 * step_s) + 1
    return np.insert(x.astype(float), jumps, np.nan), np.insert(y, jumps, np.nan)


def levels_png(report: Report, folder: Path) -> bytes:
    """``levels.png`` of ``report``, whose track files are in ``folder``."""
    figure = _figure(12.0, 3.6)
    axes = figure.add_subplot()
    for n, (label, track) in enumerate(report.tracks()):
        if track.file is None:
            continue
        series, step_s = short_term_series(folder / track.file)
        middles = (np.arange(len(series)) + 15) * step_s  # each 3 s window drawn at its middle
        x = _on_wall_clock(report, middles)
        y = np.where(series > _FLOOR_LUFS, series, np.nan)
        x, y = _thinned(*_open_at_jumps(x, y, step_s))
        axes.plot(x, y, color=COLORS[n % len(COLORS)], linewidth=0.9, label=_short(label))
    _shade(axes, report)
    axes.set_ylim(_FLOOR_LUFS, 0)
    axes.set_ylabel("short-term loudness (LUFS)")
    axes.grid(True, axis="y", alpha=0.3)
    if axes.get_legend_handles_labels()[0]:  # no track recorded: no legend (and no warning)
        axes.legend(loc="lower left", fontsize=7, ncols=4)
    _wall_axis(axes, report)
    axes.set_title(f"Call {report.call_id}: levels (3 s windows)", fontsize=10, loc="left")
    return _png(figure)


def write_plots(report: Report, folder: Path) -> list[str]:
    """Write ``timeline.png`` and ``levels.png`` into ``folder`` (where the report's tracks
    are), each whole or not at all; returns their names."""
    write_bytes(folder / TIMELINE_NAME, timeline_png(report))
    write_bytes(folder / LEVELS_NAME, levels_png(report, folder))
    return list(PLOT_NAMES)
