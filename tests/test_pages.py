"""The pages: ``report.html`` per recording and ``index.html`` per run, checked against the reports
they show, first as markup (html.parser) and then in a real browser (Debian's headless Chromium,
started here and stopped by its process id: tests/browser.py): what is drawn where, a click on an
utterance that plays its participant from its start, sorting the index, a four-hour call; and
``--plots``.

The screenshot of the sample's page is kept as an artifact (``$CALLREC_ARTIFACTS`` or the test's
temporary folder) and compared with ``docs/report-page.png`` (the README's) by structure only;
``CALLREC_UPDATE_SCREENSHOT=1`` writes it there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pytest
import soundfile

import callrec
from callrec import cli
from callrec.errors import MissingExtraError
from callrec.output.index_page import IndexEntry, render_index
from callrec.output.options import ViewOptions
from callrec.output.page import lost_spans, render_page, timeline_marks
from callrec.output.report import Report, WarningReport

from .browser import Browser, chromium, png_size
from .conftest import ALICE, BOB, ROOT, SAMPLES, meta, write_chunk
from .long_call import make_long_call
from .signals import dtmf_tone, sequence, sine, to_int16

UNMIXED = "b5a3e2c1-7d44-4f0e-9a8b-2c6d1e0f9a37"  # the call id of samples/unmixed-call
KINDS = ("pause", "gap", "join", "lost")


# --- reading a page -------------------------------------------------------------------------


class Page(HTMLParser):
    """Every element of a page with its attributes, the text of its scripts, its links."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

    def tagged(self, tag: str) -> list[dict[str, str]]:
        return [attrs for t, attrs in self.elements if t == tag]

    def segments(self) -> set[tuple[str, float, float]]:
        return {
            (a["data-participant"], float(a["data-start-s"]), float(a["data-end-s"]))
            for a in self.tagged("b")
            if "data-participant" in a
        }

    def marks(self, kind: str) -> list[tuple[float, float]]:
        return sorted(
            (float(a["data-start-s"]), float(a["data-end-s"]))
            for a in self.tagged("i")
            if a.get("data-kind") == kind
        )


def _page(folder: Path) -> Page:
    return Page((folder / "report.html").read_text(encoding="utf-8"))


def _report_segments(report: Report) -> set[tuple[str, float, float]]:
    return {(label, a, b) for label, t in report.tracks() for a, b in t.speech_segments}


def _pauses(report: Report) -> list[tuple[float, float]]:
    return sorted(
        (p.start_s, round(p.start_s + p.duration_s, 6)) for c in report.chunks for p in c.pauses
    )


def _check_against_report(page: Page, report: Report) -> None:
    """Everything the report says happened is on the page, once, where the report says."""
    assert page.segments() == _report_segments(report)
    assert len(page.tagged("b")) - 1 == sum(len(t.speech_segments) for _, t in report.tracks())
    assert page.marks("pause") == _pauses(report)
    starts = sorted(c.start_s for c in report.chunks)
    assert page.marks("join") == [(s, s) for s in starts[1:]]
    assert page.marks("lost") == sorted((m.start_s, m.end_s) for m in lost_spans(report))
    keys = [(a["data-participant"], a["data-key"]) for a in page.tagged("kbd") if "data-key" in a]
    assert sorted(keys) == sorted((label, k.key) for label, t in report.tracks() for k in t.keys)


