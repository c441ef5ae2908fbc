"""Recordings in Azure Blob storage (Azurite, the emulator, on 127.0.0.1) against the same
recordings on disk, whole command each.

Run from the repository root after ``pip install '.[test,bench]'`` (Azurite from npm, as the
tests install it: ``npm ci --prefix .ci/azurite``)::

    python benchmarks/bench_blob.py                     # 20 recordings of 2 minutes, 5 rounds
    python benchmarks/bench_blob.py --long-minutes 60   # and one 60-minute 5-channel recording

The recordings are made once into ``--data`` (default ``benchmarks/.data``) by
``bench_cluster.make_recordings``, started Azurite with the tests' ``running_azurite`` (stopped
at the end, by its process id) and uploaded into a container. Each round times, as fresh
processes: reading every recording's media through ``callrec.open_audio`` from disk and from
the emulator, then ``callrec process --jobs 1`` disk to disk, blob to disk and blob to blob.
Ratios are medians of per-round ratios (``bench_core.py`` explains why rounds), against the
same work on disk. At the end it checks that the three runs wrote the same files (tracks byte
for byte, reports apart from provenance and the inputs' names).

The emulator runs on the same two cores as callrec and keeps blobs on the same disk, so a ratio
here is the cost of the protocol and the client stack (HTTP, adlfs, ranged reads through
fsspec's cache), not of a network.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cluster  # the recordings
import bench_core  # the generator and the timing rounds

ROOT = bench_core.ROOT
sys.path.insert(0, str(ROOT))
from tests.azurite import running_azurite  # noqa: E402  (the tests' way to start Azurite)

CONTAINER = "bench"
READ_ALL = """
import sys, callrec
found = callrec.discover(sys.argv[1])
frames = 0
for recording in found.recordings:
    for source in recording.sources:
        with callrec.audio.open_audio(source.media_path) as reader:
            for block in reader.blocks(65536):
                frames += len(block)
print(frames)
"""


def upload(connection_string: str, folder: Path, prefix: str) -> int:
    """Put every file under ``folder`` into the container under ``prefix``; the bytes sent."""
    import adlfs

    fs = adlfs.AzureBlobFileSystem(connection_string=connection_string, skip_instance_cache=True)
    if not fs.exists(CONTAINER):
        fs.mkdir(CONTAINER)
    sent = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fs.put_file(str(path), f"{CONTAINER}/{prefix}/{path.relative_to(folder).as_posix()}")
            sent += path.stat().st_size
    return sent


def download(connection_string: str, prefix: str, target: Path) -> Path:
    import adlfs

    fs = adlfs.AzureBlobFileSystem(connection_string=connection_string, skip_instance_cache=True)
    for name in fs.find(f"{CONTAINER}/{prefix}"):
        local = target / Path(name).relative_to(f"{CONTAINER}/{prefix}")
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(fs.cat_file(name))
    return target


def process(source: str, out: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "callrec",
        "process",
        source,
        "--out",
        out,
        "--force",
        "--quiet",
        "--jobs",
        "1",
    ]


def plan_for(group: str, disk: Path, outs: Path, prefix: str) -> list[dict[str, Any]]:
    blob = f"az://{CONTAINER}/{prefix}"
    rows = [
        ("read, disk", None, [sys.executable, "-c", READ_ALL, str(disk)], None),
        ("read, blob", "read, disk", [sys.executable, "-c", READ_ALL, blob], None),
        ("process disk>disk", None, process(str(disk), str(outs / "disk")), outs / "disk"),
        ("process blob>disk", "process disk>disk", process(blob, str(outs / "blob-disk")), None),
        (
            "process blob>blob",
            "process disk>disk",
            process(blob, f"az://{CONTAINER}/out-{prefix}"),
            None,
        ),
    ]
    return [
        {"group": group, "name": name, "base": base, "argv": argv, "out": out}
        for name, base, argv, out in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recordings", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument(
        "--long-minutes", type=float, default=0.0, help="also one 5-channel recording this long"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / ".data")
    args = parser.parse_args()

    many = bench_cluster.make_recordings(args.data, args.recordings, args.minutes, args.channels)
    groups = [(f"{args.recordings} x {args.minutes:g} min", many, "many")]
    if args.long_minutes:
        wav = bench_core.make_input(
            args.data / f"blob-long-{args.long_minutes:g}min-5ch.wav",
            minutes=args.long_minutes,
            channels=5,
        )
        groups.append(
            (f"1 x {args.long_minutes:g} min 5 ch", bench_core.recording_folder(wav), "long")
        )
    with running_azurite() as azurite:
        os.environ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.connection_string
        plan: list[dict[str, Any]] = []
        for group, folder, prefix in groups:
            sent = upload(azurite.connection_string, folder, prefix)
            print(f"uploaded {group}: {sent / 1e6:.1f} MB", file=sys.stderr)
            plan += plan_for(group, folder, folder.parent / f"blob-bench-out-{prefix}", prefix)
        bench_core.run_rounds(plan, args.repeat)
        checks = []
        for group, folder, prefix in groups:
            outs = folder.parent / f"blob-bench-out-{prefix}"
            fetched = download(azurite.connection_string, f"out-{prefix}", outs / "blob-blob")
            blob = f"az://{CONTAINER}/{prefix}"
            checks.append(
                (
                    group,
                    bench_cluster.same_outputs(outs / "disk", outs / "blob-disk", str(folder), blob)
                    and bench_cluster.same_outputs(outs / "disk", fetched, str(folder), blob),
                )
            )
    report(plan, checks)


def report(plan: list[dict[str, Any]], checks: list[tuple[str, bool]]) -> None:
    bench_core.print_rounds(plan)
    for group, same in checks:
        print(f"{group}: disk, blob>disk and blob>blob outputs identical: {same}")
    if not all(same for _, same in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
