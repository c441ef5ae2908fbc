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
