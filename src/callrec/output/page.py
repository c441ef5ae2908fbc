"""``report.html``: a recording's report as a page a person opens, from the :class:`Report` alone.

One self-contained file: its styles and its one script are inline, it names no font, image,
style sheet or script elsewhere, and its Content-Security-Policy forbids any request but the
audio tracks beside it, so it opens the same from a disk, a file share or a blob container. It
shows::

    header      call, recording, wall-clock span, format
    timeline    ┌ axis ──14:05:10────14:05:15────14:05:20──── (wall clock, UTC)
                │ agent     ███  ███      ████                one element per utterance
                │ customer     ██   [5]      ███              keys marked
                └ marks     ░pause░  ┊chunk 1   ▒gap▒  ▓lost▓   drawn over every lane
    players     one <audio> per track, a relative link to the file beside the page
    tables      per participant, the conversation, warnings and quality flags, chunks

Clicking an utterance plays its participant's track from the utterance's start (its place in
the track file: the same as the wall clock in aligned layout, compact track time in compact
layout). For tests and tools, every utterance is a ``<b>`` with ``data-participant`` (the
participant id, ``mix`` for a mixed recording), ``data-start-s`` and ``data-end-s`` (the
report's numbers); every pause, gap between chunks, chunk join and stretch of lost audio is an
``<i>`` with ``data-kind`` (``pause``, ``gap``, ``join``, ``lost``) and the same two times; a key
is a ``<kbd>`` with ``data-key``.

The markup is compact so that a four-hour call with thousands of utterances stays small:
absolutely positioned elements placed in percent of the call, no per-element script, numbers
unquoted. Everything taken from the files is escaped (:func:`html.escape`), and the JSON the
script reads cannot end its ``<script>`` element.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from ..errors import LOST_AUDIO
from .report import ChunkReport, ParticipantTalk, Report, TrackReport

__all__ = ["Mark", "lost_spans", "render_page", "timeline_marks"]
# Also used by index_page.py and plots.py, so that the views agree: COLORS, csp_for, esc,
# length_text, script_json, tick_step, url_of.

_EPSILON_S = 1e-6
_NICE_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800)
_TICKS = 10
"""Ticks the axis aims for before the script (which knows the width) redraws it."""
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
_TRUNCATED = re.compile(r"truncated: read (\d+) of the (\d+) frames")
_LOST_LABELS = {
    "chunk-without-media": "lost: no media",
    "media-unusable": "lost: unusable media",
    "media-undecodable": "lost: undecodable",
    "truncated-media": "lost: truncated",
    "missing-chunk": "lost: missing chunk",
}


@dataclass(frozen=True)
class Mark:
    """Something drawn across every lane of the timeline, in seconds of the recording.

    ``kind`` is ``pause``, ``gap``, ``join`` (where a chunk after the first starts: ``start_s``
    equals ``end_s``) or ``lost``; ``label`` is shown on the mark, ``detail`` on hovering it.
    """

    kind: str
    start_s: float
    end_s: float
    label: str
    detail: str
    code: str | None = None


def _chunk_end(chunk: ChunkReport) -> float:
    return round(chunk.start_s + chunk.duration_s, 6)


def _media_to_wall(chunk: ChunkReport, media_s: float) -> float:
    """Where ``media_s`` seconds into a chunk's media sit on the wall clock: the chunk's start,
    moved on past each pause that comes before (the media holds no paused time)."""
    wall = chunk.start_s + media_s
    for pause in sorted(chunk.pauses, key=lambda p: p.start_s):
        if pause.start_s <= wall + _EPSILON_S:
            wall += pause.duration_s
    return round(min(wall, _chunk_end(chunk)), 6)


def _missing_span(report: Report, first: int) -> tuple[float, float]:
    """The time of a run of missing chunks that starts at index ``first``: from the end of the
    chunk before it to the start of the chunk after it (the recording's ends where none)."""
    before = [c for c in report.chunks if c.index < first]
    after = [c for c in report.chunks if c.index > first]
    start = max((_chunk_end(c) for c in before), default=0.0)
    end = min((c.start_s for c in after), default=report.duration_s)
    return start, max(start, end)


def lost_spans(report: Report) -> list[Mark]:
    """Where audio was lost, from the report's lost-audio warnings (see
    :data:`~callrec.errors.LOST_AUDIO`): a chunk without usable media, its whole span; a
    truncated chunk, from where its media ends (the frames the warning says were read) to the
    chunk's end; a missing chunk, the time between the chunks around it. A warning that names
    no chunk the report lists is not placed."""
    chunks = {c.index: c for c in report.chunks}
    marks = []
    for warning in report.warnings:
        if warning.code not in LOST_AUDIO or warning.chunk_index is None:
            continue
        chunk = chunks.get(warning.chunk_index)
        if warning.code == "missing-chunk":
            start, end = _missing_span(report, warning.chunk_index)
        elif chunk is None:
            continue
        else:
            start, end = chunk.start_s, _chunk_end(chunk)
            read = _TRUNCATED.search(warning.message)
            if warning.code == "truncated-media" and read is not None:
                start = _media_to_wall(chunk, int(read.group(1)) / report.sample_rate)
        label = _LOST_LABELS.get(warning.code, "lost")
        marks.append(Mark("lost", start, end, label, warning.message, warning.code))
    return marks


def timeline_marks(report: Report) -> list[Mark]:
    """Every pause, gap between chunks, chunk join and stretch of lost audio, in that order."""
    marks = [
        Mark(
            "pause",
            p.start_s,
            round(p.start_s + p.duration_s, 6),
            "pause",
            f"chunk {c.index}: recording paused for {p.duration_s:g} s",
        )
        for c in report.chunks
        for p in c.pauses
    ]
    ordered = sorted(report.chunks, key=lambda c: (c.start_s, c.index))
    for before, after in itertools.pairwise(ordered):
        if after.start_s > _chunk_end(before) + _EPSILON_S:
            length = after.start_s - _chunk_end(before)
            detail = f"nothing recorded between chunk {before.index} and chunk {after.index}"
            marks.append(
                Mark("gap", _chunk_end(before), after.start_s, "gap", f"{detail} ({length:g} s)")
            )
    for chunk in ordered[1:]:
        detail = f"chunk {chunk.index} starts" + (
            f" ({chunk.document_id})" if chunk.document_id else ""
        )
        marks.append(Mark("join", chunk.start_s, chunk.start_s, f"chunk {chunk.index}", detail))
    return marks + lost_spans(report)


# --- formatting (shared with index_page.py) ---------------------------------------------------


def esc(text: object) -> str:
    """Text from a file, safe in an element or a quoted attribute."""
    return html.escape(str(text), quote=True)


def _num(value: float) -> str:
    """A number as the report has it (the shortest text that reads back the same)."""
    return repr(float(value))


def _pct(seconds: float, total: float) -> str:
    text = f"{100.0 * seconds / total:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _place(start: float, end: float, total: float) -> str:
    """An unquoted style attribute placing ``[start, end)`` on the timeline."""
    return f"left:{_pct(start, total)}%;width:{_pct(max(0.0, end - start), total)}%"


def length_text(seconds: float | None) -> str:
    """``1:02:03.4``, ``2:03.4`` or ``3.40 s``."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.2f} s"
    whole, tenths = divmod(round(seconds * 10), 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}.{tenths}"
    return f"{minutes}:{secs:02d}.{tenths}"


def _db(value: float | None, unit: str) -> str:
    return "–" if value is None else f"{value:.1f} {unit}"


def _clock(report: Report, seconds: float, *, fraction: bool = False) -> str:
    when = report.start_time + timedelta(seconds=seconds)
    return when.strftime("%H:%M:%S") + (f".{when.microsecond // 10000:02d}" if fraction else "")


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>`` or ``&`` in it)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def url_of(relative: str) -> str:
    """A file beside the page as a relative URL: every segment percent-encoded (a track named
    ``4%3A%2B1425….wav`` is ``4%253A%252B1425….wav`` in a URL)."""
    return "/".join(quote(part, safe="") for part in relative.split("/"))


# --- the timeline -----------------------------------------------------------------------------


def tick_step(total: float, ticks: int = _TICKS) -> int:
    """Seconds between the axis's ticks: the roundest step that gives at most ``ticks``."""
    return next((s for s in _NICE_STEPS_S if total / s <= ticks), _NICE_STEPS_S[-1])


def _axis(report: Report, total: float) -> str:
    step = tick_step(total)
    epoch = report.start_time.timestamp()
    first = math.ceil(epoch / step) * step - epoch
    count = int((total - first) // step) + 1 if first <= total else 0
    spans = (
        f"<span style=left:{_pct(first + n * step, total)}%>"
        f"{_clock(report, first + n * step)}</span>"
        for n in range(count)
    )
    return f"<div class=axis id=axis>{''.join(spans)}</div>"


def _mark(mark: Mark, total: float) -> str:
    code = f' data-code="{esc(mark.code)}"' if mark.code else ""
    return (
        f"<i data-kind={mark.kind} data-start-s={_num(mark.start_s)} "
        f"data-end-s={_num(mark.end_s)}{code} style={_place(mark.start_s, mark.end_s, total)} "
        f'title="{esc(mark.detail)}">{esc(mark.label)}</i>'
    )


def _segments(label: str, track: TrackReport, total: float, compact: bool) -> Iterable[str]:
    who = esc(label)
    for (start, end), (at, _) in zip(
        track.speech_segments, track.track_speech_segments, strict=True
    ):
        # In compact layout the track file's time differs from the wall clock: the click needs it.
        seek = f" data-t={_num(at)}" if compact else ""
        yield (
            f'<b data-participant="{who}" data-start-s={_num(start)} data-end-s={_num(end)}'
            f"{seek} style={_place(start, end, total)}></b>"
        )
    for key in track.keys:
        yield (
            f'<kbd data-participant="{who}" data-key="{esc(key.key)}" '
            f"data-start-s={_num(key.start_s)} data-end-s={_num(key.end_s)} "
            f"data-t={_num(key.track_start_s)} style=left:{_pct(key.start_s, total)}%>"
            f"{esc(key.key)}</kbd>"
        )


def _lanes(report: Report, total: float) -> tuple[str, str]:
    """The lane names (left) and the lanes (right), one per track."""
    names, lanes = [], []
    compact = report.layout == "compact"
    for n, (label, track) in enumerate(report.tracks()):
        color = COLORS[n % len(COLORS)]
        player = f" data-player=p{n}" if track.file else ""
        shown = "mix (mixed recording)" if report.mix is not None else label
        names.append(f'<div style=--c:{color} title="{esc(label)}">{esc(shown)}</div>')
        body = "".join(_segments(label, track, total, compact))
        lanes.append(f"<div class=lane style=--c:{color}{player}>{body}</div>")
    return "".join(names), "".join(lanes)


def _timeline(report: Report) -> str:
    total = max(report.duration_s, _EPSILON_S)
    names, lanes = _lanes(report, total)
    marks = "".join(_mark(m, total) for m in timeline_marks(report))
    return (
        "<section id=timeline><h2>Timeline</h2>"
        "<div class=tools><button data-zoom=0.5 title='zoom out'>−</button>"
        "<button data-zoom=2 title='zoom in'>+</button>"
        "<button data-zoom=0 title='the whole call'>fit</button>"
        "<span class=legend><b></b>speech <kbd>#</kbd>key <i class=pause>pause</i>"
        "<i class=gap>gap</i><i class=join>chunk join</i><i class=lost>lost audio</i>"
        "</span><span id=where></span></div>"
        f"<div class=tl><div class=names><div class=axisname>UTC</div>{names}</div>"
        f"<div class=scroll id=scroll><div class=inner id=inner>{_axis(report, total)}"
        f"<div class=lanes>{lanes}<div class=marks>{marks}</div>"
        "<div class=head id=head></div></div></div></div></div>"
        "<p class=hint>Click an utterance to play it; hover for its time.</p></section>"
    )


# --- players and tables -----------------------------------------------------------------------


def _players(report: Report) -> str:
    rows = []
    for n, (label, track) in enumerate(report.tracks()):
        if track.file is None:
            continue
        rows.append(
            f'<div class=player><span title="{esc(label)}">{esc(label)}</span>'
            f'<audio id=p{n} controls preload=metadata src="{esc(url_of(track.file))}"></audio>'
            f'<a href="{esc(url_of(track.file))}">{esc(track.file)}</a></div>'
        )
    if not rows:
        return ""
    return f"<section id=players><h2>Tracks</h2>{''.join(rows)}</section>"


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], *, id_: str) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table id={id_}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _talk_cells(talk: ParticipantTalk | None) -> list[str]:
    if talk is None:
        return ["–"] * 5
    latency = talk.response_latency_s
    median = (
        "–"
        if latency is None or latency.median is None
        else f"{latency.median:.2f} s (n={latency.count})"
    )
    ratio = "–" if talk.talk_ratio is None else f"{100 * talk.talk_ratio:.1f} %"
    return [
        ratio,
        str(talk.turns),
        str(talk.interruptions),
        length_text(talk.longest_monologue_s),
        median,
    ]


