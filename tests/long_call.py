"""A generated long call: two participants taking turns for hours, in two chunks, with a pause in
the first and a gap between them. The tests of the page and ``benchmarks/bench_pages.py`` use it.

Each utterance is a tone burst (the agent at 440 Hz, the customer at 660 Hz, -20 dBFS peak) over a
-65 dBFS noise floor, so speech detection finds thousands of segments; the media is written in
one-minute blocks, so memory stays small whatever the length::

    wall clock  0 ─────────── chunk 0 ──────────── H/2 ┊gap┊─────── chunk 1 ─────── H
                        ░pause 60 s░  (at H/4)         30 s
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import soundfile

from .conftest import meta

AGENT = "8:acs:6c3f3e0a-8f2e-4a65-9c1d-3b1a2d9e7f10_0000001a-2b3c-4d5e-6f70-8192a3b4c5d6"
CUSTOMER = "4:+14255550199"
CALL = "4f0c4c1e-1111-4a2b-9c3d-5e6f7a8b9c0d"
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=timezone.utc)
PAUSE_S = 60.0
GAP_S = 30.0
BLOCK_S = 60


@dataclass(frozen=True)
class LongCall:
    folder: Path
    duration_s: float
    utterances: int


def _iso(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def _turns(duration_s: float, rng: np.random.Generator) -> list[tuple[int, float, float]]:
    """``(speaker, start_s, end_s)`` on the wall clock, speakers taking turns."""
    turns, at, speaker = [], 1.0, 0
    while at < duration_s - 5:
        length = float(rng.uniform(0.6, 3.5))
        turns.append((speaker, at, min(at + length, duration_s)))
        at += length + float(rng.uniform(0.25, 1.2))
        speaker = 1 - speaker
    return turns


def _block(wall: np.ndarray, turns: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Two channels of samples at wall-clock times ``wall`` (over the start of ``noise``)."""
    out = noise[: len(wall)].copy()
    for speaker, freq in ((0, 440.0), (1, 660.0)):
        mine = turns[turns[:, 0] == speaker]
        at = np.searchsorted(mine[:, 1], wall, side="right") - 1
        inside = (at >= 0) & (wall < mine[np.maximum(at, 0), 2])
        out[:, speaker] += inside * 0.1 * np.sin(2 * np.pi * freq * wall)
    return np.clip(np.rint(out * 32767), -32768, 32767).astype(np.int16)


def make_long_call(
    folder: Path, *, hours: float = 4.0, rate: int = 8000, seed: int = 4
) -> LongCall:
    """Write the call's two chunks (metadata and WAV) into ``folder``."""
    rng = np.random.default_rng(seed)
    duration = hours * 3600
    half = duration / 2
    turns = _turns(duration, rng)
    table = np.array(turns)
    chunks = [
        # (index, wall start, wall span, pauses (wall start, seconds))
        (0, 0.0, half - GAP_S, [(duration / 4, PAUSE_S)]),
        (1, half, half, []),
    ]
    noise = rng.normal(0.0, 10 ** (-65 / 20), (BLOCK_S * rate, 2))
    folder.mkdir(parents=True, exist_ok=True)
    for index, start, span, pauses in chunks:
        document = meta(
            index,
            start=_iso(start),
            duration_ms=span * 1000,
            pauses=[(_iso(at), length * 1000) for at, length in pauses],
            participants=[(AGENT, 0), (CUSTOMER, 1)],
            rate=rate,
            call_id=CALL,
        )
        name = f"0-eus-d4-{index:032x}"
        document["chunkDocumentId"] = name
        (folder / f"{name}.json").write_text(json.dumps(document))
        media_s = span - sum(length for _, length in pauses)
        frames = round(media_s * rate)
        with soundfile.SoundFile(
            folder / f"{name}.wav", "w", rate, 2, subtype="PCM_16", format="WAV"
        ) as out:
            for first in range(0, frames, BLOCK_S * rate):
                media = (first + np.arange(min(BLOCK_S * rate, frames - first))) / rate
                wall = start + media
                for at, length in pauses:  # the media holds no paused time
                    wall = np.where(wall >= at, wall + length, wall)
                out.write(_block(wall, table, noise))
    kept = sum(1 for _, a, _ in turns if not _paused_or_gap(a, duration, half))
    return LongCall(folder, duration, kept)


def _paused_or_gap(at: float, duration: float, half: float) -> bool:
    return duration / 4 <= at < duration / 4 + PAUSE_S or half - GAP_S <= at < half
