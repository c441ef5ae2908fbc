"""Hostile media: every file that once crashed, hung or misled the reader is a typed MediaError
naming the file (or, when the damage is midstream, lost audio with the reason), never another
exception, a blocked read or a dead process.

Files whose decoding crashed the process natively are read in a child process
(:mod:`tests.media_worker`), so that a regression fails the test instead of killing pytest.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from callrec.acs.discovery import discover
from callrec.audio import TruncatedMediaWarning, open_audio, probe_media
from callrec.errors import (
    EmptyMediaError,
    MediaError,
    UnreadableMediaError,
    UnsupportedMediaError,
)

from .conftest import ALICE, MEDIA, meta, write_chunk
from .media_worker import Worker

TONE_MP4 = "tone-16k-1.5s.mp4"


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    child = Worker()
    yield child
    child.close()


def _edited(tmp_path: Path, name: str, edit: Callable[[bytearray], None]) -> Path:
    data = bytearray((MEDIA / name).read_bytes())
    edit(data)
    path = tmp_path / f"edited{Path(name).suffix}"
    path.write_bytes(bytes(data))
    return path


def _box_at(data: bytearray, kind: bytes) -> int:
    """Offset of the size field of the first ``kind`` box."""
    return data.index(kind) - 4


def _both_raise(path: Path, error: type[MediaError], *words: str) -> None:
    """probe_media and open_audio raise ``error`` naming ``path`` and saying ``words``."""
    for call in (probe_media, open_audio):
        with pytest.raises(error) as caught:
            call(path)
        assert caught.value.file == path
        for word in words:
            assert word in caught.value.detail


# --- MP4 box sizes ------------------------------------------------------------------------


def test_a_64_bit_box_size_beyond_the_file(tmp_path: Path) -> None:
    def largesize(data: bytearray) -> None:
        at = _box_at(data, b"free")  # an 8-byte top-level box before 'mdat'
        data[at : at + 8] = struct.pack(">I4sQ", 1, b"free", 2**64 - 1)

    path = _edited(tmp_path, TONE_MP4, largesize)
    _both_raise(path, UnsupportedMediaError, "'free'", str(2**64 - 1), "file ends")


def test_a_moov_box_smaller_than_its_header(tmp_path: Path) -> None:
    def tiny(data: bytearray) -> None:
        struct.pack_into(">I", data, _box_at(data, b"moov"), 3)

    path = _edited(tmp_path, TONE_MP4, tiny)
    _both_raise(path, UnsupportedMediaError, "'moov'", "declares 3 bytes")


@pytest.mark.parametrize(
    ("box", "size"),
    [("trak", 0xFFFFFFFF), ("mdia", 3), ("stsd", 0x7FFFFFFF), ("esds", 5), ("elst", 0xFFFFFF)],
)
def test_inner_box_sizes_that_do_not_fit_their_parent(tmp_path: Path, box: str, size: int) -> None:
    def resize(data: bytearray) -> None:
        struct.pack_into(">I", data, _box_at(data, box.encode()), size)

    path = _edited(tmp_path, TONE_MP4, resize)
    _both_raise(path, UnsupportedMediaError)


def test_a_damaged_video_track_does_not_spoil_the_audio(tmp_path: Path) -> None:
    def video(data: bytearray) -> None:
        struct.pack_into(">I", data, _box_at(data, b"tkhd"), 0xFFFF)  # the first track: video

    path = _edited(tmp_path, "av-16k-1.5s.mp4", video)
    assert (probe_media(path).channels, probe_media(path).frames) == (1, 24000)


def test_an_edit_list_counting_more_entries_than_it_holds(tmp_path: Path) -> None:
    def count(data: bytearray) -> None:
        struct.pack_into(">I", data, data.index(b"elst") + 8, 0xFFFFFFFF)

    info = probe_media(_edited(tmp_path, TONE_MP4, count))
    assert info.frames == 24000  # the one entry that fits is read; the count is not trusted


def test_a_sample_entry_longer_than_its_stsd(tmp_path: Path) -> None:
    def entry(data: bytearray) -> None:
        struct.pack_into(">I", data, data.index(b"mp4a") - 4, 0xFFFF)

    path = _edited(tmp_path, TONE_MP4, entry)
    _both_raise(path, UnsupportedMediaError, "sample entry")


def test_a_stream_ffmpeg_sets_up_no_decoder_for(tmp_path: Path, worker: Worker) -> None:
    def dref(data: bytearray) -> None:  # found by fuzz/fuzz_media.py
        struct.pack_into(">I", data, _box_at(data, b"url "), 0x80C)  # 12 -> 2060 bytes

    path = _edited(tmp_path, TONE_MP4, dref)
    answer = worker.examine(path)  # used to raise AttributeError (codec_context is None)
    assert answer["outcome"] == "callrec" and answer["error"] == "UnsupportedMediaError", answer
    assert "no decoder" in answer["message"] and answer["file"] == str(path)


# --- text tags ------------------------------------------------------------------------------


def test_an_encoder_tag_that_is_not_utf8_does_not_stop_the_audio(tmp_path: Path) -> None:
    def tag(data: bytearray) -> None:
        at = data.index(b"Lavf")  # the encoder tag's text
        data[at : at + 4] = b"\xff\xfe\xc3\x28"

    with open_audio(_edited(tmp_path, TONE_MP4, tag)) as reader:
        assert reader.read().shape == (24000, 1)


# --- files that are not media files -----------------------------------------------------------


def test_a_folder_named_like_media(tmp_path: Path) -> None:
    folder = tmp_path / "chunk.wav"
    folder.mkdir()
    _both_raise(folder, UnreadableMediaError, "a folder", "not a regular file")


def test_a_folder_named_like_the_chunks_media_beside_one_metadata_file(tmp_path: Path) -> None:
    document = meta(0)
    jpath, _ = write_chunk(tmp_path, document, frames=None)
    (tmp_path / f"{document['chunkDocumentId']}.wav").mkdir()
    found = discover(jpath)  # used to raise IsADirectoryError
    ((source,),) = [r.sources for r in found.recordings]
    assert source.media_path is None and source.media_problem is None


def _unblock(fifo: Path) -> None:
    """Give a reader stuck opening ``fifo`` a writer, so that it sees end of file."""
    with contextlib.suppress(OSError):  # ENXIO: no reader, so nothing is stuck
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def _within(seconds: float, fifo: Path, call: Callable[[], object]) -> object:
    """``call()``'s result, failing (and unblocking it) if it is still running after
    ``seconds``: the only way it can be is by opening ``fifo`` and waiting for a writer."""
    result: list[object] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:
            result.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        _unblock(fifo)
        thread.join(5)
        pytest.fail(f"blocked for {seconds} s: {fifo} was opened for reading")
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_media_is_reported_and_never_opened(tmp_path: Path) -> None:
    document = meta(0)
    folder = tmp_path / "in"
    write_chunk(folder, document, frames=None)
    fifo = folder / f"{document['chunkDocumentId']}.wav"
    os.mkfifo(fifo)
    for call in (probe_media, open_audio):
        error = _within(10, fifo, lambda call=call: call(fifo))  # type: ignore[misc]
        assert isinstance(error, UnreadableMediaError) and not isinstance(error, EmptyMediaError)
        assert error.file == fifo and "FIFO" in error.detail  # it used to be "zero bytes"
    found = _within(10, fifo, lambda: discover(folder))
    ((source,),) = [r.sources for r in found.recordings]  # type: ignore[attr-defined]
    assert source.media_path == fifo and "FIFO" in (source.media_problem or "")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_metadata_is_not_read(tmp_path: Path) -> None:
    write_chunk(tmp_path, meta(0), frames=1000)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    found = _within(10, fifo, lambda: discover(tmp_path))
    # Reported as a file that could not be used, from stat alone: never opened.
    assert [p.code for p in found.problems if p.file == fifo] == ["unreadable-json"]
    assert len(found.recordings) == 1  # type: ignore[attr-defined]


# --- permissions ------------------------------------------------------------------------------


def _deny(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Make ``path`` unreadable the way the OS and libsndfile report it (tests run as root
    too, and root reads whatever the permission bits say)."""
    real_open = Path.open

    def open_(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    def info(file: object, *args: object, **kwargs: object) -> object:
        if Path(str(file)) == path:
            raise soundfile.LibsndfileError(2, prefix=f"Error opening {str(file)!r}: ")
        return real_info(file, *args, **kwargs)

    real_info = soundfile.info
    monkeypatch.setattr(Path, "open", open_)
    monkeypatch.setattr(soundfile, "info", info)


@pytest.mark.parametrize("name", ["speech-16k.wav", "tone-16k-1.5s.mp3", TONE_MP4])
def test_media_without_read_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    path = tmp_path / f"locked{Path(name).suffix}"
    shutil.copy(MEDIA / name, path)
    _deny(monkeypatch, path)
    _both_raise(path, UnreadableMediaError, "cannot be read", "Permission denied")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root reads files whatever their permission bits",
)
def test_media_without_read_permission_for_real(tmp_path: Path) -> None:
    path = tmp_path / "locked.wav"
    shutil.copy(MEDIA / "speech-16k.wav", path)
    path.chmod(0)
    try:
        _both_raise(path, UnreadableMediaError, "cannot be read")
    finally:
        path.chmod(0o600)


