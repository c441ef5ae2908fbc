"""Writing WAV and FLAC whole or not at all, keeping the sample format.

Output goes to a hidden temporary file beside the target and is renamed over it only when
writing finished; an exception, or a process killed mid-write, leaves no partial file under the
target's name. int16 blocks are written as 16-bit PCM, bit for bit.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType

import numpy as np

from ..errors import MediaError, UsageError

__all__ = ["AudioWriter", "subtype_for", "write_audio"]

_FORMATS = {".wav": "WAV", ".flac": "FLAC"}
_SUBTYPES = {
    "WAV": {"int16": "PCM_16", "int32": "PCM_32", "float32": "FLOAT", "float64": "DOUBLE"},
    "FLAC": {"int16": "PCM_16", "int32": "PCM_24"},
}


def _format_of(path: Path) -> str:
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise UsageError(
            f"cannot write {path.name!r}: expected a file name ending in .wav or .flac"
        ) from None


def subtype_for(path: str | Path, dtype: np.dtype | str) -> str:
    """The soundfile subtype that stores ``dtype`` samples without conversion in ``path``'s format.

    FLAC has no float samples and stores int32 as 24-bit.
    """
    fmt = _format_of(Path(path))
    name = np.dtype(dtype).name
    try:
        return _SUBTYPES[fmt][name]
    except KeyError:
        raise UsageError(
            f"{fmt} cannot store {name} samples unchanged; expected one of "
            f"{', '.join(_SUBTYPES[fmt])} (convert first, or write WAV)"
        ) from None


class AudioWriter:
    """Write blocks to a WAV or FLAC file that appears only when :meth:`close` succeeds.

    Use as a context manager: leaving the block by an exception discards the output.

    Parameters
    ----------
    path
        Target file (``.wav`` or ``.flac``).
    sample_rate, channels
        Of the audio to be written.
    dtype
        Sample type of the blocks; the file's encoding follows from it (:func:`subtype_for`).
    """

    def __init__(
        self, path: str | Path, *, sample_rate: int, channels: int, dtype: np.dtype | str
    ) -> None:
        import soundfile

        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.channels = channels
        fmt = _format_of(self.path)
        subtype = subtype_for(self.path, self.dtype)
        self.frames_written = 0
        try:
            handle, temp = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".partial", dir=self.path.parent
            )
        except OSError as exc:
            raise MediaError(f"cannot create a file here: {exc.strerror or exc}", file=path) from None
        os.close(handle)
        self._temp = Path(temp)
        try:
            self._file = soundfile.SoundFile(
                temp, "w", samplerate=sample_rate, channels=channels, subtype=subtype, format=fmt
            )
        except Exception:
            self._temp.unlink(missing_ok=True)
            raise
        self._done = False

    def write(self, block: np.ndarray) -> None:
        """Append ``(frames, channels)`` samples of the writer's dtype."""
        block = np.asarray(block)
        if block.ndim == 1 and self.channels == 1:
            block = block[:, np.newaxis]
        if block.dtype != self.dtype or block.ndim != 2 or block.shape[1] != self.channels:
            raise UsageError(
                f"block is {block.shape} {block.dtype}; this writer takes (frames, "
                f"{self.channels}) {self.dtype}"
            )
        self._file.write(block)
        self.frames_written += len(block)

    def close(self) -> Path:
        """Finish the file and move it into place; returns the final path."""
        if not self._done:
            self._done = True
            self._file.close()
            os.replace(self._temp, self.path)
        return self.path

    def discard(self) -> None:
        """Drop everything written; the target is left as it was."""
        if not self._done:
            self._done = True
            self._file.close()
            self._temp.unlink(missing_ok=True)

    def __enter__(self) -> AudioWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def write_audio(path: str | Path, data: np.ndarray, sample_rate: int) -> Path:
    """Write ``(frames, channels)`` (or ``(frames,)``) samples to a WAV or FLAC file atomically.

    The encoding follows the array's dtype: int16 is 16-bit PCM, bit for bit.
    """
    data = np.asarray(data)
    if data.ndim == 1:
        data = data[:, np.newaxis]
    if data.ndim != 2:
        raise UsageError(f"data must be (frames, channels) or (frames,), got shape {data.shape}")
    with AudioWriter(path, sample_rate=sample_rate, channels=data.shape[1], dtype=data.dtype) as w:
        w.write(data)
    return Path(path)
