"""Mutation fuzzing of media reading: damaged copies of the test media, probed and decoded.

Usage (from the repository root, with callrec and its test extras installed)::

    python fuzz/fuzz_media.py --seconds 300 [--seed N] [--findings DIR]

Each input is one of ``tests/data/media``'s files with one to four mutations (see
``tests/media_mutations.py``), or random bytes behind a format's magic number. A child process
(``tests/media_worker.py``) runs ``open_audio(path).read()`` on it, so a native crash or a hang
is recorded instead of ending the run. Anything but success with a sane result or a
``CallrecError`` naming the file is a finding; its input is saved in ``--findings``.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.media_mutations import apply, random_mutation  # noqa: E402
from tests.media_worker import Worker  # noqa: E402

MEDIA = ROOT / "tests" / "data" / "media"
MAGIC = (
    b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00",
    b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41",
    b"ID3\x03\x00\x00\x00\x00\x00\x00",
    b"\xff\xfb\x90\x00",
)


def problem(answer: dict[str, Any], path: Path) -> str:
    """Why ``answer`` is a finding, or "" when it is an allowed outcome."""
    from callrec.audio.probe import MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE

    if answer["outcome"] == "callrec":
        return "" if answer["file"] == str(path) else "a callrec error not naming the file"
    if answer["outcome"] != "ok":
        return f"{answer['outcome']}: {answer.get('error', answer.get('returncode', ''))}"
    if answer["channels"] != answer["probe_channels"]:
        return f"{answer['channels']} channels decoded, {answer['probe_channels']} probed"
    if not 1 <= answer["channels"] <= MAX_CHANNELS:
        return f"{answer['channels']} channels"
    if not MIN_SAMPLE_RATE <= answer["sample_rate"] <= MAX_SAMPLE_RATE:
        return f"{answer['sample_rate']} Hz"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--findings", type=Path, default=ROOT / "fuzz" / "findings")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    bases = {
        p.name: p.read_bytes()
        for p in sorted(MEDIA.iterdir())
        if p.suffix in (".wav", ".mp3", ".mp4")
    }
    outcomes: collections.Counter[str] = collections.Counter()
    findings: collections.Counter[str] = collections.Counter()
    worker = Worker()
    runs = 0
    deadline = time.monotonic() + args.seconds
    with tempfile.TemporaryDirectory() as tmp:
        try:
            while time.monotonic() < deadline:
                if rng.random() < 0.1:
                    suffix = rng.choice([".wav", ".mp3", ".mp4"])
                    data = rng.choice(MAGIC) + rng.randbytes(rng.randrange(4096))
                else:
                    name = rng.choice(sorted(bases))
                    suffix = Path(name).suffix
                    mutations = [random_mutation(rng) for _ in range(rng.randint(1, 4))]
                    data = apply(bases[name], mutations)
                path = Path(tmp) / f"input{suffix}"
                path.write_bytes(data)
                answer = worker.examine(path)
                runs += 1
                outcomes[
                    answer["outcome"] + (f" {answer['error']}" if "error" in answer else "")
                ] += 1
                why = problem(answer, path)
                if why:
                    findings[why] += 1
                    args.findings.mkdir(parents=True, exist_ok=True)
                    saved = args.findings / f"{seed}-{runs}{suffix}"
                    saved.write_bytes(data)
                    print(f"finding: {why} -> {saved}", flush=True)
                    print(json.dumps(answer)[:2000], flush=True)
        finally:
            worker.close()
    print(f"seed {seed}: {runs} inputs in {args.seconds:.0f} s, {sum(findings.values())} findings")
    for outcome, count in outcomes.most_common():
        print(f"  {count:7d}  {outcome}")
    for why, count in findings.most_common():
        print(f"  finding x{count}: {why}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
