"""Property tests of media reading on hostile bytes: whatever a file holds, probing and decoding
it either succeed with a sane result or raise a ``CallrecError`` naming the file; nothing else.

Probing runs here (Python and libsndfile's header parsing); decoding runs in a child process
(:mod:`tests.media_worker`), since a decoder that crashes natively would otherwise take pytest
with it: a crash or a hang is then a failing example that Hypothesis shrinks like any other.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callrec.audio import probe_media
from callrec.audio.probe import MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE
from callrec.errors import CallrecError

from .conftest import MEDIA
from .media_mutations import FIELDS, INTERESTING, MP4_TAGS, SIZE_FIELDS, Mutation, apply
from .media_worker import Worker

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the worker uses select on pipes")

BASES = {
    name: (MEDIA / name).read_bytes()
    for name in (
        "speech-16k.wav",
        "tone-16k-1.5s.mp3",
        "tone-16k-1.5s.mp4",
        "tone-16k-1.5s-faststart.mp4",
        "stereo-16k-1.5s.mp4",
        "pce-5.1.mp4",
    )
}
MAGIC = (
    b"",
    b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00",
    b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41",
    b"ID3\x03\x00\x00\x00\x00\x00\x00",
    b"\xff\xfb\x90\x00",
    b"fLaC",
)
SUFFIXES = (".wav", ".mp3", ".mp4", ".flac")
SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

positions = st.one_of(st.integers(0, 255), st.integers(0, 2**31))  # headers are near the start
values = st.one_of(st.sampled_from(INTERESTING), st.integers(0, 2**32 - 1))
mutations: st.SearchStrategy[Mutation] = st.one_of(
    st.tuples(st.just("truncate"), positions),
    st.tuples(st.just("flip"), positions, st.integers(0, 7)),
    st.tuples(st.just("overwrite"), positions, st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("insert"), positions, st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("delete"), positions, st.integers(1, 256)),
    st.tuples(st.just("size"), st.sampled_from(list(SIZE_FIELDS)), st.integers(0, 3), values),
    st.tuples(
        st.just("largesize"),
        st.sampled_from(MP4_TAGS),
        st.integers(0, 3),
        st.sampled_from(INTERESTING),
    ),
    st.tuples(st.just("field"), st.sampled_from(FIELDS), values),
)


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes): one of the test media files with one to four mutations."""
    name = draw(st.sampled_from(sorted(BASES)))
    changes = draw(st.lists(mutations, min_size=1, max_size=4))
    return Path(name).suffix, apply(BASES[name], changes)


@st.composite
def noise(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes): random bytes, perhaps behind a format's magic number."""
    return draw(st.sampled_from(SUFFIXES)), draw(st.sampled_from(MAGIC)) + draw(
        st.binary(max_size=2048)
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    child = Worker()
    yield child
    child.close()


def _write(folder: Path, suffix: str, data: bytes) -> Path:
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    return path


def _probe_is_typed_or_sane(path: Path) -> None:
    try:
        info = probe_media(path)
    except CallrecError as exc:
        assert exc.file == path, f"{type(exc).__name__} does not name the file: {exc}"
        return
    assert info.frames >= 1
    assert 1 <= info.channels <= MAX_CHANNELS
    assert MIN_SAMPLE_RATE <= info.sample_rate <= MAX_SAMPLE_RATE


def _decode_is_typed_or_sane(worker: Worker, path: Path) -> None:
    answer = worker.examine(path)
    assert answer["outcome"] in ("ok", "callrec"), answer
    if answer["outcome"] == "callrec":
        assert answer["file"] == str(path), answer
        return
    assert answer["frames"] >= 0
    assert answer["channels"] == answer["probe_channels"]
    assert 1 <= answer["channels"] <= MAX_CHANNELS
    assert MIN_SAMPLE_RATE <= answer["sample_rate"] <= MAX_SAMPLE_RATE


@settings(max_examples=150, **SETTINGS)
@given(case=noise())
def test_probe_of_random_bytes(scratch: Path, case: tuple[str, bytes]) -> None:
    _probe_is_typed_or_sane(_write(scratch, *case))


@settings(max_examples=200, **SETTINGS)
@given(case=damaged())
def test_probe_of_damaged_media(scratch: Path, case: tuple[str, bytes]) -> None:
    _probe_is_typed_or_sane(_write(scratch, *case))


@settings(max_examples=40, **SETTINGS)
@given(case=noise())
def test_decoding_random_bytes(worker: Worker, scratch: Path, case: tuple[str, bytes]) -> None:
    _decode_is_typed_or_sane(worker, _write(scratch, *case))


@settings(max_examples=80, **SETTINGS)
@given(case=damaged())
def test_decoding_damaged_media(worker: Worker, scratch: Path, case: tuple[str, bytes]) -> None:
    _decode_is_typed_or_sane(worker, _write(scratch, *case))
