"""The page of a long call: how big ``report.html`` is and how fast Chromium renders it.

A four-hour call of two participants taking turns (tests/long_call.py: tone bursts in two chunks,
a pause and a gap, thousands of utterances) is generated once into ``benchmarks/.data/``,
processed by ``callrec process`` (timed, with and without ``--plots``), and its page opened in
headless Chromium (Debian's ``chromium``, driven as the tests drive it: tests/browser.py) several
times: the navigation's load event, the first frame after it, and a zoom to 32x (the width
changes, every element is laid out again).

    python benchmarks/bench_pages.py                 # 4 hours at 16 kHz (about 1 GB of input)
    python benchmarks/bench_pages.py --hours 1 --rate 8000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.browser import Browser  # noqa: E402  (the tests' way to drive Chromium)
from tests.long_call import make_long_call  # noqa: E402

_TIMING = """new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done({
  load: performance.getEntriesByType('navigation')[0].loadEventEnd,
  frame: performance.now(),
  segments: document.querySelectorAll('b[data-participant]').length,
  marks: document.querySelectorAll('i[data-kind]').length}))))"""
_ZOOM = """new Promise(done => { const t = performance.now(), b = document.querySelector('[data-zoom="2"]');
  for (let i = 0; i < 5; i++) b.click();
  requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t))); })"""


def _process(source: Path, out: Path, *extra: str) -> float:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    command = [sys.executable, "-m", "callrec", "process", str(source), "--out", str(out)]
    subprocess.run([*command, "-q", "-j", "1", *extra], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--rate", type=int, default=16000)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    data = ROOT / "benchmarks" / ".data" / f"long-call-{args.hours:g}h-{args.rate}"
    if not (data / "done").exists():
        shutil.rmtree(data, ignore_errors=True)
        make_long_call(data, hours=args.hours, rate=args.rate)
        (data / "done").touch()
    out = ROOT / "benchmarks" / ".data" / "long-call-out"
    plain = _process(data, out)
    plots = _process(data, out, "--plots")
    (page,) = out.glob("*/report.html")
    report = page.parent / "report.json"
    print(f"call: {args.hours:g} h at {args.rate} Hz, 2 participants")
    print(f"callrec process: {plain:.1f} s; with --plots: {plots:.1f} s")
    print(f"report.html: {page.stat().st_size:,} bytes (report.json: {report.stat().st_size:,})")
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(Path(profile) / "profile")
        try:
            loads, frames, zooms = [], [], []
            for _ in range(args.loads):
                browser.open(page)
                timing = browser.js(_TIMING)
                loads.append(timing["load"])
                frames.append(timing["frame"])
                zooms.append(browser.js(_ZOOM))
        finally:
            browser.close()
    print(f"drawn: {timing['segments']} utterances, {timing['marks']} pauses/gaps/joins/lost")
    for name, values in (("load event", loads), ("first frame", frames), ("zoom to 32x", zooms)):
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(f"{name}: median {statistics.median(values):.0f} ms ({shown})")


if __name__ == "__main__":
    main()