def test_an_unreadable_chunk_is_lost_audio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, media = write_chunk(tmp_path, meta(0), frames=32000)
    assert media is not None
    _deny(monkeypatch, media)
    ((source,),) = [r.sources for r in discover(tmp_path).recordings]
    assert source.media is None and "Permission denied" in (source.media_problem or "")


# --- absurd headers -----------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1, 999, 7999, 384_001, 2_000_000])
def test_a_wav_at_an_absurd_sample_rate(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "odd.wav"
    soundfile.write(path, np.zeros((100, 1), np.int16), 16000, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    fmt = data.index(b"fmt ")
    struct.pack_into("<I", data, fmt + 12, rate)  # nSamplesPerSec
    struct.pack_into("<I", data, fmt + 16, rate * 2)  # nAvgBytesPerSec
    path.write_bytes(bytes(data))
    _both_raise(path, UnsupportedMediaError, f"sample rate of {rate} Hz", "8000 to 384000 Hz")


@pytest.mark.parametrize("rate", [8000, 16000, 384_000])
def test_sample_rates_at_the_bounds_are_read(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "ok.wav"
    soundfile.write(path, np.zeros((100, 1), np.int16), rate, subtype="PCM_16")
    assert probe_media(path).sample_rate == rate


def test_a_1_hz_chunk_is_lost_audio_naming_the_rate(tmp_path: Path) -> None:
    write_chunk(tmp_path, meta(0), frames=32000)
    write_chunk(tmp_path, meta(1, start="2026-01-05T10:00:02.0000000Z"), frames=2, rate=1)
    (recording,) = discover(tmp_path).recordings
    problems = [s.media_problem for s in recording.sources if s.media_problem]
    assert problems == [
        "the header declares a sample rate of 1 Hz; expected 8000 to 384000 Hz (a damaged header?)"
    ]


# --- AAC channel layouts and midstream changes --------------------------------------------------


def test_aac_channel_configuration_7_is_8_channels() -> None:
    assert probe_media(MEDIA / "surround-7.1.mp4").channels == 8  # it used to say 7


def test_aac_channels_described_by_a_pce() -> None:
    path = MEDIA / "pce-5.1.mp4"
    assert probe_media(path).channels == 6  # it used to fall back to the sample entry's 2
    with open_audio(path) as reader:
        assert reader.read().shape[1] == reader.channels == 6


def test_more_planar_channels_than_pyav_converts_safely(worker: Worker) -> None:
    path = MEDIA / "surround-7.1.mp4"
    answer = worker.examine(path)  # used to die of SIGSEGV inside to_ndarray
    assert answer["outcome"] == "callrec", answer
    assert answer["error"] == "UnsupportedMediaError" and answer["file"] == str(path)
    assert "8 channels" in answer["message"]


def test_a_midstream_change_to_2_channels_ends_the_read(tmp_path: Path) -> None:
    path = MEDIA / "channels-1-then-2.mp4"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_audio(path) as reader:
            got = reader.read()  # used to raise ValueError from np.concatenate
    (warning,) = [w.message for w in caught if isinstance(w.message, TruncatedMediaWarning)]
    assert got.shape == (warning.frames_read, 1) and 0 < warning.frames_read < 8192
    assert "changes shape" in str(warning) and "2 channel(s)" in str(warning)


def test_a_midstream_change_to_16_channels_ends_the_read(worker: Worker) -> None:
    answer = worker.examine(MEDIA / "channels-1-then-16.mp4")  # used to die of SIGSEGV
    assert answer["outcome"] == "ok", answer
    assert answer["channels"] == 1 and 0 < answer["frames"] < 8192


def test_a_recording_whose_mp4_changes_shape_is_incomplete_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    source = MEDIA / "channels-1-then-16.mp4"
    document = meta(0, channel_type="mixed", fmt="mp4", channels=1, participants=[(ALICE, None)])
    document["chunkDuration"] = probe_media(source).duration_s * 1000
    (folder / f"{document['chunkDocumentId']}.json").write_text(json.dumps(document))
    shutil.copy(source, folder / f"{document['chunkDocumentId']}.mp4")
    out = tmp_path / "out"
    # A child process: on a regression the decoder kills it, not pytest.
    run = subprocess.run(
        [sys.executable, "-m", "callrec", "process", str(folder), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 3, run  # EXIT_INCOMPLETE
    (incomplete,) = json.loads((out / "errors.json").read_text())["incomplete"]
    assert any("changes shape" in reason for reason in incomplete["missing_audio"])