def _participants(report: Report) -> str:
    talks = {p.participant_id: p for p in report.conversation.participants}
    head = (
        "participant",
        "talk time",
        "talk share",
        "turns",
        "interruptions",
        "longest monologue",
        "response latency (median)",
        "peak",
        "RMS",
        "loudness",
        "loudness range",
        "noise floor",
        "clipped samples",
        "keys",
        "recorded",
    )
    rows = [
        [
            f'<span class=who title="{esc(label)}">{esc(label)}</span>',
            length_text(track.talk_time_s),
            *_talk_cells(talks.get(label)),
            _db(track.peak_dbfs, "dBFS"),
            _db(track.rms_dbfs, "dBFS"),
            _db(track.loudness_lufs, "LUFS"),
            _db(track.loudness_range_lu, "LU"),
            _db(track.noise_floor_dbfs, "dBFS"),
            str(track.clipped_samples),
            esc("".join(k.key for k in track.keys)) or "–",
            length_text(track.recorded_s),
        ]
        for label, track in report.tracks()
    ]
    return f"<section><h2>Participants</h2>{_table(head, rows, id_='people')}</section>"


def _conversation(report: Report) -> str:
    c = report.conversation
    rows = [
        ("talk time (anyone speaking)", length_text(c.talk_time_s)),
        ("recorded time without speech", length_text(c.non_talk_time_s)),
        (
            "overlap (two or more speaking)",
            length_text(c.overlap_s) if c.overlap_s is not None else "–",
        ),
        ("interruption: overlap of at least", length_text(c.interruption_min_overlap_s)),
    ]
    if c.dead_air is not None:
        dead = c.dead_air
        rows.append(
            (
                f"dead air (silences of {dead.threshold_s:g} s or more)",
                f"{dead.count}, {length_text(dead.total_s)} in all, longest {length_text(dead.longest_s)}"
                if dead.count
                else "none",
            )
        )
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        f"<section><h2>Conversation</h2><table class=kv id=conversation>{body}</table>"
        f"<details><summary>Definitions</summary><p>{esc(c.definitions)}</p></details></section>"
    )


