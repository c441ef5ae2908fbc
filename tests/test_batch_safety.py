"""A batch survives crashing decoders, a full disk, a second run and its own death."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from callrec import cli
from callrec.batch import process
from callrec.cli import EXIT_BUSY, EXIT_FAILED, EXIT_OK
from callrec.safety.workers import WorkerPool, crash_reason

from .conftest import meta

LINUX = sys.platform.startswith("linux")
FORK = multiprocessing.get_start_method() == "fork"


def calls(folder: Path, count: int, seconds: float = 1.0) -> list[str]:
    """``count`` one-chunk unmixed recordings of noise, each with its own call id."""
    ids = []
    rng = np.random.default_rng(count)
    for n in range(count):
        call = f"{n:08d}-0000-4000-8000-000000000000"
        document = meta(0, call_id=call, doc=f"0-eus-d1-{n:032x}", duration_ms=seconds * 1000)
        (folder / call).mkdir(parents=True)
        (folder / call / f"{document['chunkDocumentId']}.json").write_text(json.dumps(document))
        audio = rng.integers(-3000, 3000, (int(seconds * 16000), 2)).astype(np.int16)
        soundfile.write(folder / call / f"{document['chunkDocumentId']}.wav", audio, 16000)
        ids.append(call)
    return ids


def _square_or_crash(n: int) -> int:
    if n == 3:
        os.kill(os.getpid(), signal.SIGSEGV)  # what a native decoder does on a bad frame
    return n * n


def _crashed(n: int, reason: str) -> int:
    assert "SIGSEGV" in reason
    return -n


@pytest.mark.parametrize("workers", [1, 2])
def test_a_crashing_task_fails_alone_and_the_rest_go_on(workers: int) -> None:
    pool = WorkerPool(workers, _square_or_crash, _crashed)
    assert sorted(pool.run(range(7))) == sorted([0, 1, 4, -3, 16, 25, 36])


def test_crash_reasons_name_the_signal() -> None:
    assert "SIGSEGV" in crash_reason(-signal.SIGSEGV)
    assert "SIGKILL" in crash_reason(-signal.SIGKILL)
    assert "status 3" in crash_reason(3)


@pytest.mark.skipif(not FORK, reason="the patched job reaches the workers only through fork")
def test_a_recording_whose_decoder_crashes_fails_alone_even_with_one_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = calls(tmp_path / "in", 4)
    import callrec.batch as batch

    real = batch._job

    def crash_on_the_second(item, folder, options, force):  # type: ignore[no-untyped-def]
        if item.call_id == ids[1]:
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(item, folder, options, force)

    monkeypatch.setattr(batch, "_job", crash_on_the_second)
    out = tmp_path / "out"
    code = cli.main(["process", str(tmp_path / "in"), "--out", str(out), "-j", "1", "-q"])
    assert code == EXIT_FAILED
    said = capsys.readouterr().out
    assert "3 processed" in said and "1 failed" in said
    assert f"failed: {ids[1]}: WorkerCrashError" in said and "SIGSEGV" in said
    (failed,) = json.loads((out / "errors.json").read_text())["failed"]
    assert failed["error"] == "WorkerCrashError" and failed["call_id"] == ids[1]
    assert len(list(out.glob("*/report.json"))) == 3


DRIVER = """
import sys, time
import callrec.batch as batch
real = batch._job
def slow(item, folder, options, force):
    time.sleep(0.4)  # long enough for the test to act while the batch runs
    return real(item, folder, options, force)
