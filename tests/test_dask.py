"""Recordings as tasks on a real Dask cluster: a ``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1, started here, and stopped (those processes only) when the module ends.

A run on the cluster must equal a local run of the same recordings: exit status, summary,
``errors.json``, the same files, tracks byte for byte, reports apart from their provenance.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import distributed  # the `test` extra installs it: these tests run wherever the suite does
import pytest

import callrec
from callrec import cli
from callrec.batch import _cluster_task, _job
from callrec.cluster import check_workers
from callrec.errors import UsageError
from callrec.output.options import ProcessOptions

from .conftest import ALICE, BOB, SAMPLES, meta, write_chunk

BAD_CALL = "99999999-8888-7777-6666-555555555555"
UNMIXED = "b5a3e2c1-7d44-4f0e-9a8b-2c6d1e0f9a37"  # the call id of samples/unmixed-call
START_S = 90.0


def _start(argv: list[str], folder: Path, log: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A dask process in a session of its own (its nanny's worker child goes with it), logging
    to a file, its working folder not the tests' (paths it is given must be absolute)."""
    with open(folder / log, "wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *argv],
            cwd=folder,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop the processes started here: politely, then by force, each by its own id."""
    for process in reversed(processes):  # the workers first, while the scheduler listens
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            # The session the process leads holds only what it started (a nanny's worker).
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _address(file: Path, processes: list[subprocess.Popen[bytes]], folder: Path) -> str:
    """The scheduler's address, once it has written its scheduler file."""
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            break
        try:
            return str(json.loads(file.read_text())["address"])
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    logs = "".join(p.read_text(errors="replace") for p in sorted(folder.glob("*.log")))
    raise RuntimeError(f"the dask scheduler did not start:\n{logs[-4000:]}")


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a scheduler with two one-thread workers, as the README says to run it."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    # One retry after a worker dies (the README says why); nothing read from the user's config.
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(
            _start(
                [
                    *("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"),
                    *("--scheduler-file", str(file)),
                ],
                folder,
                "scheduler.log",
                env,
            )
        )
        address = _address(file, processes, folder)
        for n in range(2):
            processes.append(
                _start(
                    [
                        *("worker", "--scheduler-file", str(file), "--host", "127.0.0.1"),
                        *("--nworkers", "1", "--nthreads", "1", "--no-dashboard"),
                        *("--local-directory", str(folder / f"worker-{n}")),
                    ],
                    folder,
                    f"worker-{n}.log",
                    env,
                )
            )
        _wait_for_workers(address)
        yield address
    finally:
        _stop(processes)


def _wait_for_workers(address: str, count: int = 2) -> None:
    with distributed.Client(address, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=START_S)


def _inputs(tmp_path: Path) -> Path:
    """The three samples, and a recording whose metadata puts two people on one channel."""
    folder = tmp_path / "in"
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns("record-response"))
    bad = meta(call_id=BAD_CALL, participants=[(ALICE, 0), (BOB, 0)])
    write_chunk(folder / "bad-call", bad, frames=16_000)
    return folder


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``callrec process ARGV --quiet``."""
    status = cli.main(["process", *argv, "--quiet"])
    printed = capsys.readouterr()
    return status, printed.out, printed.err


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _without_provenance(report: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(report)
    document.pop("provenance")
    return document


def _assert_same_outputs(local: Path, cluster: Path) -> None:
    """The same files; reports equal apart from provenance; everything else byte for byte."""
    mine, theirs = _files(local), _files(cluster)
    assert sorted(mine) == sorted(theirs)
    assert any(name.endswith(".wav") for name in mine)
    for name, data in mine.items():
        if name.endswith("report.json"):
            assert _without_provenance(data) == _without_provenance(theirs[name]), name
        else:
            assert data == theirs[name], name


def test_the_command_on_a_cluster_matches_a_local_run(
    scheduler: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inputs = _inputs(tmp_path)
    local = _cli([str(inputs), "--out", str(tmp_path / "local"), "-j", "1"], capsys)
    # Relative paths, from a folder that is not the workers' working folder.
    monkeypatch.chdir(tmp_path)
    cluster = _cli(["in", "--out", "on-dask", "--scheduler", scheduler], capsys)
    assert local[0] == cluster[0] == cli.EXIT_FAILED
    assert "4 recording(s)" in local[1] and "3 processed" in local[1] and "1 failed" in local[1]
    assert local[1].replace(str(tmp_path / "local"), "OUT") == cluster[1].replace("on-dask", "OUT")
    assert f"failed: {BAD_CALL}: ChannelConflictError" in cluster[1]
    _assert_same_outputs(tmp_path / "local", tmp_path / "on-dask")


def test_a_rerun_on_the_cluster_skips_what_is_done(
    scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs, out = _inputs(tmp_path), str(tmp_path / "out")
    first = _cli([str(inputs), "--out", out, "--scheduler", scheduler], capsys)
    errors = (tmp_path / "out" / "errors.json").read_text()
    again = _cli([str(inputs), "--out", out, "--scheduler", scheduler], capsys)
    assert first[0] == again[0] == cli.EXIT_FAILED
    assert "3 processed, 0 already done, 1 failed" in first[1]
    assert "0 processed, 3 already done, 1 failed" in again[1]
    assert (tmp_path / "out" / "errors.json").read_text() == errors
    # A local re-run agrees that they are done: the same version, options and inputs.
    local = _cli([str(inputs), "--out", out, "-j", "1"], capsys)
    assert "0 processed, 3 already done, 1 failed" in local[1]


def test_the_python_api_with_an_address_and_with_a_client(scheduler: str, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    batch = callrec.process(
        SAMPLES / "unmixed-call",
        tmp_path / "by-address",
        scheduler=scheduler,
        on_outcome=lambda outcome, done, total: seen.append((outcome.status, done, total)),
    )
    assert batch.complete and seen == [("done", 1, 1)]
    local = callrec.process(SAMPLES / "unmixed-call", tmp_path / "local")
    _assert_same_outputs(tmp_path / "local", tmp_path / "by-address")
    with distributed.Client(scheduler, set_as_default=False) as client:
        again = callrec.process(SAMPLES / "unmixed-call", tmp_path / "by-address", scheduler=client)
        forced = callrec.process(SAMPLES, tmp_path / "by-client", scheduler=client, force=True)
        assert client.status == "running"  # the caller's client is left open
    assert [o.status for o in again.outcomes] == ["skipped"]
    assert [o.status for o in forced.outcomes] == ["done"] * 3
    assert [o.audio_s for o in batch.outcomes] == [o.audio_s for o in local.outcomes]


def test_a_recording_that_kills_its_worker_fails_alone(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A native crash, as a damaged file can cause in a decoder: the worker process ends in the
    middle of the recording. The task the client submits is replaced here by one that does that
    for the unmixed call (a local function: it travels to the workers by value).

    It dies a moment into the recording, as a decoder does once it has read some of the file.
    Dying at once, it could take with it the result of the recording its worker had just
    finished, before the client fetched it: Dask then runs that one again, and it reports
    "already done" (complete either way; see callrec/cluster.py).
    """

    def dies_on_the_unmixed_call(task: Any) -> Any:
        if task[0].call_id == UNMIXED:
            time.sleep(1.0)
            os._exit(70)  # no exception, no clean-up: what a segmentation fault leaves
        return _job(*task)

    monkeypatch.setattr("callrec.batch._cluster_task", dies_on_the_unmixed_call)
    try:
        batch = callrec.process(SAMPLES, tmp_path / "out", scheduler=scheduler)
    finally:
        _wait_for_workers(scheduler)  # the nannies restart them; later tests need both
    statuses = {o.folder: o.status for o in batch.outcomes}
    assert statuses.pop(UNMIXED) == "failed" and set(statuses.values()) == {"done"}
    (crashed,) = batch.failed
    assert crashed.error is not None and crashed.error.error == "WorkerCrashError"
    assert crashed.error.message.startswith("2 Dask worker processes died (the last on 127.0.0.1:")
    assert "while processing this recording" in crashed.error.message
    written = json.loads((tmp_path / "out" / "errors.json").read_text())
    assert [f["folder"] for f in written["failed"]] == [UNMIXED]
    assert not (tmp_path / "out" / UNMIXED / "report.json").exists()