def _check_self_contained(text: str, page: Page, folder: Path) -> None:
    """Nothing fetched from anywhere: no style sheet, script, font, frame or image by address,
    and the only files named are the tracks beside the page, which exist."""
    assert not [tag for tag, _ in page.elements if tag in ("link", "iframe", "img", "object")]
    assert all("src" not in attrs for attrs in page.tagged("script"))
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert "http:" not in value and "https:" not in value, (tag, name, value)
            assert "//" not in value or name in ("title", "content"), (tag, name, value)
    assert "@import" not in text and "url(" not in text
    (csp,) = [a for a in page.tagged("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert (
        "default-src 'none'" in csp["content"]
        and "unsafe-inline" not in csp.get("content", "").split("script-src")[1].split(";")[0]
    )
    # The page's one script is the one the policy lets run: by its hash.
    import base64
    import hashlib
    import re

    (script,) = re.findall(r"<script>(.*?)</script>", text, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp["content"]
    for attrs in page.tagged("audio"):
        assert (folder / unquote(attrs["src"])).is_file(), attrs["src"]


@pytest.fixture(scope="module")
def samples_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples processed once for the module, in the default way."""
    out = tmp_path_factory.mktemp("pages") / "out"
    assert cli.main(["process", str(SAMPLES), "--out", str(out), "--quiet", "-j", "1"]) == 0
    return out


def _folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir())


# --- the markup -----------------------------------------------------------------------------


def test_every_sample_page_shows_its_report(samples_out: Path) -> None:
    folders = _folders(samples_out)
    assert len(folders) == 3
    for folder in folders:
        report = callrec.load_report(folder / "report.json")
        text = (folder / "report.html").read_text(encoding="utf-8")
        page = Page(text)
        _check_against_report(page, report)
        _check_self_contained(text, page, folder)
        assert len(page.tagged("audio")) == len(report.tracks())
    unmixed = callrec.load_report(samples_out / UNMIXED / "report.json")
    # The sample has a pause and a second chunk: both are drawn and labelled.
    assert _page(samples_out / UNMIXED).marks("pause") == [(3.0, 4.5)]
    assert _page(samples_out / UNMIXED).marks("join") == [(7.0, 7.0)]
    assert len(_report_segments(unmixed)) == 8


def test_the_index_has_a_row_per_recording_linking_to_its_page(samples_out: Path) -> None:
    page = Page((samples_out / "index.html").read_text(encoding="utf-8"))
    rows = [a["data-recording"] for a in page.tagged("tr") if "data-recording" in a]
    assert rows == [f.name for f in _folders(samples_out)]
    links = [a["href"] for a in page.tagged("a")]
    assert len(links) == 3
    for link in links:
        assert (samples_out / unquote(link)).is_file()
    assert len(page.tagged("th")) == 11
    _check_self_contained((samples_out / "index.html").read_text(), page, samples_out)


def _hostile(report: Report) -> Report:
    """The sample's report with ids and messages that try to break out of the markup."""
    evil = '8:acs:"><script>alert(1)</script>&amp;</script><!--'
    first = report.participants[0].model_copy(update={"participant_id": evil})
    return report.model_copy(
        update={
            "call_id": "</title><script>x()</script>",
            "participants": [first, *report.participants[1:]],
            "warnings": [WarningReport(code="x</script>", message="<img src=https://x/y>")],
        }
    )


def test_text_from_files_cannot_change_the_page(samples_out: Path) -> None:
    report = _hostile(callrec.load_report(samples_out / UNMIXED / "report.json"))
    text = render_page(report)
    page = Page(text)
    assert len(page.tagged("script")) == 2 and len(page.scripts) == 2
    assert page.tagged("img") == []
    who = {p for p, _, _ in page.segments()}
    assert report.participants[0].participant_id in who
    data = json.loads(page.scripts[0])  # the JSON block parses, and holds no markup
    assert data["duration"] == report.duration_s and "<" not in page.scripts[0]
    assert "<title>Call &lt;/title&gt;&lt;script&gt;" in text
    entries = [IndexEntry("a<b", report), IndexEntry("</td>", None, error="<script>")]
    index = Page(render_index(entries))
    assert [a["data-recording"] for a in index.tagged("tr") if "data-recording" in a] == [
        "a<b",
        "</td>",
    ]
    assert len(index.tagged("script")) == 2


def _lossy_recording(folder: Path) -> None:
    """Chunk 0 (4 s, whole), chunk 1 (4 s, its media missing), chunk 2 missing (an 8 s gap in the
    index sequence), chunk 3 (4 s, its WAV cut to half of what its header declares)."""
    people = [(ALICE, 0), (BOB, 1)]
    write_chunk(folder, meta(0, duration_ms=4000, participants=people), frames=64000)
    write_chunk(
        folder,
        meta(1, start="2026-01-05T10:00:04.0000000Z", duration_ms=4000, participants=people),
        frames=None,
    )
    _, media = write_chunk(
        folder,
        meta(3, start="2026-01-05T10:00:16.0000000Z", duration_ms=4000, participants=people),
        frames=64000,
    )
    assert media is not None
    data = media.read_bytes()
    media.write_bytes(data[: 44 + (len(data) - 44) // 2])  # 32 000 of 64 000 frames remain


def test_lost_audio_is_drawn_where_it_was_lost(tmp_path: Path) -> None:
    _lossy_recording(tmp_path / "in")
    out = tmp_path / "out"
    assert (
        cli.main(["process", str(tmp_path / "in"), "--out", str(out), "-q"]) == cli.EXIT_INCOMPLETE
    )
    (folder,) = _folders(out)
    report = callrec.load_report(folder / "report.json")
    page = _page(folder)
    _check_against_report(page, report)
    lost = {(m.code, m.start_s, m.end_s) for m in lost_spans(report)}
    assert lost == {
        ("chunk-without-media", 4.0, 8.0),
        ("missing-chunk", 8.0, 16.0),
        ("truncated-media", 18.0, 20.0),
    }
    assert page.marks("gap") == [(8.0, 16.0)]
    codes = {a["data-code"] for a in page.tagged("i") if a.get("data-kind") == "lost"}
    assert codes == {"chunk-without-media", "missing-chunk", "truncated-media"}
    assert "Incomplete: audio lost" in (folder / "report.html").read_text()


def test_truncated_media_is_lost_from_where_it_ends_on_the_wall_clock(samples_out: Path) -> None:
    """Chunk 0 of the sample: 5.5 s of media over 7 s, paused from 3.0 s to 4.5 s. Media cut
    after 4.0 s ends at 5.5 s on the wall clock (the pause comes before)."""
    report = callrec.load_report(samples_out / UNMIXED / "report.json")
    cut = WarningReport(
        code="truncated-media",
        message="x.wav: truncated: read 64000 of the 88000 frames the header declares",
        chunk_index=0,
    )
    (mark,) = lost_spans(report.model_copy(update={"warnings": [cut]}))
    assert (mark.kind, mark.start_s, mark.end_s, mark.code) == ("lost", 5.5, 7.0, "truncated-media")
    unknown = cut.model_copy(update={"message": "damaged"})  # no frame count: the whole chunk
    (mark,) = lost_spans(report.model_copy(update={"warnings": [unknown]}))
    assert (mark.start_s, mark.end_s) == (0.0, 7.0)


def test_keys_are_marked_on_the_lane_of_who_pressed_them(tmp_path: Path) -> None:
    rate = 16_000
    agent = sequence([(-120, 0.5), (-20, 1.5), (-120, 2.0)], rate)
    customer = np.concatenate(
        [np.zeros(rate * 2), dtmf_tone("5", 0.3, rate), np.zeros(rate * 2 - 4800)]
    )
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "call.json").write_text(json.dumps(meta(duration_ms=4000)))
    audio = np.stack([to_int16(agent), to_int16(customer)], axis=1)
    soundfile.write(folder / "call.wav", audio, rate, subtype="PCM_16")
    out = tmp_path / "out"
    assert cli.main(["process", str(folder), "--out", str(out), "-q"]) == 0
    (recording,) = _folders(out)
    report = callrec.load_report(recording / "report.json")
    page = _page(recording)
    _check_against_report(page, report)
    (key,) = [a for a in page.tagged("kbd") if "data-key" in a]
    assert (key["data-participant"], key["data-key"]) == (BOB, "5")
    assert float(key["data-start-s"]) == report.participants[1].keys[0].start_s
    assert 1.95 <= float(key["data-start-s"]) <= 2.05


def test_no_html_writes_no_page_and_removes_earlier_ones(tmp_path: Path) -> None:
    source, out = SAMPLES / "mixed-call-wav", tmp_path / "out"
    assert cli.main(["process", str(source), "--out", str(out), "-q"]) == 0
    (folder,) = _folders(out)
    assert (folder / "report.html").is_file() and (out / "index.html").is_file()
    assert cli.main(["process", str(source), "--out", str(out), "-q", "--no-html"]) == 0
    assert not (folder / "report.html").exists() and not (out / "index.html").exists()
    report = callrec.load_report(folder / "report.json")
    assert report.provenance.options["views"] == {"html": False, "plots": False}
    # A page deleted by hand is missing output: the next run redoes the recording.
    assert cli.main(["process", str(source), "--out", str(out), "-q"]) == 0
    (folder / "report.html").unlink()
    lines: list[str] = []
    result = callrec.process(source, out, on_outcome=lambda o, *_: lines.append(o.status))
    assert lines == ["done"] and result.ok and (folder / "report.html").is_file()
    result = callrec.process(source, out, on_outcome=lambda o, *_: lines.append(o.status))
    assert lines == ["done", "skipped"]


def test_the_defaults_leave_provenance_as_it_was() -> None:
    assert "views" not in callrec.ProcessOptions().as_dict()
    changed = callrec.ProcessOptions(views=ViewOptions(plots=False, html=False)).as_dict()
    assert changed["views"] == {"html": False, "plots": False}


def test_a_failed_recording_has_its_row_with_the_error(tmp_path: Path) -> None:
    write_chunk(tmp_path / "in" / "good", meta(0, call_id="good-call"), frames=32000)
    bad = meta(0, call_id="bad-call", participants=[(ALICE, 0), (BOB, 5)])
    write_chunk(tmp_path / "in" / "bad", bad, frames=32000)
    out = tmp_path / "out"
    assert cli.main(["process", str(tmp_path / "in"), "--out", str(out), "-q"]) == cli.EXIT_FAILED
    page = Page((out / "index.html").read_text(encoding="utf-8"))
    rows = {
        a["data-recording"]: a.get("class", "") for a in page.tagged("tr") if "data-recording" in a
    }
    assert rows == {"bad-call": "failed", "good-call": ""}
    assert "ChannelConflictError" in (out / "index.html").read_text()
    assert [a["href"] for a in page.tagged("a")] == ["good-call/report.html"]


# --- plots ----------------------------------------------------------------------------------


def test_plots_are_written_and_follow_the_option(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    source, out = SAMPLES / "unmixed-call", tmp_path / "out"
    assert cli.main(["process", str(source), "--out", str(out), "-q", "--plots"]) == 0
    folder = out / UNMIXED
    for name in ("timeline.png", "levels.png"):
        width, height = png_size(folder / name)
        assert width == 1200 and 200 < height < 600, (name, width, height)
    links = [a["href"] for a in _page(folder).tagged("a")]
    assert "timeline.png" in links and "levels.png" in links
    assert cli.main(["process", str(source), "--out", str(out), "-q"]) == 0
    assert not (folder / "timeline.png").exists() and not (folder / "levels.png").exists()


def test_the_levels_are_short_term_loudness_of_each_track(tmp_path: Path) -> None:
    """A 1 kHz sine at -20 dBFS peak reads -23.0 LUFS (BS.1770: -3.01 LUFS at full scale)."""
    from callrec.output.plots import short_term_series

    rate = 16_000
    signal = np.concatenate([np.zeros(rate * 2), sine(-20.0, 10.0, rate)])
    soundfile.write(tmp_path / "t.wav", to_int16(signal), rate, subtype="PCM_16")
    series, step_s = short_term_series(tmp_path / "t.wav", block_frames=4096)
    assert step_s == 0.1
    assert len(series) == 120 - 30 + 1
    # The first window holds 2 s of silence and 1 s of tone: a third of the power.
    assert series[0] == pytest.approx(-23.01 + 10 * np.log10(1 / 3), abs=0.1)
    steady = series[60:]  # windows wholly inside the tone
    assert np.allclose(steady, -23.01, atol=0.05)


def test_plots_without_matplotlib_name_the_extra(tmp_path: Path) -> None:
    with pytest.raises(MissingExtraError, match=r"callrec\[plots\]"):
        _without_matplotlib(lambda: ViewOptions(plots=True))
    code = (
        "import sys\nsys.modules['matplotlib'] = None\nfrom callrec.cli import main\n"
        f"sys.exit(main(['process', {str(SAMPLES / 'mixed-call-wav')!r}, '--out', "
        f"{str(tmp_path / 'out')!r}, '-q', '--plots']))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == cli.EXIT_FAILED
    assert "pip install 'callrec[plots]'" in run.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was made


def _without_matplotlib(make: Any) -> Any:
    saved = sys.modules.get("matplotlib")
    sys.modules["matplotlib"] = None  # type: ignore[assignment]
    try:
        return make()
    finally:
        if saved is None:
            del sys.modules["matplotlib"]
        else:
            sys.modules["matplotlib"] = saved


# --- in a browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if chromium() is None:
        reason = "chromium is not installed (apt-get install chromium; .ci/run installs it)"
        import warnings

        warnings.warn(f"the page tests in a browser skip: {reason}", stacklevel=1)
        pytest.skip(reason)
    started = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    try:
        yield started
    finally:
        started.close()


_DRAWN = """(() => {
  const lanes = [...document.querySelectorAll('.lane')];
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
  const inner = document.getElementById('inner').getBoundingClientRect();
  return {
    inner: [inner.left, inner.width],
    lanes: lanes.map(box),
    segments: [...document.querySelectorAll('b[data-participant]')].map(e => ({
      lane: lanes.indexOf(e.closest('.lane')), who: e.dataset.participant,
      start: +e.dataset.startS, end: +e.dataset.endS, box: box(e),
      visible: getComputedStyle(e).display !== 'none' && getComputedStyle(e).visibility !== 'hidden'})),
    marks: [...document.querySelectorAll('i[data-kind]')].map(e => ({
      kind: e.dataset.kind, start: +e.dataset.startS, end: +e.dataset.endS, box: box(e)})),
  };
})()"""


def _check_drawn(browser: Browser, report: Report) -> dict[str, Any]:
    """Every utterance is a visible box in its participant's lane, at its time to a pixel; every
    pause, gap, join and lost stretch is drawn over the lanes, at its time."""
    drawn = browser.js(_DRAWN)
    left, width = drawn["inner"]
    per_second = width / report.duration_s
    labels = [label for label, _ in report.tracks()]
    assert len(drawn["segments"]) == len(_report_segments(report))
    for seg in drawn["segments"]:
        x, y, w, h = seg["box"]
        lane = drawn["lanes"][seg["lane"]]
        assert labels[seg["lane"]] == seg["who"] and seg["visible"]
        assert lane[1] <= y and y + h <= lane[1] + lane[3] and h >= 10
        assert abs(x - (left + seg["start"] * per_second)) <= 1.0
        assert abs(w - max(1.0, (seg["end"] - seg["start"]) * per_second)) <= 1.5
    top, bottom = drawn["lanes"][0][1], drawn["lanes"][-1][1] + drawn["lanes"][-1][3]
    marks = timeline_marks(report)
    assert sorted((m["kind"], m["start"], m["end"]) for m in drawn["marks"]) == sorted(
        (m.kind, m.start_s, m.end_s) for m in marks
    )
    for mark in drawn["marks"]:
        x, y, w, h = mark["box"]
        assert abs(x - (left + mark["start"] * per_second)) <= 1.0
        assert y <= top + 1 and y + h >= bottom - 1, mark  # over every lane
    return dict(drawn)


def test_the_sample_pages_draw_everything_in_chromium(samples_out: Path, browser: Browser) -> None:
    for folder in _folders(samples_out):
        report = callrec.load_report(folder / "report.json")
        browser.open(folder / "report.html")
        _check_drawn(browser, report)
        fits = "(s => s.scrollWidth <= s.clientWidth)(document.getElementById('scroll'))"
        assert browser.js(fits), "at first the whole call fits: nothing sticks out to scroll to"
        # Zoomed in, the same elements stay where their times are.
        browser.js("document.querySelector('[data-zoom=\"2\"]').click()")
        assert browser.js("document.getElementById('inner').style.width") == "200%"
        _check_drawn(browser, report)


def _wait_for_position(browser: Browser, player: str) -> dict[str, Any]:
    position: dict[str, Any] = browser.js(
        f"""new Promise(done => {{
          const a = document.getElementById('{player}'), t0 = performance.now();
          (function look() {{
            if (a.readyState >= 1 && !a.seeking || performance.now() - t0 > 10000)
              return done({{t: a.currentTime, paused: a.paused, error: a.error && a.error.code,
                            others: [...document.querySelectorAll('audio')].filter(o => o !== a)
                                   .map(o => o.paused)}});
            setTimeout(look, 20);
          }})();
        }})"""
    )
    return position


def _click_segment(browser: Browser, participant: str, start_s: float) -> str:
    """Click the middle of an utterance; the id of the player of its lane."""
    found = browser.js(
        f"""(() => {{
          const e = [...document.querySelectorAll('b[data-participant]')]
            .find(b => b.dataset.participant === {json.dumps(participant)} && +b.dataset.startS === {start_s});
          e.scrollIntoView({{block: 'center', inline: 'center'}});
          const r = e.getBoundingClientRect();
          return [r.left + r.width / 2, r.top + r.height / 2, e.closest('.lane').dataset.player];
        }})()"""
    )
    browser.click(found[0], found[1])
    return str(found[2])


@pytest.mark.parametrize("layout", ["aligned", "compact"])
def test_clicking_an_utterance_plays_its_participant_from_its_start(
    layout: str, tmp_path: Path, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.chdir(ROOT)  # the sample as the README names it (the page shows the path)
    argv = ["samples/unmixed-call", "--out", str(out), "-q", "--layout", layout]
    assert cli.main(["process", *argv]) == 0
    folder = out / UNMIXED
    report = callrec.load_report(folder / "report.json")
    browser.open(folder / "report.html")
    customer = report.participants[1]
    # The customer's utterance after the pause: in compact layout its place in the track file
    # is 1.5 s earlier than on the wall clock.
    (start, _), (track_start, _) = customer.speech_segments[1], customer.track_speech_segments[1]
    assert start == 4.5 and track_start == (3.0 if layout == "compact" else 4.5)
    player = _click_segment(browser, customer.participant_id, start)
    assert player == "p1"
    position = _wait_for_position(browser, player)
    assert position["error"] is None
    assert track_start <= position["t"] < track_start + 1.0, position
    assert all(position["others"]), "the other players stay quiet"
    # The playhead is drawn on the wall clock, at or just after the utterance's start.
    head = browser.js(
        "(() => { const h = document.getElementById('head'), i = document.getElementById('inner');"
        "return [h.getBoundingClientRect().left - i.getBoundingClientRect().left, i.clientWidth,"
        " getComputedStyle(h).display]; })()"
    )
    assert head[2] == "block"
    assert start - 0.05 <= head[0] / head[1] * report.duration_s <= start + 1.5
    if layout == "aligned":
        _keep_screenshot(browser, tmp_path)


def _keep_screenshot(browser: Browser, tmp_path: Path) -> None:
    """The README's picture: made here, kept as an artifact, compared with the committed one by
    structure (a PNG of the same width and about the same height), never by pixels."""
    browser.js("document.getElementById('tip').hidden = true")
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=1, y=1)
    browser.js("window.scrollTo(0, 0)")
    folder = Path(os.environ.get("CALLREC_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    shot = browser.screenshot(folder / "report-page.png")
    width, height = png_size(shot)
    committed = ROOT / "docs" / "report-page.png"
    if os.environ.get("CALLREC_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, committed)
    assert 1300 <= width <= 1400 and height > 600  # the viewport, less its scroll bar
    known_width, known_height = png_size(committed)
    assert known_width == width and abs(known_height - height) < 0.25 * known_height


def test_the_index_sorts_by_a_column(samples_out: Path, browser: Browser) -> None:
    browser.open(samples_out / "index.html")
    durations = {
        f.name: callrec.load_report(f / "report.json").duration_s for f in _folders(samples_out)
    }
    order = "[...document.querySelectorAll('tr[data-recording]')].map(r => r.dataset.recording)"
    heading = "[...document.querySelectorAll('th')].find(t => t.textContent === 'duration')"
    browser.js(f"{heading}.click()")
    assert browser.js(order) == sorted(durations, key=durations.__getitem__)
    browser.js(f"{heading}.click()")
    assert browser.js(order) == sorted(durations, key=durations.__getitem__, reverse=True)


def test_failed_recordings_and_missing_figures_sort_last_both_ways(
    samples_out: Path, tmp_path: Path, browser: Browser
) -> None:
    reports = {f.name: callrec.load_report(f / "report.json") for f in _folders(samples_out)}
    names = list(reports)
    # Dead air of 5 s, 2.5 s, and none at all (nobody spoke: "–").
    for name, total in zip(names, (5.0, 2.5, None), strict=True):
        talk = reports[name].conversation
        dead = (
            talk.dead_air.model_copy(update={"total_s": total}) if total and talk.dead_air else None
        )
        new = talk.model_copy(update={"dead_air": dead})
        reports[name] = reports[name].model_copy(update={"conversation": new})
    entries = [IndexEntry(n, reports[n]) for n in names]
    entries.insert(1, IndexEntry("broken", None, error="metadata: not JSON"))
    (tmp_path / "index.html").write_text(render_index(entries), encoding="utf-8")
    browser.open(tmp_path / "index.html")
    order = "[...document.querySelectorAll('tr[data-recording]')].map(r => r.dataset.recording)"

    def click(label: str) -> list[str]:
        heading = f"[...document.querySelectorAll('th')].find(t => t.textContent === '{label}')"
        browser.js(f"{heading}.click()")
        got: list[str] = browser.js(order)
        return got

    duration = {n: r.duration_s for n, r in reports.items()}
    assert click("duration") == [*sorted(names, key=duration.__getitem__), "broken"]
    assert click("duration") == [*sorted(names, key=duration.__getitem__, reverse=True), "broken"]
    assert click("start (UTC)")[-1] == "broken"  # text columns too
    assert click("start (UTC)")[-1] == "broken"
    dead = {n: d.total_s for n, r in reports.items() if (d := r.conversation.dead_air)}
    assert len(dead) == 2
    for reverse in (False, True):
        got = click("dead air")
        assert got[: len(dead)] == sorted(dead, key=dead.__getitem__, reverse=reverse)
        assert set(got[len(dead) :]) == {"broken", *names} - set(dead)


# --- a four-hour call -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_call(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated four-hour call processed with --plots; the audio is deleted afterwards
    (1 GB), the page, plots and report kept."""
    root = tmp_path_factory.mktemp("long")
    call = make_long_call(root / "in", hours=4.0, rate=8000)
    argv = ["process", str(call.folder), "--out", str(root / "out"), "-q", "-j", "1"]
    if _has_matplotlib():
        argv.append("--plots")
    assert cli.main(argv) == 0
    (folder,) = _folders(root / "out")
    shutil.rmtree(call.folder)
    shutil.rmtree(folder / "participants")
    return folder


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def test_a_four_hour_call_page_is_small_and_complete(long_call: Path) -> None:
    report = callrec.load_report(long_call / "report.json")
    assert report.duration_s == 14400.0
    assert len(_report_segments(report)) > 4000
    size = (long_call / "report.html").stat().st_size
    assert size < 200 * len(_report_segments(report)), size  # compact markup
    page = _page(long_call)
    _check_against_report(page, report)
    assert page.marks("pause") == [(3600.0, 3660.0)]
    assert page.marks("gap") == [(7170.0, 7200.0)]
    if _has_matplotlib():
        assert png_size(long_call / "timeline.png")[0] == 1200


def test_a_four_hour_call_renders_quickly_in_chromium(long_call: Path, browser: Browser) -> None:
    report = callrec.load_report(long_call / "report.json")
    browser.open(long_call / "report.html")
    timing = browser.js(
        "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done({"
        "load: performance.getEntriesByType('navigation')[0].loadEventEnd,"
        "frame: performance.now()}))))"
    )
    # Generous for a loaded CI machine: about 0.3 s here (benchmarks/README.md).
    assert timing["load"] < 5000 and timing["frame"] < 6000, timing
    drawn = _check_drawn(browser, report)
    assert all(s["box"][2] >= 1 for s in drawn["segments"])
    zoom = browser.js(
        "(() => { const t = performance.now(); const b = document.querySelector('[data-zoom=\"2\"]');"
        "for (let i = 0; i < 5; i++) b.click(); document.body.getBoundingClientRect();"
        "return [performance.now() - t, document.getElementById('inner').style.width]; })()"
    )
    assert zoom[1] == "3200%" and zoom[0] < 3000, zoom
    _check_drawn(browser, report)


def test_plots_take_dollar_signs_in_names_as_text(samples_out: Path) -> None:
    """Call ids and names come from files: ``$…$`` must not be handed to mathtext."""
    pytest.importorskip("matplotlib")
    from callrec.output.plots import timeline_png

    report = callrec.load_report(_folders(samples_out)[0] / "report.json")
    hostile = report.model_copy(update={"call_id": r"a$\foo{$b"})
    assert timeline_png(hostile)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_levels_line_stays_open_over_cut_time_and_thinning_keeps_peaks() -> None:
    from callrec.output.plots import _open_at_jumps, _thinned

    x = np.array([0.0, 0.1, 0.2, 5.0, 5.1])
    y = np.array([-20.0, -21.0, -22.0, -30.0, -31.0])
    opened_x, opened_y = _open_at_jumps(x, y, 0.1)
    assert np.isnan(opened_y[3]) and np.isnan(opened_x[3]) and len(opened_y) == 6
    many = np.full(100_001, np.nan)
    many[[5, 100_000]] = [-10.0, -12.0]
    thin_x, thin_y = _thinned(np.arange(100_001) * 0.1, many)
    # Each run's peak survives a silent (NaN) neighbour, and the short last run is kept.
    assert len(thin_y) <= 8_000 and thin_y[0] == -10.0 and thin_y[-1] == -12.0
    assert thin_x[0] == pytest.approx(0.1 * (13 // 2))
