from __future__ import annotations

import struct
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile

from callrec.audio import (
    AudioWriter,
    TruncatedMediaWarning,
    from_segment,
    open_audio,
    read_audio,
    to_segment,
    write_audio,
)
from callrec.errors import (
    EmptyMediaError,
    MissingExtraError,
    UnsupportedMediaError,
    UsageError,
)

from .conftest import MEDIA
from .signals import sine, to_int16

RATE = 16_000


def noise_int16(frames: int, channels: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-32768, 32768, (frames, channels), dtype=np.int16)


@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_pcm16_reads_as_int16_blocks_bit_exact(tmp_path: Path, suffix: str) -> None:
    x = noise_int16(100_003, 5)
    path = write_audio(tmp_path / f"a{suffix}", x, RATE)
    assert soundfile.info(str(path)).subtype == "PCM_16"
    with open_audio(path) as reader:
        assert reader.dtype == np.int16 and reader.channels == 5 and reader.sample_rate == RATE
        blocks = list(reader.blocks(4096))
    assert all(len(b) == 4096 for b in blocks[:-1]) and len(blocks[-1]) == 100_003 % 4096
    assert np.array_equal(np.concatenate(blocks), x)


def test_float_wav_reads_as_float32(tmp_path: Path) -> None:
    x = sine(-6, 0.5, RATE).astype(np.float32)
    path = write_audio(tmp_path / "f.wav", x, RATE)
    got, rate = read_audio(path)
    assert got.dtype == np.float32 and np.array_equal(got[:, 0], x) and rate == RATE