def _warnings(report: Report) -> str:
    items = [
        f'<li class="{"lost" if w.code in LOST_AUDIO else "warn"}"><code>{esc(w.code)}</code> '
        + (f"(chunk {w.chunk_index}) " if w.chunk_index is not None else "")
        + f"{esc(w.message)}</li>"
        for w in report.warnings
    ]
    items += [
        f"<li class=quality><code>{esc(q.code)}</code> "
        f"{esc(q.participant_id or 'mix')}: {esc(q.message)}</li>"
        for q in report.quality
    ]
    body = f"<ul>{''.join(items)}</ul>" if items else "<p class=none>None.</p>"
    return f"<section id=warnings><h2>Warnings and quality</h2>{body}</section>"


def _chunks(report: Report) -> str:
    head = ("chunk", "starts (UTC)", "span", "recorded", "pauses", "pause reading", "end", "media")
    rows = [
        [
            str(c.index),
            _clock(report, c.start_s, fraction=True),
            length_text(c.duration_s),
            length_text(c.media_duration_s),
            ", ".join(f"{_clock(report, p.start_s)} ({p.duration_s:g} s)" for p in c.pauses) or "–",
            esc(c.pause_reading),
            esc(c.end_reason or "–"),
            esc(c.media_file or "none"),
        ]
        for c in report.chunks
    ]
    missing = (
        f"<p class=lost>Missing chunks: {', '.join(map(str, report.missing_chunks))}</p>"
        if report.missing_chunks
        else ""
    )
    return f"<section><h2>Chunks</h2>{_table(head, rows, id_='chunks')}{missing}</section>"