batch._job = slow
from callrec.cli import main
sys.exit(main(["process", sys.argv[1], "--out", sys.argv[2], "-j", "2", "-q"]))
"""


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def _start_driver(tmp_path: Path, source: Path, out: Path) -> subprocess.Popen[bytes]:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    return subprocess.Popen([sys.executable, str(script), str(source), str(out)])


def _wait_for(condition, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.skipif(not (LINUX and FORK), reason="reads /proc; the driver patches through fork")
def test_workers_stop_within_a_second_when_the_command_is_killed(tmp_path: Path) -> None:
    calls(tmp_path / "in", 12)
    out = tmp_path / "out"
    driver = _start_driver(tmp_path, tmp_path / "in", out)
    try:
        _wait_for(lambda: len(_children(driver.pid)) >= 2 and any(out.glob("*/report.json")))
        workers = _children(driver.pid)
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        killed = time.monotonic()
        _wait_for(lambda: not any(_alive(w) for w in workers), seconds=1.0)
        assert time.monotonic() - killed < 1.0
        before = _tree(out)
        time.sleep(1.0)
        assert _tree(out) == before  # nothing more was written
        assert len(list(out.glob("*/report.json"))) < 12  # it really was killed mid-batch
    finally:
        if driver.poll() is None:
            driver.kill()


@pytest.mark.skipif(not FORK, reason="the driver patches its jobs through fork")
def test_a_second_run_on_the_same_output_stops_at_once_and_the_first_is_unharmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = calls(tmp_path / "in", 8)
    out = tmp_path / "out"
    first = _start_driver(tmp_path, tmp_path / "in", out)
    try:
        _wait_for(lambda: any(out.glob("*/report.json")))
        second = cli.main(["process", str(tmp_path / "in"), "--out", str(out), "-q"])
        assert second == EXIT_BUSY
        assert "another callrec run is writing to this folder" in capsys.readouterr().err
        assert first.wait(timeout=120) == EXIT_OK
    finally:
        if first.poll() is None:
            first.kill()
    assert sorted(p.parent.name for p in out.glob("*/report.json")) == sorted(ids)
    assert not list(out.rglob("*.partial"))
    # Once the first run is over, the folder is free again.
    assert cli.main(["process", str(tmp_path / "in"), "--out", str(out), "-q"]) == EXIT_OK


def test_a_failing_write_fails_that_recording_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = calls(tmp_path / "in", 3)
    from callrec.audio import writer

    real = writer._WavFile.write

    def full_for_the_second(self, block):  # type: ignore[no-untyped-def]
        if ids[1] in str(self._target):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, block)

    monkeypatch.setattr(writer._WavFile, "write", full_for_the_second)
    out = tmp_path / "out"
    result = process(tmp_path / "in", out)
    assert [o.status for o in result.outcomes] == ["done", "failed", "done"]
    error = result.outcomes[1].error
    assert error is not None and "No space left" in error.message
    assert not list(out.rglob("*.partial"))
    assert not (out / ids[1] / "report.json").exists()


def test_when_even_errors_json_cannot_be_written_the_summary_still_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls(tmp_path / "in", 2)
    import callrec.batch as batch

    def no_space(result):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch, "_write_errors", no_space)
    code = cli.main(["process", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q"])
    assert code == EXIT_FAILED
    said = capsys.readouterr()
    assert "2 recording(s)" in said.out and "2 processed" in said.out
    assert "could not write" in said.err and "No space left" in said.err
    assert "Traceback" not in said.err
    # The table and the index do not depend on errors.json: they are written all the same.
    assert (tmp_path / "out" / "segments.csv").is_file()
    assert (tmp_path / "out" / "index.html").is_file()


def test_a_run_file_that_cannot_be_written_leaves_no_earlier_copy_and_stops_no_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """segments.csv unwritable on the second run: the first run's table is removed (it would
    pass for this run's), and the index is this run's, with the recording added since."""
    ids = calls(tmp_path / "in", 2)
    out = tmp_path / "out"
    assert cli.main(["process", str(tmp_path / "in"), "--out", str(out), "-q"]) == EXIT_OK
    assert ids[0] in (out / "segments.csv").read_text()
    added = calls(tmp_path / "more", 3)[2]  # a third call id, moved in beside the first two
    (tmp_path / "more" / added).rename(tmp_path / "in" / added)
    import callrec.batch as batch

    def no_space(result, reports):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batch, "_write_segments", no_space)
    result = process(tmp_path / "in", out)
    assert [o.status for o in result.outcomes].count("failed") == 0
    assert result.write_problems == (("segments.csv", "No space left on device"),)
    assert result.unwritten == "segments.csv" and result.errors_file_problem is not None
    assert not (out / "segments.csv").exists()
    index = (out / "index.html").read_text()
    assert all(f'data-recording="{i}"' in index for i in [*ids, added])
    assert json.loads((out / "errors.json").read_text())["failed"] == []
    code = cli.main(["process", str(tmp_path / "in"), "--out", str(out), "-q"])
    said = capsys.readouterr()
    assert code == EXIT_FAILED
    assert f"could not write {out / 'segments.csv'}: No space left" in said.err
    assert "all there is" not in said.err  # errors.json was written


def test_reports_that_storage_will_not_give_back_leave_neither_table_nor_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both are made from the reports read back: without them, both are unwritten, the first
    run's copies removed, and errors.json is written all the same."""
    calls(tmp_path / "in", 2)
    out = tmp_path / "out"
    assert process(tmp_path / "in", out).write_problems == ()
    import callrec.batch as batch
    from callrec.errors import StorageError

    def refused(path):  # type: ignore[no-untyped-def]
        raise StorageError("the service is down", file=path)

    monkeypatch.setattr(batch, "load_report", refused)
    result = process(tmp_path / "in", out)
    assert result.write_problems == (
        ("segments.csv", "the service is down"),
        ("index.html", "the service is down"),
    )
    assert not (out / "segments.csv").exists() and not (out / "index.html").exists()
    assert (out / "errors.json").is_file()


