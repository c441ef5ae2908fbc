"""``DIR/index.html``: the recordings of a run, one row each, linking to their ``report.html``.

Self-contained like the recording pages (:mod:`callrec.output.page`): inline style and script,
nothing fetched. Each row is a ``<tr data-recording="<folder>">`` with the recording's start,
duration, participants, talk and overlap figures, dead air, interruptions, warnings (lost audio
first) and quality flags; a recording that failed has its error instead. Clicking a column's
heading sorts by it (numbers as numbers: each cell carries its value in ``data-v``), again to
reverse; failed recordings and figures that do not exist (``–``) stay last either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import LOST_AUDIO
from .page import csp_for, esc, length_text, script_json, url_of
from .report import Report

__all__ = ["IndexEntry", "render_index"]

PAGE_NAME = "report.html"


@dataclass(frozen=True)
class IndexEntry:
    """One recording of the run: its folder's name, and its report or why it failed.

    ``page`` says whether the folder has a ``report.html`` to link to.
    """

    folder: str
    report: Report | None
    error: str | None = None
    page: bool = True


_HEAD = (
    ("recording", "text"),
    ("start (UTC)", "text"),
    ("duration", "num"),
    ("participants", "num"),
    ("talk", "num"),
    ("overlap", "num"),
    ("no speech", "num"),
    ("dead air", "num"),
    ("interruptions", "num"),
    ("warnings", "num"),
    ("quality", "num"),
)


def _cell(text: str, value: float | str | None = None, cls: str = "") -> str:
    v = "" if value is None else f' data-v="{esc(value)}"'
    c = f" class={cls}" if cls else ""
    return f"<td{v}{c}>{text}</td>"


def _share(part: float | None, whole: float) -> str:
    if part is None:
        return "–"
    return f"{length_text(part)} ({100 * part / whole:.0f} %)" if whole > 0 else length_text(part)


def _row(entry: IndexEntry) -> str:
    name = esc(entry.folder)
    link = f'<a href="{esc(url_of(entry.folder))}/{PAGE_NAME}">{name}</a>' if entry.page else name
    report = entry.report
    if report is None:
        error = esc(entry.error or "failed")
        return (
            f'<tr data-recording="{name}" class=failed>{_cell(name, entry.folder)}'
            f"<td colspan={len(_HEAD) - 1}>failed: {error}</td></tr>"
        )
    c = report.conversation
    ids = [label for label, _ in report.tracks()]
    people = "<br>".join(f'<span title="{esc(i)}">{esc(i)}</span>' for i in ids)
    lost = [w for w in report.warnings if w.code in LOST_AUDIO]
    codes = sorted({w.code for w in report.warnings})
    warned = (f"<b class=lost>{len(lost)} lost</b> " if lost else "") + esc(", ".join(codes))
    dead = c.dead_air
    cells = [
        _cell(link, entry.folder),
        _cell(esc(report.instant(0.0)[:19].replace("T", " ")), report.instant(0.0)),
        _cell(length_text(report.duration_s), report.duration_s),
        _cell(people, len(ids)),
        _cell(_share(c.talk_time_s, report.duration_s), c.talk_time_s),
        _cell(_share(c.overlap_s, c.talk_time_s), c.overlap_s),
        _cell(length_text(c.non_talk_time_s), c.non_talk_time_s),
        _cell(
            "–" if dead is None else f"{dead.count} ({length_text(dead.total_s)})",
            None if dead is None else dead.total_s,
        ),
        _cell(
            str(sum(p.interruptions for p in c.participants)),
            sum(p.interruptions for p in c.participants),
        ),
        _cell(warned or "–", len(report.warnings) + 1000 * len(lost)),
        _cell(esc(", ".join(sorted({q.code for q in report.quality}))) or "–", len(report.quality)),
    ]
    cls = " class=incomplete" if lost else ""
    return f'<tr data-recording="{name}"{cls}>{"".join(cells)}</tr>'


def render_index(entries: Sequence[IndexEntry], *, title: str = "callrec: recordings") -> str:
    """``index.html`` for the run's recordings, in the order given."""
    head = "".join(
        f"<th data-type={kind} tabindex=0 title='sort'>{esc(label)}</th>" for label, kind in _HEAD
    )
    rows = "".join(_row(entry) for entry in entries)
    done = sum(e.report is not None for e in entries)
    hours = sum(e.report.duration_s for e in entries if e.report is not None) / 3600
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv=Content-Security-Policy content="{csp_for(_SCRIPT)}">'
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{esc(title)}: {len(entries)} recording(s)</title><style>{_STYLE}</style></head>"
        f"<body><h1>{esc(title)}</h1><p>{len(entries)} recording(s), {done} with a report, "
        f"{hours:.2f} h of audio. Click a column to sort.</p>"
        f"<table id=recordings><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        f"<script type=application/json id=callrec-index>{script_json({'count': len(entries)})}"
        f"</script><script>{_SCRIPT}</script></body></html>\n"
    )


_STYLE = """
:root{font:14px/1.4 system-ui,sans-serif;color:#222}body{margin:1em 2em}h1{font-size:1.4em}
table{border-collapse:collapse;font-size:.92em}th,td{border:1px solid #ddd;padding:.25em .5em;
text-align:left;vertical-align:top}thead th{background:#f4f4f4;cursor:pointer;user-select:none;
white-space:nowrap}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
td span{display:inline-block;max-width:22em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
tr.failed td{color:#a00}tr.incomplete{background:#fff4f4}.lost{color:#a00}
"""

_SCRIPT = r"""
(()=>{const t=document.getElementById('recordings'),body=t.tBodies[0];
const ths=[...t.tHead.rows[0].cells];
function sort(th){const i=ths.indexOf(th),num=th.dataset.type==='num';
 const dir=th.getAttribute('aria-sort')==='ascending'?-1:1;
 ths.forEach(h=>h.removeAttribute('aria-sort'));th.setAttribute('aria-sort',dir>0?'ascending':'descending');
 const key=r=>{if(i>0&&r.classList.contains('failed'))return null;const c=r.cells[i];
  if(!c)return null;const v=c.dataset.v??c.textContent;if(!num)return v;
  const f=parseFloat(v);return Number.isNaN(f)?null:f};
 const rows=[...body.rows].sort((a,b)=>{const x=key(a),y=key(b);
  if(x===null||y===null)return (x===null)-(y===null);return (x<y?-1:x>y?1:0)*dir});
 body.append(...rows)}
ths.forEach(th=>{th.addEventListener('click',()=>sort(th));
 th.addEventListener('keydown',e=>{if(e.key==='Enter')sort(th)})});
})();
"""
