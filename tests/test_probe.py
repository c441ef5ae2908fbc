"""Media headers: frames, channels and rate without decoding."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from callrec.audio import probe_media
from callrec.errors import EmptyMediaError, MediaError, UnsupportedMediaError

from .conftest import MEDIA


def test_wav_header(tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    soundfile.write(path, np.zeros((12345, 3), np.int16), 16000, subtype="PCM_16")
    info = probe_media(path)
    assert (info.container, info.codec, info.frames, info.channels, info.sample_rate) == (
        "wav",
        "PCM_16",
        12345,
        3,
        16000,
    )


@pytest.mark.parametrize(
    ("name", "channels"),
    [("tone-16k-1.5s.mp4", 1), ("av-16k-1.5s.mp4", 1), ("stereo-16k-1.5s.mp4", 2)],
)
def test_mp4_audio_track_without_priming(name: str, channels: int) -> None:
    info = probe_media(MEDIA / name)
    assert (info.container, info.codec, info.channels, info.sample_rate) == (
        "mp4",
        "mp4a",
        channels,
        16000,
    )
    assert info.frames == 24000  # 1.5 s: the edit list removes the encoder's 1024 priming frames


def test_mp3_header() -> None:
    info = probe_media(MEDIA / "tone-16k-1.5s.mp3")
    assert (info.container, info.channels, info.sample_rate) == ("mp3", 1, 16000)
    assert abs(info.frames - 24000) <= 1152


def test_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    with pytest.raises(EmptyMediaError, match="zero bytes") as info:
        probe_media(path)
    assert info.value.file == path and isinstance(info.value, OSError)


def test_header_without_frames(tmp_path: Path) -> None:
    path = tmp_path / "none.wav"
    soundfile.write(path, np.zeros((0, 1), np.int16), 16000, subtype="PCM_16")
    with pytest.raises(EmptyMediaError, match="0 audio frames"):
        probe_media(path)


@pytest.mark.parametrize("name", ["noise.wav", "noise.mp3", "noise.mp4"])
def test_garbage(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(UnsupportedMediaError):
        probe_media(path)


def test_truncated_mp4(tmp_path: Path) -> None:
    data = (MEDIA / "tone-16k-1.5s.mp4").read_bytes()
    moov = data.find(b"moov")
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: moov + 40])
    with pytest.raises(UnsupportedMediaError):
        probe_media(path)


def test_mp4_misnamed_as_wav(tmp_path: Path) -> None:
    path = tmp_path / "really-mp4.wav"
    shutil.copy(MEDIA / "tone-16k-1.5s.mp4", path)
    assert probe_media(path).container == "mp4"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="cannot be read"):
        probe_media(tmp_path / "gone.wav")
