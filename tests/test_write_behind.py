"""Tracks written from a second thread, and the disk asked to start early: the same bytes, in
the same order, whole or not at all, and every error back in the pass that owns the files."""

from __future__ import annotations

import errno
import itertools
import os
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile

import callrec
from callrec.audio import writer
from callrec.audio.write_behind import WriteBehind
from callrec.audio.writer import WRITEBACK_BYTES, AudioWriter
from callrec.output import run

from .test_batch_safety import calls


def test_jobs_run_in_order_on_another_thread() -> None:
    done: list[tuple[int, str]] = []
    with WriteBehind(max_blocks=2) as writes:
        for n in range(50):
            writes.submit(lambda n: done.append((n, threading.current_thread().name)), n)
        writes.wait()
    assert [n for n, _ in done] == list(range(50))
    assert {name for _, name in done} == {"callrec-writes"}


def test_an_error_comes_back_at_the_next_call_and_stops_the_work() -> None:
    ran: list[int] = []

    def job(n: int) -> None:
        if n == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        ran.append(n)

    writes = WriteBehind()
    try:
        for n in range(6):
            writes.submit(job, n)
        with pytest.raises(OSError, match="No space left"):
            writes.wait()
        with pytest.raises(OSError, match="No space left"):
            writes.submit(job, 10)  # not queued: the error comes back first
    finally:
        writes.close()
    assert ran == [0, 1, 2]  # nothing after the error ran


def test_close_skips_what_is_queued_and_ends_the_thread() -> None:
    gate, ran = threading.Event(), []
    writes = WriteBehind(max_blocks=8)
    writes.submit(gate.wait)
    for n in range(5):
        writes.submit(ran.append, n)
    gate.set()
    writes.close()
    assert not writes._thread.is_alive()
    writes.close()  # again: nothing to do, and it returns at once
    assert len(ran) < 5  # the queued jobs were dropped (some may have run before close)


def test_the_queue_holds_the_pass_back_when_the_disk_is_slower() -> None:
    gate = threading.Event()
    writes = WriteBehind(max_blocks=2)
    try:
        writes.submit(gate.wait)  # the thread is busy with this one
        writes.submit(lambda: None)
        writes.submit(lambda: None)  # two waiting: the queue is full
        blocked = threading.Thread(target=writes.submit, args=(lambda: None,))
        blocked.start()
        blocked.join(0.2)
        assert blocked.is_alive()  # memory stays bounded: the producer waits
        gate.set()
        blocked.join(5)
        assert not blocked.is_alive()
        writes.wait()
    finally:
        gate.set()
        writes.close()


def test_writeback_is_asked_for_every_range_once_and_the_file_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[int, int]] = []
    monkeypatch.setattr(writer, "_sync_file_range", lambda: lambda fd, at, n: asked.append((at, n)))
    rng = np.random.default_rng(7)
    blocks = [rng.integers(-32768, 32767, (frames, 2), np.int16) for frames in (70_000,) * 60]
    target = tmp_path / "t.wav"
    with AudioWriter(target, sample_rate=16000, channels=2, dtype="int16") as out:
        for block in blocks:
            out.write(block)
    data, rate = soundfile.read(target, dtype="int16")
    assert rate == 16000 and np.array_equal(data, np.concatenate(blocks))
    # Contiguous ranges from the file's start, each at least WRITEBACK_BYTES, none twice.
    assert asked and asked[0][0] == 0
    assert all(at == prev_at + prev_n for (prev_at, prev_n), (at, _) in itertools.pairwise(asked))
    assert all(n >= WRITEBACK_BYTES for _, n in asked)
    assert asked[-1][0] + asked[-1][1] <= os.path.getsize(target)


def test_the_real_writeback_call_is_harmless(tmp_path: Path) -> None:
    start = writer._sync_file_range()
    if start is None:
        pytest.skip("no sync_file_range on this system")
    with open(tmp_path / "f", "wb") as f:
        f.write(b"x" * 4096)
        start(f.fileno(), 0, 4096)
        start(-1, 0, 4096)  # a failure is ignored: the fsync does the work
    assert (tmp_path / "f").read_bytes() == b"x" * 4096


def test_tracks_are_the_same_written_behind_or_in_the_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls(tmp_path / "in", 2)
    behind = callrec.process(tmp_path / "in", tmp_path / "behind")

    class InThePass:  # what the pass did before: write at once, in its own thread
        def __init__(self) -> None:
            self.error = None

        def submit(self, job, *args):  # type: ignore[no-untyped-def]
            job(*args)

        def wait(self) -> None:
            pass

        def close(self) -> None:
            pass

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(run, "WriteBehind", InThePass)
    inline = callrec.process(tmp_path / "in", tmp_path / "inline")
    assert (
        [o.status for o in behind.outcomes] == [o.status for o in inline.outcomes] == ["done"] * 2
    )
    names = sorted(p.relative_to(tmp_path / "behind") for p in (tmp_path / "behind").rglob("*.wav"))
    assert names == sorted(
        p.relative_to(tmp_path / "inline") for p in (tmp_path / "inline").rglob("*.wav")
    )
    assert names
    for name in names:
        assert (tmp_path / "behind" / name).read_bytes() == (
            tmp_path / "inline" / name
        ).read_bytes()


def test_a_sync_that_fails_at_the_end_fails_the_recording_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = calls(tmp_path / "in", 3)
    real = writer._WavFile.close

    def full_at_close(self):  # type: ignore[no-untyped-def]
        if ids[1] in str(self._target):
            raise OSError(errno.EIO, "Input/output error")
        return real(self)

    monkeypatch.setattr(writer._WavFile, "close", full_at_close)
    out = tmp_path / "out"
    result = callrec.process(tmp_path / "in", out)
    assert [o.status for o in result.outcomes] == ["done", "failed", "done"]
    assert "Input/output error" in (result.outcomes[1].error.message or "")  # type: ignore[union-attr]
    assert not list(out.rglob("*.partial"))
    assert not (out / ids[1] / "report.json").exists()
    assert not list((out / ids[1]).rglob("*.wav"))
    assert len(list((out / ids[0] / "participants").glob("*.wav"))) == 2


def test_an_error_after_the_pass_leaves_no_half_written_track(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The measuring after the pass runs while the last writes are queued: if it fails, the
    writes stop, and what they had not finished is removed, never left half-written."""
    ids = calls(tmp_path / "in", 2)
    gate = threading.Event()
    real = writer._WavFile.close

    def slow_close(self):  # type: ignore[no-untyped-def]
        gate.wait(5)  # the pass is still measuring when this file would be finished
        return real(self)

    def broken_results(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            raise ValueError("cannot reshape array of size 0")
        finally:
            gate.set()

    monkeypatch.setattr(writer._WavFile, "close", slow_close)
    monkeypatch.setattr(run, "_results", broken_results)
    out = tmp_path / "out"
    result = callrec.process(tmp_path / "in", out)
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert not list(out.rglob("*.partial"))
    assert not any((out / i / "report.json").exists() for i in ids)
    assert not [t for t in threading.enumerate() if t.name == "callrec-writes"]
