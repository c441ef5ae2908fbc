"""Where ``callrec process`` spends its time on ``bench_speed.py``'s inputs: cProfile, own time.

Run from the repository root after ``python benchmarks/bench_speed.py`` made the inputs::

    python benchmarks/profile_speed.py            # the 60-minute 5-channel recording
    python benchmarks/profile_speed.py --day      # the 100 two-minute calls
    python benchmarks/profile_speed.py --top 40

The command line runs each recording in a worker process, which a profiler in the parent does
not see; this calls :func:`callrec.process` in this process instead (``jobs=None``), into a
temporary folder. Track writes run on their own thread (``callrec-writes``), which cProfile
does not follow either: their time shows as the pass waiting for the queue or for the last
syncs (``acquire`` of a lock).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

import callrec

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_speed  # the inputs' names

DATA = bench_speed.ROOT / "benchmarks" / ".data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--day", action="store_true", help="the 100 two-minute calls")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    source = DATA / "day-100x2min" / "calls" if args.day else DATA / "speed-60min-5ch-recording"
    if not source.exists():
        sys.exit(f"{source} is missing: run python benchmarks/bench_speed.py first")
    with tempfile.TemporaryDirectory(dir=DATA) as out:
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        result = callrec.process(source, Path(out), force=True)
        profile.disable()
        wall = time.perf_counter() - started
    failed = [o for o in result.outcomes if o.status != "done"]
    print(
        f"{source.name}: {len(result.outcomes)} recording(s), {len(failed)} not done, {wall:.2f} s"
    )
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
