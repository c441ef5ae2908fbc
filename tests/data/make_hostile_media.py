"""Make the MP4 files in ``media/`` whose audio is hostile to a decoder's caller.

Needs the ``ffmpeg`` program (Debian: ``apt-get install ffmpeg``); the outputs are committed, so
the tests do not. Each file is a 16 kHz tone, 0.25 s per part:

``channels-1-then-2.mp4``, ``channels-1-then-16.mp4``
    AAC whose channel count changes midstream: a mono ADTS stream followed by one of 2 channels
    (or 16, described by an in-band program config element), muxed as one track. The MP4 header
    says mono (channel configuration 1); FFmpeg's decoder follows the change. Converting the 16-channel frames with PyAV's
    ``AudioFrame.to_ndarray`` segfaults (PyAV walks past the frame's 8 data pointers).
``surround-7.1.mp4``
    Plain 7.1 AAC (8 channels, channel configuration 7): the same PyAV crash on the very first
    frame.
``pce-5.1.mp4``
    5.1 AAC whose channels are described by a program config element in the MP4 header (channel
    configuration 0): 6 channels, which only the PCE says.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "media"
TONE = "sine=frequency=440:sample_rate=16000:duration=0.25"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def adts(out: Path, layout: str, bitrate: str, *, pce: bool = False) -> None:
    """A tone on every channel of ``layout``, as an AAC ADTS stream; ``pce`` describes the
    channels in a program config element (the only way to say 16)."""
    ffmpeg(
        "-f", "lavfi", "-i", TONE,
        "-filter_complex", f"[0]pan={layout}|c0=c0",
        "-c:a", "aac", "-aac_pce", str(int(pce)), "-b:a", bitrate, "-f", "adts", str(out),
    )  # fmt: skip


def switching(name: str, then: str, bitrate: str, *, pce: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first, second, joined = Path(tmp, "1.aac"), Path(tmp, "2.aac"), Path(tmp, "all.aac")
        adts(first, "mono", "32k")
        adts(second, then, bitrate, pce=pce)
        joined.write_bytes(first.read_bytes() + second.read_bytes())
        # Stream copy: the MP4 gets the first stream's config, the samples keep the change.
        ffmpeg("-i", str(joined), "-c:a", "copy", "-map_metadata", "-1", str(HERE / name))


def main() -> None:
    switching("channels-1-then-2.mp4", "stereo", "48k")
    switching("channels-1-then-16.mp4", "hexadecagonal", "256k", pce=True)
    ffmpeg(
        "-f", "lavfi", "-i", TONE,
        "-filter_complex", "[0]pan=7.1|c0=c0",
        "-c:a", "aac", "-b:a", "128k", "-map_metadata", "-1", str(HERE / "surround-7.1.mp4"),
    )  # fmt: skip
    ffmpeg(
        "-f", "lavfi", "-i", TONE,
        "-filter_complex", "[0]pan=5.1|c0=c0",
        "-c:a", "aac", "-aac_pce", "1", "-b:a", "96k", "-map_metadata", "-1",
        str(HERE / "pce-5.1.mp4"),
    )  # fmt: skip


if __name__ == "__main__":
    main()
