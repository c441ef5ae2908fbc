"""What this machine and the arithmetic leave for ``callrec process``: the second core, and the
K-weighting as compiled code.

Run from the repository root after ``python benchmarks/bench_speed.py`` made the inputs::

    python benchmarks/ceiling.py                  # 3 rounds, medians
    pip install numba && python benchmarks/ceiling.py   # and the compiled K-weighting row

Rows:

1. a cache-resident float32 product loop (the K-weighting's shape), on one thread, then on two
   threads at once: how much a second thread adds on this machine's cores;
2. ``callrec.analyze_recording`` of the 60-minute 5-channel call, alone, then two at once on
   two threads: the same for the real analysis (most of its numpy calls release the GIL);
3. the 60-minute call's K-weighting and 100 ms step powers: callrec's block-matrix filter
   (``LoudnessMeter``) against a compiled sample-by-sample recursion of the same sections
   (numba, channels interleaved), whose step powers must agree with callrec's first.

"Two at once" is the time for both, against one alone: 1.0 would be a second core as good as
the first, 2.0 no second core at all.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the command line runs: one per thread

import numpy as np
import soundfile

import callrec
from callrec.dsp import LoudnessMeter, k_weighting_sos

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_core

DATA = bench_core.ROOT / "benchmarks" / ".data"
BLOCK = 1 << 16


def timed(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def twice_at_once(work: Callable[[], object]) -> Callable[[], None]:
    def both() -> None:
        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    return both


def products() -> None:
    rng = np.random.default_rng(0)
    joint = rng.standard_normal((20000, 36)).astype(np.float32)
    maps = rng.standard_normal((36, 32)).astype(np.float32)
    out = np.empty((20000, 32), np.float32)
    for _ in range(300):
        np.matmul(joint, maps, out=out)


def callrec_step_powers(samples: np.ndarray) -> np.ndarray:
    meter = LoudnessMeter(16000)
    for start in range(0, len(samples), BLOCK):
        meter.update(samples[start : start + BLOCK])
    return meter.result().step_power


def compiled_step_powers() -> Callable[[np.ndarray], np.ndarray] | None:
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(cache=False, nogil=True)
    def steps(x: np.ndarray, sos: np.ndarray, step: int) -> np.ndarray:
        frames, channels = x.shape
        b0, b1, b2, a1, a2 = sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5]
        c0, c1, c2, d1, d2 = sos[1, 0], sos[1, 1], sos[1, 2], sos[1, 4], sos[1, 5]
        state = np.zeros((channels, 4))
        out = np.zeros((frames // step, channels))
        scale = 1.0 / (32768.0 * 32768.0 * step)
        for s in range(frames // step):
            for i in range(s * step, (s + 1) * step):
                for c in range(channels):  # independent recursions side by side
                    v = float(x[i, c])
                    y = b0 * v + state[c, 0]
                    state[c, 0] = b1 * v - a1 * y + state[c, 1]
                    state[c, 1] = b2 * v - a2 * y
                    w = c0 * y + state[c, 2]
                    state[c, 2] = c1 * y - d1 * w + state[c, 3]
                    state[c, 3] = c2 * y - d2 * w
                    out[s, c] += w * w
        return out * scale

    sos = np.ascontiguousarray(k_weighting_sos(16000))
    steps(np.zeros((3200, 2), np.int16), sos, 1600)  # compiled here, not in the timing
    return lambda samples: steps(samples, sos, 1600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = DATA / "speed-60min-5ch-recording"
    if not folder.exists():
        sys.exit("run benchmarks/bench_speed.py first: it makes the 60-minute call")
    [recording] = callrec.open_recordings(folder)

    def analysis() -> None:
        callrec.analyze_recording(recording)

    rows: list[tuple[str, float, str]] = []
    for name, work in [("float32 products", products), ("analysis of 60 min 5 ch", analysis)]:
        work()  # warm: page cache, lazy imports, scratch buffers
        one = timed(work, args.rounds)
        two = timed(twice_at_once(work), args.rounds)
        rows += [(f"{name}, one", one, ""), (f"{name}, two at once", two, f"{two / one:.2f}x one")]

    samples = soundfile.read(DATA / "speed-60min-5ch.wav", dtype="int16", always_2d=True)[0]
    ours = callrec_step_powers(samples)
    base = timed(lambda: callrec_step_powers(samples), args.rounds)
    rows.append(("K-weighting + steps, callrec", base, ""))
    compiled = compiled_step_powers()
    if compiled is None:
        rows.append(("K-weighting + steps, compiled", float("nan"), "pip install numba"))
    else:
        theirs = compiled(samples)
        # callrec filters in float32: within 1e-6 of the output's scale, 1e-5 dB of the powers.
        loud = ours > 1e-6 * ours.max()
        worst = float(np.max(np.abs(theirs[loud] / ours[loud] - 1.0)))
        if not worst < 1e-4:
            sys.exit(f"the compiled filter disagrees with callrec's: {worst:.2e} relative")
        took = timed(lambda: compiled(samples), args.rounds)
        rows.append(("K-weighting + steps, compiled", took, f"{took / base:.2f}x callrec"))
    for name, seconds, ratio in rows:
        print(f"{name:38} {seconds:8.3f} s  {ratio}")


if __name__ == "__main__":
    main()
