"""``callrec process`` against the durable split floor S and the stream-read floor (issue: the
analysis hidden behind the writing the job must do anyway), whole processes, in rounds.

Run from the repository root after ``pip install '.[bench]'``::

    python benchmarks/bench_speed.py              # the three rows, 3 rounds
    python benchmarks/bench_speed.py --repeat 5
    python benchmarks/bench_speed.py --memory-hours 4   # and the peak of a 4-hour 5-channel call
    python benchmarks/bench_speed.py --before ../old    # and an earlier checkout's rows beside

Rows:

1. one 60-minute 5-channel recording: ``callrec process -j 1`` against S (``split_floor.py``:
   soundfile blocks in, one raw file per channel out, each fsync'ed) and the read floor;
2. a day of short calls: 100 two-minute calls of 2 or 3 participants (made once, with a fixed
   seed, by :func:`make_day`), ``-j 1`` against S over the same files;
3. the same with ``-j 2``, against ``-j 1``;

and the analysis alone (``callrec.analyze_recording`` of the long recording, nothing written)
against the read floor; ``import callrec`` against a bare interpreter; with ``--memory-hours``,
``callrec process`` of a call that long (5 channels), for its peak memory. With ``--before
CHECKOUT``, the callrec rows are run again with that checkout's ``src`` first on the path, in the
same rounds, each against this code's row: a before and after that the machine's drift over
minutes does not skew. Ratios are medians of per-round ratios (``bench_core.py`` says why).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_core  # the generator, the recording folders and the timing rounds

ROOT = bench_core.ROOT
HERE = Path(__file__).resolve().parent
ANALYZE = """
import sys, callrec
for recording in callrec.open_recordings(sys.argv[1]):
    callrec.analyze_recording(recording)
"""
READ = """
import sys, soundfile
for name in sys.argv[1:]:
    with soundfile.SoundFile(name) as f:
        for block in f.blocks(65536, dtype="int16", always_2d=True):
            pass
"""


def make_day(data: Path, count: int = 100, minutes: float = 2.0) -> Path:
    """``count`` one-chunk unmixed calls of ``minutes``, 2 or 3 participants alternately, each
    with a call id of its own, in one folder tree (made once)."""
    day = data / f"day-{count}x{minutes:g}min" / "calls"
    if day.exists():
        return day
    staging = day.with_name("calls.partial")
    shutil.rmtree(staging, ignore_errors=True)
    for n in range(count):
        channels = 2 + n % 2
        wav = bench_core.make_input(
            data / "day-media" / f"call-{n:03d}-{channels}ch.wav",
            minutes=minutes,
            channels=channels,
            seed=1000 + n,
        )
        target = staging / f"call-{n:03d}"
        target.parent.mkdir(parents=True, exist_ok=True)
        bench_core.recording_folder(wav).rename(target)
        for metadata in target.glob("*.json"):
            document = json.loads(metadata.read_text())
            document["callId"] = f"0d0d0d0d-1111-2222-3333-{n:012d}"
            metadata.write_text(json.dumps(document))
    staging.rename(day)
    return day


def media_of(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*.wav"))


def rows(
    long_folder: Path,
    day: Path,
    outs: Path,
    huge: Path | None = None,
    before: Path | None = None,
) -> list[dict[str, Any]]:
    python = sys.executable
    process = [python, "-m", "callrec", "process", "--force", "--quiet"]
    plan = [
        ("start-up", "python", None, [python, "-c", "pass"]),
        ("start-up", "import callrec", "python", [python, "-c", "import callrec"]),
        ("60 min 5 ch", "read floor", None, [python, "-c", READ, *media_of(long_folder)]),
        ("60 min 5 ch", "S", None, [python, str(HERE / "split_floor.py"), str(outs / "s-long"), *media_of(long_folder)]),
        ("60 min 5 ch", "process -j 1", "S", [*process, str(long_folder), "--out", str(outs / "long"), "-j", "1"]),
        ("60 min 5 ch", "analysis only", "read floor", [python, "-c", ANALYZE, str(long_folder)]),
        ("100 x 2 min", "S", None, [python, str(HERE / "split_floor.py"), str(outs / "s-day"), *media_of(day)]),
        ("100 x 2 min", "process -j 1", "S", [*process, str(day), "--out", str(outs / "day1"), "-j", "1"]),
        ("100 x 2 min", "process -j 2", "process -j 1", [*process, str(day), "--out", str(outs / "day2"), "-j", "2"]),
    ]  # fmt: skip
    if huge is not None:
        plan.append(
            ("long call", "process -j 1", None, [*process, str(huge), "--out", str(outs / "huge"), "-j", "1"])
        )  # fmt: skip
    if before is not None:  # each right after its own row: the same moment of the machine
        plan = [
            row
            for group, name, base, argv in plan
            for row in [(group, name, base, argv)]
            + (
                [(group, f"before: {name}", name, _earlier(before, argv))]
                if name.startswith(("process", "analysis")) and group != "long call"
                else []
            )
        ]
    return [{"group": g, "name": n, "base": b, "argv": a} for g, n, b, a in plan]


def _earlier(checkout: Path, argv: list[str]) -> list[str]:
    """``argv`` run on ``checkout``'s callrec, into an output folder of its own."""
    argv = list(argv)
    if "--out" in argv:
        at = argv.index("--out") + 1
        argv[at] += "-before"
    return ["env", f"PYTHONPATH={(checkout / 'src').resolve()}", *argv]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / ".data")
    parser.add_argument("--memory-hours", type=float, default=0.0)
    parser.add_argument(
        "--before", type=Path, help="an earlier checkout: its callrec rows run beside these"
    )
    args = parser.parse_args()
    if args.before is not None and not (args.before / "src" / "callrec").is_dir():
        parser.error(f"--before {args.before}: no src/callrec there")
    wav = bench_core.make_input(args.data / "speed-60min-5ch.wav", minutes=60, channels=5)
    long_folder = bench_core.recording_folder(wav)
    day = make_day(args.data)
    outs = args.data / "speed-out"
    huge = None
    if args.memory_hours:  # the same file as bench_core.py --memory-hours makes
        tag = f"{args.memory_hours:g}h"
        big = bench_core.make_input(
            args.data / f"speech-{tag}-5ch.wav", minutes=args.memory_hours * 60, channels=5, seed=11
        )
        huge = bench_core.recording_folder(big)
    plan = rows(long_folder, day, outs, huge, args.before)
    bench_core.run_rounds(plan, args.repeat)
    bench_core.print_rounds(plan)


if __name__ == "__main__":
    main()