def _mount_tmpfs(where: Path, size: str) -> bool:
    if not LINUX or os.geteuid() != 0:
        return False
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
    )
    return done.returncode == 0


def test_a_really_full_disk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """On a 300 KiB tmpfs: some recordings fit, the rest fail cleanly, nothing half-written."""
    calls(tmp_path / "in", 6)  # each writes two 1 s tracks: 64 KB of audio
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "300k"):
        pytest.skip("cannot mount a tmpfs here (not root, or not Linux)")
    try:
        code = cli.main(["process", str(tmp_path / "in"), "--out", str(disk / "out"), "-q"])
        said = capsys.readouterr()
        assert code == EXIT_FAILED
        assert "Traceback" not in said.err
        assert "No space left" in said.out + said.err
        assert not list(disk.rglob("*.partial"))
        done = list((disk / "out").glob("*/report.json"))
        assert 0 < len(done) < 6
        for report in done:  # every recording that has a report has all its tracks
            folder = report.parent
            assert len(list((folder / "participants").glob("*.wav"))) == 2
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_bug_on_one_recording_fails_that_one_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = calls(tmp_path / "in", 3)
    import callrec.batch as batch

    real = batch.process_recording

    def broken_on_the_second(recording, folder, *args, **kwargs):  # type: ignore[no-untyped-def]
        if recording.call_id == ids[1]:
            raise ValueError("cannot reshape array of size 0")
        return real(recording, folder, *args, **kwargs)

    monkeypatch.setattr(batch, "process_recording", broken_on_the_second)
    result = process(tmp_path / "in", tmp_path / "out")
    assert [o.status for o in result.outcomes] == ["done", "failed", "done"]
    error = result.outcomes[1].error
    assert error is not None
    assert error.error == "ValueError" and "a bug in callrec" in error.message
    assert "Traceback" in (result.outcomes[1].trace or "")


@pytest.mark.parametrize(
    "method", [m for m in ("spawn", "forkserver") if m in multiprocessing.get_all_start_methods()]
)
def test_the_pool_works_whatever_the_start_method(method: str) -> None:
    """A fork server is the worker's parent there: watching the parent id alone would end every
    worker at once (Python 3.14's default on Linux)."""
    pool = WorkerPool(2, _square_or_crash, _crashed, start_method=method)
    assert sorted(pool.run(range(5))) == sorted([0, 1, 4, -3, 16])
