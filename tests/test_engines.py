"""callrec inside other engines and on other people's machines: pools, pickles, CPU limits,
file permissions, a lean install, and the BLAS kernel the suite runs on."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import multiprocessing
import os
import pickle
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import callrec
from callrec import cli
from callrec.batch import _cgroup_cpu_quota, available_cpus, process

from .conftest import ROOT, SAMPLES

CALL_FOLDER = "b5a3e2c1-7d44-4f0e-9a8b-2c6d1e0f9a37"


def _process_in_worker(args: tuple[str, str, int | None]) -> tuple[bool, list[str], list[str]]:
    """Runs in a daemonic pool worker: what a Dask or multiprocessing user would call."""
    path, out, jobs = args
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = process(path, out, jobs=jobs)
    daemon = multiprocessing.current_process().daemon
    return daemon, [o.status for o in result.outcomes], [str(w.message) for w in caught]


@pytest.mark.parametrize("jobs", [None, 2])
def test_process_runs_inside_a_daemonic_pool_worker(tmp_path: Path, jobs: int | None) -> None:
    with multiprocessing.Pool(1) as pool:
        daemon, statuses, messages = pool.apply(
            _process_in_worker, ((str(SAMPLES), str(tmp_path / "out"), jobs),)
        )
    assert daemon
    assert statuses == ["done", "done", "done"]
    assert (tmp_path / "out" / CALL_FOLDER / "report.json").is_file()
    if jobs == 2:  # asked for workers it may not start: said so, and done here instead
        assert any("daemonic" in m for m in messages)
    else:
        assert messages == []


def test_process_defaults_to_the_calling_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("worker processes were started")

    monkeypatch.setattr("callrec.batch.WorkerPool", no_pool)
    result = process(SAMPLES, tmp_path / "out")
    assert [o.status for o in result.outcomes] == ["done", "done", "done"]


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_jobs_must_be_a_whole_number_of_at_least_one(tmp_path: Path, jobs: object) -> None:
    with pytest.raises(callrec.errors.UsageError, match="jobs"):
        process(SAMPLES, tmp_path / "out", jobs=jobs)  # type: ignore[arg-type]


def test_recordings_and_results_pickle(tmp_path: Path) -> None:
    for path in ("unmixed-call", "mixed-call-wav", "mixed-call-mp3"):
        recording = callrec.open_recording(SAMPLES / path)
        back = pickle.loads(pickle.dumps(recording))
        assert back == recording
        assert [back.channels_of(p) for p in back.participants] == [
            recording.channels_of(p) for p in recording.participants
        ]
        analysed = callrec.analyze_recording(recording)
        assert pickle.loads(pickle.dumps(analysed)).report == analysed.report
        done = callrec.process_recording(back, tmp_path / path)
        assert pickle.loads(pickle.dumps(done)).report == done.report
    batch = process(SAMPLES, tmp_path / "batch")
    assert pickle.loads(pickle.dumps(batch)) == batch


def test_channel_maps_stay_read_only() -> None:
    recording = callrec.open_recording(SAMPLES / "unmixed-call")
    mapping = recording.chunks[0].channel_map.participants
    with pytest.raises(TypeError):
        mapping[9] = "someone"  # type: ignore[index]


def test_available_cpus_honours_the_affinity_mask() -> None:
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no CPU affinity on this platform")
    code = (
        "import os; from callrec.batch import available_cpus; "
        "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); print(available_cpus())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
    assert 1 <= available_cpus() <= (os.cpu_count() or 1)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"cpu.max": "150000 100000\n"}, 2),  # cgroup v2: 1.5 CPUs' worth of time -> 2 workers
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),  # v1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu.max": "garbage\n"}, None),
        ({}, None),
    ],
)
def test_container_cpu_quota(tmp_path: Path, files: dict[str, str], expected: int | None) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert _cgroup_cpu_quota(tmp_path) == expected


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_get_the_permissions_the_umask_gives(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        process(SAMPLES, tmp_path / "out")
        callrec_response = cli.main(
            ["response", str(SAMPLES / "record-response"), "--out", str(tmp_path / "responses")]
        )
    finally:
        os.umask(previous)
    assert callrec_response == 0
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    written += [p for p in (tmp_path / "responses").rglob("*") if p.is_file()]
    assert len(written) > 10
    assert {p.stat().st_mode & 0o777 for p in written} == {0o666 & ~umask}


def test_debug_is_accepted_before_or_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        ["--debug", "inspect", "x"],
        ["inspect", "x", "--debug"],
        ["inspect", "--debug", "x"],
        ["response", "x", "--debug"],
        ["process", "x", "-o", "y", "--debug"],
    ):
        assert cli._parser().parse_args(argv).debug is True
    assert cli._parser().parse_args(["inspect", "x"]).debug is False
    bad = tmp_path / "bad"
    shutil.copytree(SAMPLES / "unmixed-call", bad)
    first = sorted(bad.glob("*.json"))[0]
    document = json.loads(first.read_text())
    for person in document["participants"]:
        person["channel"] = 0  # everyone on one channel: the recording cannot be built
    first.write_text(json.dumps(document))
    for argv in (
        ["--debug", "process", str(bad), "--out", str(tmp_path / "o1"), "-q"],
        ["process", str(bad), "--out", str(tmp_path / "o2"), "-q", "--debug"],
    ):
        assert cli.main(argv) == 1
        assert "Traceback (most recent call last)" in capsys.readouterr().err
    assert cli.main(["process", str(bad), "--out", str(tmp_path / "o3"), "-q"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_a_rerun_skips_however_path_is_spelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SAMPLES / "unmixed-call", tmp_path / "samples" / "unmixed-call")
    monkeypatch.chdir(tmp_path)
    statuses = [
        [o.status for o in process(path, tmp_path / "out").outcomes]
        for path in ("samples", "./samples/", str(tmp_path / "samples"), "samples/unmixed-call")
    ]
    assert statuses == [["done"], ["skipped"], ["skipped"], ["skipped"]]


def _imported_packages() -> set[str]:
    """Top-level packages that modules under src/callrec import outside ``try`` blocks."""
    found: set[str] = set()
    for path in (ROOT / "src" / "callrec").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.Try)
            for node in ast.walk(block)
        }
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"callrec"}


def test_the_base_install_is_what_the_library_imports() -> None:
    requires = importlib.metadata.requires("callrec") or []
    name = re.compile(r"[A-Za-z0-9_.-]+")

    def names(extra: str | None) -> set[str]:
        return {
            name.match(r).group(0).lower()  # type: ignore[union-attr]
            for r in requires
            if ("extra ==" in r) == (extra is not None) and (extra is None or f'"{extra}"' in r)
        }

    base = names(None)
    # Unguarded imports need a base dependency; pydub is imported inside a guard that names
    # the extra, or for mypy alone.
    assert _imported_packages() - {"pydub"} == base
    assert not base & {"scipy", "pydub", "audioop-lts", "av", "matplotlib"}
    assert "pydub" in names("pydub") and "av" in names("mp4") and "scipy" in names("test")
    assert {"adlfs", "azure-identity"} <= names("azure") & names("test")
    assert "matplotlib" in names("plots") & names("test")


def test_the_command_works_without_the_extras(tmp_path: Path) -> None:
    """What `pip install callrec` alone can do: scipy, pydub, PyAV and matplotlib made
    unimportable (the pages need none of them)."""
    code = (
        "import sys\n"
        "for name in ('scipy', 'pydub', 'av', 'matplotlib'):\n"
        "    sys.modules[name] = None\n"
        "from callrec.cli import main\n"
        f"sys.exit(main(['process', {str(SAMPLES)!r}, '--out', {str(tmp_path)!r}, '-q']))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert len(list(tmp_path.glob("*/report.json"))) == 3
    assert len(list(tmp_path.glob("*/report.html"))) == 3


# What threadpoolctl reports for each kernel CI forces (OpenBLAS names Zen's kernel Haswell, and
# some builds name Prescott's Katmai).
_KERNEL_NAMES = {
    "prescott": {"prescott", "katmai"},
    "nehalem": {"nehalem"},
    "sandybridge": {"sandybridge"},
    "haswell": {"haswell"},
    "zen": {"zen", "haswell"},
    "skylakex": {"skylakex"},
}


def test_the_forced_blas_kernel_is_the_one_in_use() -> None:
    """`.ci/run` runs the suite under several OpenBLAS kernels; make sure each really took."""
    forced = os.environ.get("OPENBLAS_CORETYPE", "").lower()
    if not forced:
        pytest.skip("OPENBLAS_CORETYPE is not set")
    import numpy  # noqa: F401  (loads the BLAS that threadpoolctl reports)
    from threadpoolctl import threadpool_info

    kernels = {
        str(lib.get("architecture", "")).lower()
        for lib in threadpool_info()
        if lib.get("internal_api") == "openblas"
    }
    assert kernels and kernels <= _KERNEL_NAMES.get(forced, {forced})


@pytest.mark.skipif(not Path("/proc/self/fd/2").exists(), reason="reads /proc")
def test_threads_decoding_mp3_leave_stderr_where_it_was(tmp_path: Path) -> None:
    """MP3 decoding points descriptor 2 at a scratch file for a moment (libmpg123 prints there);
    threads doing it at once (a Dask worker's) must each give it back."""
    import threading

    before = os.readlink("/proc/self/fd/2")
    outs = [tmp_path / str(n) for n in range(4)]
    threads = [
        threading.Thread(target=process, args=(SAMPLES / "mixed-call-mp3", out)) for out in outs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert os.readlink("/proc/self/fd/2") == before
    assert all(len(list(out.glob("*/report.json"))) == 1 for out in outs)
