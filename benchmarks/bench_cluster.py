"""``callrec process`` on a two-worker Dask cluster against ``--jobs 2``, whole command each.

Run from the repository root after ``pip install '.[dask]'``::

    python benchmarks/bench_cluster.py                      # 20 recordings of 2 minutes, 5 rounds
    python benchmarks/bench_cluster.py --recordings 40 --minutes 5 --repeat 3

The recordings are made once into ``--data`` (default ``benchmarks/.data``) with the same
generator as ``bench_core.py`` (the committed espeak-ng clip at random gains and gaps over -62
dBFS noise), each a one-chunk unmixed recording of ``--channels`` participants, 16 kHz 16-bit.

The script starts a ``dask scheduler`` and one ``dask worker --nworkers 2 --nthreads 1`` on
127.0.0.1, as the README says to run them (``--dask-default-malloc``: without the README's
``MALLOC_MMAP_THRESHOLD_``), and stops them at the end. Each round times, as
fresh processes (start-up, imports and connecting included; the cluster's own start is not):
``callrec process --jobs 1``, ``--jobs 2`` and ``--scheduler ADDRESS``, each with ``--force``
into a folder of its own. Ratios are medians of the per-round ratios (``bench_core.py`` explains
why rounds). At the end it checks that the ``--jobs 2`` and the Dask outputs are the same (tracks
byte for byte, reports apart from provenance) and prints the workers' peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_core  # the generator and the timing rounds

ROOT = bench_core.ROOT


def make_recordings(data: Path, count: int, minutes: float, channels: int) -> Path:
    """``count`` one-chunk recordings, each with a call id of its own, in one folder tree."""
    tag = f"cluster-{count}x{minutes:g}min-{channels}ch"
    inputs = data / tag / "recordings"
    inputs.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        wav = bench_core.make_input(
            data / tag / "media" / f"call-{n:03d}.wav", minutes=minutes, channels=channels, seed=n
        )
        target = inputs / f"call-{n:03d}"
        if not target.exists():
            bench_core.recording_folder(wav).rename(target)
        for metadata in target.glob("*.json"):
            document = json.loads(metadata.read_text())
            document["callId"] = f"0e0e0e0e-1111-2222-3333-{n:012d}"
            metadata.write_text(json.dumps(document))
    return inputs


MMAP_THRESHOLD = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20)}
"""What the README sets for workers: Dask's nanny sets glibc's ``MALLOC_TRIM_THRESHOLD_``, which
also fixes the mmap threshold at 128 KiB, so every block callrec allocates would be mapped and
unmapped again (page faults); 32 MiB keeps them on the heap."""


def start_cluster(
    folder: Path, workers: int, *, tuned: bool = True
) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """A scheduler and ``workers`` one-thread workers on 127.0.0.1; their address and processes.
    ``tuned``: the workers' environment as the README says (:data:`MMAP_THRESHOLD`)."""
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "scheduler.json"
    file.unlink(missing_ok=True)
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    if tuned:
        env |= MMAP_THRESHOLD
    dask = [sys.executable, "-m", "dask"]
    common: dict[str, Any] = {"cwd": folder, "env": env, "start_new_session": True}
    with open(folder / "cluster.log", "wb") as log:
        common |= {"stdout": log, "stderr": subprocess.STDOUT}
        scheduler = subprocess.Popen(
            [
                *(*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"),
                *("--scheduler-file", str(file)),
            ],
            **common,
        )
        address = None
        while address is None:
            if scheduler.poll() is not None:
                raise RuntimeError(f"the scheduler did not start: see {folder / 'cluster.log'}")
            try:
                address = str(json.loads(file.read_text())["address"])
            except (OSError, ValueError, KeyError):  # not written yet, or not whole yet
                time.sleep(0.1)
        worker = subprocess.Popen(
            [
                *(*dask, "worker", "--scheduler-file", str(file), "--host", "127.0.0.1"),
                *("--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"),
                *("--local-directory", str(folder / "workers")),
            ],
            **common,
        )
    processes = [scheduler, worker]
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=120)
    return address, processes


def stop_cluster(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop the processes this script started: the workers first, each by its own id."""
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its session: what it started, no more
            process.wait()


def worker_peaks(address: str) -> list[float]:
    """Each worker process's peak resident set, MB."""
    from distributed import Client

    def peak_mb() -> float:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    with Client(address, set_as_default=False) as client:
        return sorted(client.run(peak_mb).values())


def same_outputs(a: Path, b: Path, a_input: str = "", b_input: str = "") -> bool:
    """The same files; reports equal apart from provenance; everything else byte for byte. Given
    the input roots ``a_input`` and ``b_input``, the inputs' names (in reports and pages) are
    compared relative to them."""

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }

    def report(data: bytes, root: str) -> Any:
        document = json.loads(data.decode().replace(root, "IN") if root else data)
        document.pop("provenance", None)
        return document

    def page(data: bytes, root: str) -> bytes:  # the page names the inputs too
        return data.replace(root.encode(), b"IN") if root else data

    mine, theirs = files(a), files(b)
    if sorted(mine) != sorted(theirs):
        return False
    return all(
        report(data, a_input) == report(theirs[name], b_input)
        if name.endswith("report.json")
        else page(data, a_input) == page(theirs[name], b_input)
        for name, data in mine.items()
    )


def command(inputs: Path, out: Path, *how: str) -> list[str]:
    return [
        *(sys.executable, "-m", "callrec", "process", str(inputs), "--out", str(out)),
        *("--force", "--quiet", *how),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recordings", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / ".data")
    parser.add_argument(
        "--dask-default-malloc",
        action="store_true",
        help="start the workers without the README's MALLOC_MMAP_THRESHOLD_ (Dask's defaults)",
    )
    args = parser.parse_args()

    inputs = make_recordings(args.data, args.recordings, args.minutes, args.channels)
    outs = inputs.parent / "out"
    group = f"{args.recordings} x {args.minutes:g} min, {args.channels} ch"
    address, processes = start_cluster(
        inputs.parent / "cluster", workers=2, tuned=not args.dask_default_malloc
    )
    try:
        plan = [
            {"name": "--jobs 1", "base": None, "how": ["--jobs", "1"]},
            {"name": "--jobs 2", "base": "--jobs 1", "how": ["--jobs", "2"]},
            {"name": "dask, 2 workers", "base": "--jobs 2", "how": ["--scheduler", address]},
        ]
        for entry in plan:
            entry["group"] = group
            entry["out"] = outs / entry["name"].replace(" ", "").replace(",", "-")
            entry["argv"] = command(inputs, entry["out"], *entry["how"])
        bench_core.run_rounds(plan, args.repeat)
        peaks = worker_peaks(address)
    finally:
        stop_cluster(processes)
    report(plan, peaks, args)


def report(plan: list[dict[str, Any]], peaks: list[float], args: argparse.Namespace) -> None:
    audio_min = args.recordings * args.minutes
    print(f"\n{args.recordings} recordings, {audio_min:g} min of {args.channels}-channel audio")
    bench_core.print_rounds(plan)
    malloc = "Dask's defaults" if args.dask_default_malloc else "MALLOC_MMAP_THRESHOLD_=32 MiB"
    print(f"dask workers' allocator: {malloc}")
    print(f"dask worker peak resident set: {', '.join(f'{p:.1f}' for p in peaks)} MB")
    same = same_outputs(plan[1]["out"], plan[2]["out"])
    print(f"--jobs 2 and dask outputs identical (reports apart from provenance): {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