def _header(report: Report) -> str:
    end = report.instant(report.duration_s)
    facts = [
        f"{esc(report.instant(0.0))} – {esc(end)}",
        length_text(report.duration_s),
        f"{esc(report.channel_type)} {esc(report.format or '')}".strip(),
        f"{report.sample_rate} Hz",
        f"{esc(report.layout)} layout",
        f"callrec {esc(report.provenance.callrec_version)}",
    ]
    recording = (
        f"<p>Recording <code>{esc(report.recording_id)}</code></p>" if report.recording_id else ""
    )
    lost = [w for w in report.warnings if w.code in LOST_AUDIO]
    banner = (
        f"<p class='banner lost'>Incomplete: audio lost ({len(lost)} warning(s) below).</p>"
        if lost
        else ""
    )
    return (
        f"<header><h1>Call <code>{esc(report.call_id)}</code></h1>{recording}"
        f"<p class=facts>{' · '.join(facts)}</p>{banner}</header>"
    )


# --- the page ---------------------------------------------------------------------------------


def _data(report: Report) -> dict[str, Any]:
    """What the script needs: the call's span, the wall clock, and the compact map."""
    compact = (
        [[s.track_start_s, s.wall_start_s, s.duration_s] for s in report.compact_map]
        if report.layout == "compact" and report.compact_map
        else None
    )
    return {
        "duration": max(report.duration_s, _EPSILON_S),
        "start_ms": report.start_time.timestamp() * 1000,
        "compact": compact,
    }