def phase_error(x: np.ndarray, rate: int, freq: float) -> float:
    """Cosine share of a fitted sine: 0 when the tone starts at sample 0 with phase 0."""
    t = np.arange(len(x)) / rate
    s, c = np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)
    mid = slice(len(x) // 10, len(x) * 9 // 10)
    return abs(x[mid] @ c[mid]) / abs(x[mid] @ s[mid])


@pytest.mark.parametrize("name", ["tone-16k-1.5s.mp4", "av-16k-1.5s.mp4", "stereo-16k-1.5s.mp4"])
def test_mp4_aac_decodes_without_priming_or_padding(name: str) -> None:
    with open_audio(MEDIA / name) as reader:
        blocks = list(reader.blocks(5000))
        assert reader.frames_read == reader.info.frames == 24000
    x = np.concatenate(blocks)
    assert x.dtype == np.float32 and x.shape[1] == (2 if "stereo" in name else 1)
    assert all(len(b) == 5000 for b in blocks[:-1])
    assert phase_error(x[:, 0], RATE, 440.0) < 0.01  # 1024 priming samples would shift the phase


def test_mp3_reads_as_float32() -> None:
    x, rate = read_audio(MEDIA / "tone-16k-1.5s.mp3")
    assert x.dtype == np.float32 and rate == RATE and abs(len(x) - 24000) <= 1152
    assert phase_error(x[:, 0], RATE, 440.0) < 0.01


def test_mp4_without_pyav_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(UnsupportedMediaError, match=r"pip install 'callrec\[mp4\]'") as err:
        open_audio(MEDIA / "tone-16k-1.5s.mp4")
    assert err.value.file == MEDIA / "tone-16k-1.5s.mp4"


def test_empty_and_zero_length_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(EmptyMediaError, match="zero bytes") as err:
        open_audio(empty)
    assert err.value.file == empty
    header_only = tmp_path / "header.wav"
    write_audio(header_only, np.zeros((0, 1), np.int16), RATE)
    with pytest.raises(EmptyMediaError, match="0 audio frames"):
        open_audio(header_only)


def test_unsupported_encodings(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n" * 20)
    with pytest.raises(UnsupportedMediaError, match="not a readable"):
        open_audio(text)
    video_only = tmp_path / "v.mp4"
    data = (MEDIA / "tone-16k-1.5s.mp4").read_bytes().replace(b"soun", b"vide")
    video_only.write_bytes(data)
    with pytest.raises(UnsupportedMediaError, match="no audio track"):
        open_audio(video_only)


def test_truncated_wav_warns_with_the_frames_read(tmp_path: Path) -> None:
    x = noise_int16(20_000, 2)
    full = write_audio(tmp_path / "full.wav", x, RATE).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full[: 44 + 4 * 12_345 + 3])  # stops inside a frame
    with pytest.warns(TruncatedMediaWarning) as caught:
        got, _ = read_audio(cut)
    warning = caught[0].message
    assert isinstance(warning, TruncatedMediaWarning)
    assert (warning.frames_read, warning.frames_declared) == (12_345, 20_000)
    assert warning.file == cut and "12345 of the 20000" in str(warning)
    assert np.array_equal(got, x[:12_345])


def test_declared_length_longer_than_the_data(tmp_path: Path) -> None:
    x = noise_int16(1000, 1)
    data = bytearray(write_audio(tmp_path / "a.wav", x, RATE).read_bytes())
    at = data.index(b"data")
    struct.pack_into("<I", data, at + 4, 2 * 50_000)  # claims 50000 frames
    liar = tmp_path / "liar.wav"
    liar.write_bytes(bytes(data))
    with pytest.warns(TruncatedMediaWarning, match="1000 of the 50000"):
        got, _ = read_audio(liar)
    assert np.array_equal(got, x)


@pytest.mark.parametrize("suffix", [".flac", ".mp3"])
def test_truncated_compressed_files_warn_instead_of_crashing(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / f"full{suffix}"
    x = sine(-6, 3.0, RATE, 300)
    if suffix == ".flac":
        write_audio(source, to_int16(x), RATE)
    else:
        soundfile.write(str(source), x.astype(np.float32), RATE, format="MP3")
    raw = source.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(raw[: len(raw) // 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open_audio(cut) as reader:
            got = reader.read()
    truncated = [w.message for w in caught if isinstance(w.message, TruncatedMediaWarning)]
    assert len(truncated) == 1
    assert truncated[0].frames_read == len(got) < truncated[0].frames_declared


def test_truncated_mp4_warns(tmp_path: Path) -> None:
    raw = (MEDIA / "tone-16k-1.5s-faststart.mp4").read_bytes()
    mdat = raw.index(b"mdat")
    assert raw.index(b"moov") < mdat  # so that cutting the media data keeps the header
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(raw[: mdat + (len(raw) - mdat) // 2])
    with pytest.warns(TruncatedMediaWarning):
        got, _ = read_audio(cut)
    assert 0 < len(got) < 24000


@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_writer_keeps_16_bit_bit_exact(tmp_path: Path, suffix: str) -> None:
    x = noise_int16(10_000, 3)
    path = tmp_path / f"out{suffix}"
    with AudioWriter(path, sample_rate=8000, channels=3, dtype=np.int16) as writer:
        for i in range(0, len(x), 777):
            writer.write(x[i : i + 777])
    info = soundfile.info(str(path))
    assert (info.subtype, info.samplerate, info.channels) == ("PCM_16", 8000, 3)
    assert np.array_equal(soundfile.read(str(path), dtype="int16")[0], x)


def test_writer_leaves_nothing_when_interrupted(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    target.write_bytes(b"previous")
    with (
        pytest.raises(RuntimeError),
        AudioWriter(target, sample_rate=RATE, channels=1, dtype="int16") as w,
    ):
        w.write(np.zeros(100, np.int16))
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_writer_refuses_conversions(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="FLAC cannot store float32"):
        write_audio(tmp_path / "a.flac", np.zeros(10, np.float32), RATE)
    with pytest.raises(UsageError, match=r"\.wav or \.flac"):
        write_audio(tmp_path / "a.mp3", np.zeros(10, np.int16), RATE)
    with AudioWriter(tmp_path / "b.wav", sample_rate=RATE, channels=2, dtype="int16") as w:
        with pytest.raises(UsageError, match=r"\(frames, 2\) int16"):
            w.write(np.zeros((10, 2), np.float32))
        w.write(np.zeros((10, 2), np.int16))
    assert not list(tmp_path.glob(".*partial"))


def test_pydub_round_trip() -> None:
    x = noise_int16(4000, 2)
    segment = to_segment(x, RATE)
    assert (segment.channels, segment.frame_rate, segment.sample_width) == (2, RATE, 2)
    assert len(segment) == 250  # milliseconds
    back, rate = from_segment(segment)
    assert rate == RATE and np.array_equal(back, x)
    quiet = to_segment(sine(-20, 1.0, RATE), RATE)
    assert quiet.sample_width == 2
    assert quiet.max_dBFS == pytest.approx(-20.0, abs=0.01)


def test_pydub_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pydub", None)  # what an install without the extra sees
    with pytest.raises(MissingExtraError, match=r"pip install 'callrec\[pydub\]'") as caught:
        to_segment(noise_int16(100, 1), RATE)
    assert isinstance(caught.value, ImportError) and caught.value.extra == "pydub"


@pytest.mark.parametrize(
    ("dtype", "subtype"),
    [("int16", "PCM_16"), ("int32", "PCM_32"), ("float32", "FLOAT"), ("float64", "DOUBLE")],
)
def test_wav_writer_headers_read_back_everywhere(tmp_path: Path, dtype: str, subtype: str) -> None:
    # The WAV writer writes its own header: libsndfile and Python's wave module (for PCM) must
    # both read it as written, whatever the sample type.
    rng = np.random.default_rng(3)
    if dtype.startswith("int"):
        limits = np.iinfo(dtype)
        x = rng.integers(limits.min, limits.max, (1001, 2), dtype=dtype, endpoint=True)
    else:
        x = rng.uniform(-1, 1, (1001, 2)).astype(dtype)
    path = tmp_path / "a.wav"
    with AudioWriter(path, sample_rate=22050, channels=2, dtype=dtype) as w:
        w.write(x[:500])
        w.write(x[500:500])
        w.write(x[500:, :][::1])
    info = soundfile.info(str(path))
    assert (info.subtype, info.samplerate, info.channels, info.frames) == (
        subtype,
        22050,
        2,
        1001,
    )
    assert np.array_equal(soundfile.read(str(path), dtype=dtype)[0], x)
    data = path.read_bytes()
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    if dtype.startswith("int"):
        import wave

        with wave.open(str(path)) as w2:
            assert (w2.getnframes(), w2.getsampwidth(), w2.getnchannels()) == (1001, x.itemsize, 2)
            assert w2.readframes(1001) == x.tobytes()


def test_wav_writer_refuses_more_than_riff_can_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import callrec.audio.writer as writer

    monkeypatch.setattr(writer, "_WAV_LIMIT", 1000)
    target = tmp_path / "big.wav"
    with (
        pytest.raises(UsageError, match=r"big\.wav: a WAV file holds at most 4 GiB"),
        AudioWriter(target, sample_rate=RATE, channels=1, dtype="int16") as w,
    ):
        w.write(np.zeros(400, np.int16))
        w.write(np.zeros(400, np.int16))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("start", "stop", "frames"),
    [(0, 1000, 64), (100, 300, 64), (128, 256, 64), (999, 1000, 7), (0, 0, 10), (300, 20_000, 512)],
)
@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_a_range_reads_exactly_those_frames_and_resumes_after_them(
    tmp_path: Path, suffix: str, start: int, stop: int, frames: int
) -> None:
    x = noise_int16(1000, 2, seed=start)
    path = write_audio(tmp_path / f"x{suffix}", x, RATE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a range is not a truncation
        with open_audio(path) as reader:
            list(reader.blocks(frames, stop=50))  # somewhere else first: start is absolute
            got = list(reader.blocks(frames, start=start, stop=stop))
            assert all(len(b) <= frames for b in got)
            part = np.concatenate(got) if got else np.zeros((0, 2), np.int16)
            assert np.array_equal(part, x[start:stop])
            end = min(stop, len(x))
            assert reader.position == end
            rest = list(reader.blocks(frames))
    tail = np.concatenate(rest) if rest else np.zeros((0, 2), np.int16)
    assert np.array_equal(tail, x[end:])


def test_a_range_that_makes_no_sense_is_a_usage_error(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "x.wav", noise_int16(1000, 1), RATE)
    with open_audio(path) as reader:
        for start, stop in [(-1, 10), (20, 10), (2000, None)]:
            with pytest.raises(UsageError):
                list(reader.blocks(64, start=start, stop=stop))
    with (
        open_audio(MEDIA / "tone-16k-1.5s-faststart.mp4") as mp4,
        pytest.raises(UsageError, match="MP4"),
    ):
        list(mp4.blocks(64, start=10, stop=20))


def test_a_range_past_the_data_of_a_truncated_file_warns(tmp_path: Path) -> None:
    x = noise_int16(2000, 1)
    full = write_audio(tmp_path / "full.wav", x, RATE).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full[: 44 + 2 * 1500])
    with open_audio(cut) as reader, pytest.warns(TruncatedMediaWarning) as caught:
        got = np.concatenate(list(reader.blocks(256, start=1000, stop=1800)))
    assert np.array_equal(got, x[1000:1500])
    warning = caught[0].message
    assert isinstance(warning, TruncatedMediaWarning) and warning.frames_read == 1500


def test_the_length_limit_of_inputs_can_be_lifted_for_callrecs_own_files(tmp_path: Path) -> None:
    """A track spans a whole call, longer than any chunk: callrec reads its own tracks back
    without the limit it holds chunk media to."""
    path = write_audio(tmp_path / "x.wav", noise_int16(3 * RATE, 1), RATE)
    with pytest.raises(UnsupportedMediaError, match="the longest a chunk lasts"):
        open_audio(path, max_length_s=2)
    with open_audio(path, max_length_s=None) as reader:
        assert reader.info.frames == 3 * RATE
