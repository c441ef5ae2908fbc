"""The durable split floor S: the least any tool that writes per-participant tracks must do.

Read each media file in blocks and write one raw file per channel, each fsync'ed: no analysis,
no headers, no timeline. ``python benchmarks/split_floor.py OUT FILE...``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import soundfile


def split(media: Path, out: Path, block_frames: int = 1 << 16) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with soundfile.SoundFile(media) as source, contextlib.ExitStack() as files:
        names = [out / f"{media.stem}-{c}.raw" for c in range(source.channels)]
        sinks = [files.enter_context(open(name, "wb")) for name in names]
        for block in source.blocks(block_frames, dtype="int16", always_2d=True):
            for c, sink in enumerate(sinks):
                sink.write(block[:, c].tobytes())
        for sink in sinks:
            sink.flush()
            os.fsync(sink.fileno())


if __name__ == "__main__":
    target = Path(sys.argv[1])
    for n, name in enumerate(sys.argv[2:]):
        split(Path(name), target / str(n))
