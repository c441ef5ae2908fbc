"""Make ``media/speech-16k.wav`` and its ``.json`` of where each phrase was placed.

Needs the ``espeak-ng`` program (Debian: ``apt-get install espeak-ng``); the outputs are committed,
so the tests do not. The JSON records, per phrase, the window the clip was placed in and its
voiced extent (first to last sample above -40 dBFS), both in samples.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

RATE = 16_000
HERE = Path(__file__).resolve().parent / "media"
PHRASES = [
    (0.50, "Yes, I would like to talk to an agent please.", "en-us+f3"),
    (4.20, "My account number is on the letter.", "en-gb+m3"),
    (7.90, "No.", "en-us+m1"),
]
LENGTH_S = 10.0
NOISE_DBFS = -60.0


def speak(text: str, voice: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "say.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(out), text], check=True)
        data, rate = soundfile.read(out, dtype="float64")
    return resample_poly(data, RATE, rate) if rate != RATE else data


def main() -> None:
    rng = np.random.default_rng(20261123)
    signal = rng.standard_normal(int(LENGTH_S * RATE)) * 10 ** (NOISE_DBFS / 20)
    placed = []
    for start_s, text, voice in PHRASES:
        clip = speak(text, voice)
        clip *= 10 ** (-12 / 20) / np.abs(clip).max()
        start = int(start_s * RATE)
        signal[start : start + len(clip)] += clip
        voiced = np.flatnonzero(np.abs(clip) > 10 ** (-40 / 20))
        placed.append(
            {
                "text": text,
                "window": [start, start + len(clip)],
                "voiced": [start + int(voiced[0]), start + int(voiced[-1]) + 1],
            }
        )
    pcm = np.clip(np.rint(signal * 32768), -32768, 32767).astype(np.int16)
    soundfile.write(HERE / "speech-16k.wav", pcm, RATE, subtype="PCM_16")
    (HERE / "speech-16k.json").write_text(json.dumps({"rate": RATE, "phrases": placed}, indent=2))


if __name__ == "__main__":
    main()