def test_callrec_inside_a_dask_task_runs_in_that_worker(scheduler: str, tmp_path: Path) -> None:
    def inside(path: str, out: str) -> tuple[bool, list[str], list[str]]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = callrec.process(path, out, jobs=2)
        daemon = multiprocessing.current_process().daemon
        return daemon, [o.status for o in result.outcomes], [str(w.message) for w in caught]

    with distributed.Client(scheduler, set_as_default=False) as client:
        daemon, statuses, messages = client.submit(
            inside, str(SAMPLES), str(tmp_path / "out"), pure=False
        ).result()
    assert daemon and statuses == ["done"] * 3
    assert any("daemonic" in m for m in messages)


def test_usage_errors_on_a_cluster(
    scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    both = _cli([str(SAMPLES), "--out", str(out), "-j", "2", "--scheduler", scheduler], capsys)
    assert both[0] == cli.EXIT_USAGE and "jobs does not apply with a scheduler" in both[2]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        nobody = _cli([str(SAMPLES), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"], capsys)
    assert nobody[0] == cli.EXIT_USAGE and "cannot reach the Dask scheduler" in nobody[2]
    # Refused before a client is made: "" would start a local cluster, an unknown scheme used
    # to hang the exit for a minute.
    for address in ("", "nonsense://host:1", "tcp://"):
        wrong = _cli([str(SAMPLES), "--out", str(out), "--scheduler", address], capsys)
        assert wrong[0] == cli.EXIT_USAGE and "is not a Dask scheduler's address" in wrong[2]
    with pytest.raises(UsageError, match=r"distributed\.Client, got int"):
        callrec.process(SAMPLES, out, scheduler=8786)  # type: ignore[arg-type]
    assert not out.exists()  # nothing was made
    relative = callrec.discover(os.path.relpath(SAMPLES))
    with pytest.raises(UsageError, match="absolute"):
        callrec.process(SAMPLES, out, scheduler=scheduler, found=relative)


def test_a_worker_that_does_not_see_the_paths_fails_the_recording_saying_so(
    tmp_path: Path,
) -> None:
    (item,) = callrec.discover(SAMPLES / "unmixed-call").recordings
    elsewhere = tmp_path / "not-mounted" / "out" / "call"
    outcome = _cluster_task((item, elsewhere, ProcessOptions(), False))
    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.error == "UsageError"
    assert outcome.error.file == str(elsewhere.parent)
    assert "shared file system" in outcome.error.message
    assert not elsewhere.parent.exists()


def test_workers_with_another_callrec_are_refused() -> None:
    class Versions:
        def get_versions(self, packages: list[str]) -> dict[str, Any]:
            assert packages == ["callrec"]
            return {
                "workers": {
                    "tcp://a:1": {"packages": {"callrec": callrec.__version__}},
                    "tcp://b:1": {"packages": {"callrec": "0.2.0"}},
                    "tcp://c:1": {"packages": {"callrec": None}},
                }
            }

    with pytest.raises(UsageError) as caught:
        check_workers(Versions())  # type: ignore[arg-type]
    assert "tcp://b:1 has callrec 0.2.0; tcp://c:1 has no callrec" in str(caught.value)


def test_without_the_extra_the_option_names_the_install_command(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['distributed'] = None\n"
        "import callrec\n"
        "assert callrec.process\n"  # importable without distributed
        "from callrec.cli import main\n"
        f"sys.exit(main(['process', {str(SAMPLES)!r}, '--out', {str(tmp_path / 'out')!r}, "
        "'--scheduler', 'tcp://127.0.0.1:8786']))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == cli.EXIT_FAILED
    assert "pip install 'callrec[dask]'" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_scheduler_that_goes_away_fails_what_is_left_and_the_batch_ends(
    tmp_path: Path,
) -> None:
    """The first recording finishes, then the scheduler is killed: the rest fail, each saying
    why, and the batch still returns its outcomes and writes errors.json."""

    folder = tmp_path / "dask"
    folder.mkdir()
    file = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    processes = [
        _start(
            [
                *("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"),
                *("--scheduler-file", str(file)),
            ],
            folder,
            "scheduler.log",
            env,
        )
    ]
    try:
        address = _address(file, processes, folder)
        processes.append(
            _start(
                [
                    *("worker", "--scheduler-file", str(file), "--host", "127.0.0.1"),
                    *("--nworkers", "1", "--nthreads", "1", "--no-dashboard"),
                    *("--local-directory", str(folder / "worker")),
                ],
                folder,
                "worker.log",
                env,
            )
        )
        _wait_for_workers(address, 1)

        def kill_the_scheduler(outcome: Any, done: int, total: int) -> None:
            if done == 1:
                processes[0].kill()
                processes[0].wait(timeout=START_S)

        with dask.config.set({"distributed.comm.timeouts.connect": "3s"}):
            result = callrec.process(
                _inputs(tmp_path),
                tmp_path / "out",
                scheduler=address,
                on_outcome=kill_the_scheduler,
            )
    finally:
        _stop(processes)
    assert len(result.outcomes) == 4
    failed = [o for o in result.failed if o.error and "scheduler went away" in o.error.message]
    assert len(failed) >= 2  # everything not begun when the scheduler died
    errors = json.loads((tmp_path / "out" / "errors.json").read_text())
    assert {e["call_id"] for e in errors["failed"]} >= {o.call_id for o in failed}
