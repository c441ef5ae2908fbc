"""Known-answer test signals."""

from __future__ import annotations

import numpy as np

ROWS = {
    k: f
    for keys, f in zip(("123A", "456B", "789C", "*0#D"), (697, 770, 852, 941), strict=True)
    for k in keys
}
COLUMNS = {
    k: f
    for i, f in enumerate((1209, 1336, 1477, 1633))
    for k in "147*2580369#ABCD"[i * 4 : i * 4 + 4]
}


def sine(level_dbfs: float, seconds: float, rate: int, freq: float = 1000.0) -> np.ndarray:
    """A sine whose *peak* is ``level_dbfs``, as EBU Tech 3341/3342 specify their signals."""
    t = np.arange(round(seconds * rate)) / rate
    return 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * freq * t)


def sequence(parts: list[tuple[float, float]], rate: int) -> np.ndarray:
    """Sines of ``(level_dbfs, seconds)`` one after the other."""
    return np.concatenate([sine(level, seconds, rate) for level, seconds in parts])


def dtmf_tone(
    key: str, seconds: float, rate: int, *, level_dbfs: float = -10.0, twist_db: float = 0.0
) -> np.ndarray:
    """Row plus column tone, each at ``level_dbfs`` peak; the column ``twist_db`` louder."""
    t = np.arange(round(seconds * rate)) / rate
    a = 10 ** (level_dbfs / 20)
    return a * np.sin(2 * np.pi * ROWS[key] * t) + a * 10 ** (twist_db / 20) * np.sin(
        2 * np.pi * COLUMNS[key] * t
    )


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x * 32768), -32768, 32767).astype(np.int16)


def band_noise(
    seconds: float,
    rate: int,
    rms_dbfs: float,
    rng: np.random.Generator,
    *,
    low: float = 300.0,
    high: float = 3400.0,
) -> np.ndarray:
    """Noise with energy only between ``low`` and ``high`` Hz (the telephone band: a stand-in for
    speech), ``round(seconds * rate)`` samples whose RMS is exactly ``rms_dbfs`` (full scale 1.0).

    Band-limited in the frequency domain of its own length, so nothing rings outside it: added to
    a signal, it starts and stops on the samples it is put at.
    """
    n = round(seconds * rate)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    spectrum[(freqs < low) | (freqs > high)] = 0.0
    x = np.fft.irfft(spectrum, n)
    return x * (10 ** (rms_dbfs / 20) / np.sqrt(np.mean(x**2)))