def csp_for(script: str) -> str:
    """The Content-Security-Policy of a page whose one script is ``script``: nothing is fetched
    but the tracks beside it, and only that script runs (by its hash: text from a file that
    ever slipped past the escaping would not)."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
        "media-src 'self' file:; base-uri 'none'; form-action 'none'"
    )


def render_page(report: Report, *, plots: Sequence[str] = ()) -> str:
    """``report.html`` for ``report`` (see the module notes); ``plots`` are image files beside
    it (``timeline.png``, ``levels.png``) to link to."""
    links = "".join(f'<a href="{esc(url_of(p))}">{esc(p)}</a> ' for p in plots)
    plot_section = f"<section id=plots><h2>Plots</h2><p>{links}</p></section>" if plots else ""
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv=Content-Security-Policy content="{csp_for(_SCRIPT)}">'
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>Call {esc(report.call_id)}: callrec report</title><style>{_STYLE}</style></head>"
        f"<body>{_header(report)}{_timeline(report)}{_players(report)}{_participants(report)}"
        f"{_conversation(report)}{_warnings(report)}{_chunks(report)}{plot_section}"
        f"<div id=tip hidden></div>"
        f"<script type=application/json id=callrec-data>{script_json(_data(report))}</script>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


_STYLE = """
:root{font:14px/1.4 system-ui,sans-serif;color:#222;background:#fff}
body{margin:1em 2em}section{overflow-x:auto}h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}
code{font-size:.92em;word-break:break-all}.facts{color:#555}
.banner{padding:.4em .8em;border-radius:4px}.lost{color:#a00}.banner.lost{background:#fde8e8}
.tools{display:flex;gap:.4em;align-items:center;margin-bottom:.3em;flex-wrap:wrap}
.tools button{min-width:2.2em}.legend{display:flex;gap:.6em;margin-left:1em;color:#555}
.legend b{display:inline-block;width:1.4em;height:.8em;background:#1f77b4;margin-right:.2em}
.legend i{font-style:normal;padding:0 .3em}#where{margin-left:auto;color:#555}
.tl{display:grid;grid-template-columns:minmax(8em,16em) 1fr;border:1px solid #ccc}
.names div{height:30px;line-height:30px;padding:0 .5em;overflow:hidden;text-overflow:ellipsis;
white-space:nowrap;border-left:6px solid var(--c,#fff);border-bottom:1px solid #eee}
.names .axisname{height:22px;line-height:22px;color:#777;border-left-color:#fff}
.scroll{overflow-x:auto;overflow-y:hidden}.inner{position:relative;width:100%;min-width:100%}
.axis{position:relative;overflow:hidden;height:22px;border-bottom:1px solid #ccc;font-size:11px;color:#555}
.axis span{position:absolute;top:3px;padding-left:3px;white-space:nowrap;border-left:1px solid #999}
.lanes{position:relative}
.lane{position:relative;height:30px;border-bottom:1px solid #eee}
.lane b{position:absolute;top:6px;bottom:6px;min-width:1px;background:var(--c);opacity:.85;
cursor:pointer;border-radius:2px}
.lane b:hover,.lane b.on{opacity:1;outline:2px solid #000}
.lane kbd{position:absolute;top:0;transform:translateX(-50%);font:bold 10px monospace;
background:#ffd54f;border:1px solid #a68000;border-radius:3px;padding:0 2px;z-index:3;cursor:pointer}
.marks{position:absolute;inset:0;pointer-events:none}
.marks i{position:absolute;top:0;bottom:0;font:10px/12px system-ui,sans-serif;font-style:normal;
overflow:hidden;white-space:nowrap;padding-left:2px;pointer-events:auto;min-width:1px;
box-sizing:border-box}
i.pause{background:repeating-linear-gradient(45deg,#0000 0 4px,#7777 4px 6px);color:#444}
i.gap,.marks i[data-kind=gap]{background:repeating-linear-gradient(-45deg,#0000 0 3px,#8888 3px 5px);color:#333}
.marks i[data-kind=pause]{background:repeating-linear-gradient(45deg,#0000 0 4px,#7777 4px 6px);color:#444}
.marks i[data-kind=join]{width:0!important;min-width:0;border-left:2px dashed #333;overflow:visible;
color:#333;padding-left:3px;display:flex;align-items:flex-end;box-sizing:content-box}
i.join{border-left:2px dashed #333}
i.lost,.marks i[data-kind=lost]{background:repeating-linear-gradient(45deg,#d008 0 4px,#fcc8 4px 8px);
color:#700;font-weight:bold}
.head{position:absolute;top:0;bottom:0;width:0;border-left:2px solid #e91e63;display:none;z-index:4}
.hint{color:#777;font-size:.9em;margin:.2em 0}
.player{display:flex;gap:1em;align-items:center;margin:.2em 0}
.player span{flex:none;width:22em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.player audio{width:28em;max-width:50vw;height:32px}.player a{color:#555;font-size:.85em}
table{border-collapse:collapse;font-size:.92em}th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left}
thead th{background:#f4f4f4}td{white-space:nowrap}.who{display:inline-block;max-width:22em;
overflow:hidden;text-overflow:ellipsis;vertical-align:bottom}.kv th{font-weight:normal;color:#444}
#warnings li.lost{color:#a00}#warnings li.quality{color:#8a5a00}.none{color:#777}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;font-size:12px;padding:3px 6px;
border-radius:3px;z-index:10;max-width:40em}
"""

# One script for the page: zoom (the inner width), the axis redrawn for the width, a click on an
# utterance or key plays its track from its start, a playhead follows the playing track, hover
# shows times. Reads its numbers from the JSON above and the data-* attributes.
_SCRIPT = r"""
(()=>{
const D=JSON.parse(document.getElementById('callrec-data').textContent);
const $=id=>document.getElementById(id),inner=$('inner'),scroll=$('scroll'),head=$('head'),tip=$('tip');
const audios=[...document.querySelectorAll('audio')];let zoom=1;
const pad=n=>String(n).padStart(2,'0');
const clock=(s,f)=>{const d=new Date(D.start_ms+s*1000);
 return pad(d.getUTCHours())+':'+pad(d.getUTCMinutes())+':'+pad(d.getUTCSeconds())+(f?'.'+pad(Math.floor(d.getUTCMilliseconds()/10)):'')};
const STEPS=[.1,.2,.5,1,2,5,10,15,30,60,120,300,600,900,1800,3600,7200,14400,28800];
function axis(){const w=inner.clientWidth||1,px=w/D.duration;
 const step=STEPS.find(s=>s*px>=90)||STEPS[STEPS.length-1];
 const e=D.start_ms/1000;let t=Math.ceil(e/step)*step-e;const out=[];
 for(;t<=D.duration;t+=step)out.push('<span style="left:'+(100*t/D.duration)+'%">'+clock(t,step<1)+'</span>');
 $('axis').innerHTML=out.join('')}
function setZoom(z){const c=(scroll.scrollLeft+scroll.clientWidth/2)/(inner.clientWidth||1);
 zoom=Math.min(Math.max(z,1),Math.max(8,D.duration*100/Math.max(scroll.clientWidth,1)));
 inner.style.width=(100*zoom)+'%';axis();scroll.scrollLeft=c*inner.clientWidth-scroll.clientWidth/2}
document.querySelectorAll('[data-zoom]').forEach(b=>b.addEventListener('click',()=>{
 const f=+b.dataset.zoom;setZoom(f?zoom*f:1)}));
function toWall(a,t){if(!D.compact)return t;for(const[ts,ws,d]of D.compact)if(t<ts+d)return ws+Math.max(0,t-ts);
 return D.duration}
function play(a,t){for(const o of audios)if(o!==a&&!o.paused)o.pause();
 const go=()=>{a.currentTime=t;const p=a.play();if(p)p.catch(()=>{})};
 if(a.readyState>=1)go();else{a.addEventListener('loadedmetadata',go,{once:true});if(a.networkState!==2)a.load()}}
inner.addEventListener('click',ev=>{const el=ev.target.closest('b[data-start-s],kbd[data-start-s]');
 if(!el)return;const lane=el.closest('.lane'),a=lane&&lane.dataset.player&&$(lane.dataset.player);
 document.querySelectorAll('b.on').forEach(x=>x.classList.remove('on'));el.classList.add('on');
 if(a)play(a,+(el.dataset.t??el.dataset.startS))});
function follow(ev){const a=ev.target;if(!(a instanceof HTMLAudioElement))return;
 const lane=document.querySelector('.lane[data-player="'+a.id+'"]');if(!lane)return;
 head.style.display='block';head.style.left=(100*toWall(a,a.currentTime)/D.duration)+'%'}
document.addEventListener('timeupdate',follow,true);document.addEventListener('seeked',follow,true);
inner.addEventListener('mouseover',ev=>{const el=ev.target.closest('[data-start-s]');if(!el){tip.hidden=true;return}
 const s=+el.dataset.startS,e=+el.dataset.endS,who=el.dataset.participant||el.title||el.dataset.kind;
 tip.textContent=(el.dataset.key?'key '+el.dataset.key+' · ':'')+who+' · '+clock(s,1)+(e>s?' – '+clock(e,1)+' ('+(e-s).toFixed(2)+' s)':'');
 tip.hidden=false});
inner.addEventListener('mousemove',ev=>{tip.style.left=(ev.clientX+12)+'px';tip.style.top=(ev.clientY+14)+'px'});
inner.addEventListener('mouseleave',()=>{tip.hidden=true});
inner.addEventListener('mousemove',ev=>{const r=inner.getBoundingClientRect();
 $('where').textContent=clock(Math.max(0,(ev.clientX-r.left)/r.width*D.duration),1)+' UTC'});
addEventListener('resize',axis);axis();
})();
"""
