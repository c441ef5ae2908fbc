"""Recordings in Azure Blob storage: a real blob service (Azurite, started by the tests) holding
the samples in the bring-your-own-storage layout, processed by the real command.

Local, ``az://`` in, ``az://`` out and Dask runs of the same recordings give the same files:
tracks and tables byte for byte, reports equal apart from provenance and the inputs' names.
"""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import adlfs
import pytest

import callrec
from callrec import cli
from callrec.errors import StorageError, UsageError
from callrec.storage import BLOCK_BYTES, BlobPath, BlobStore, open_location

from .azurite import Azurite
from .conftest import ALICE, BOB, SAMPLES, meta, write_chunk
from .test_dask import scheduler  # noqa: F401  (a real scheduler and two workers)

BAD_CALL = "99999999-8888-7777-6666-555555555555"
DAY = "20260302"


def _byos_names(folder: Path) -> dict[Path, str]:
    """Each sample file -> its blob name as bring-your-own-storage writes it:
    ``DAY/<callId>/<recording>/<chunk>-acsmetadata.<doc>.json`` beside
    ``<chunk>-audio<format>.<doc>.<ext>``; an event file in the call's folder."""
    names: dict[Path, str] = {}
    for jpath in sorted(folder.rglob("*.json")):
        data = json.loads(jpath.read_text())
        if "chunkDocumentId" not in data:
            continue
        call, doc, index = data["callId"], data["chunkDocumentId"], data["chunkIndex"]
        base = f"{DAY}/{call}/rec-{jpath.parent.name}"
        names[jpath] = f"{base}/{index}-acsmetadata.{doc}.json"
        for media in jpath.parent.glob(f"{jpath.stem}.*"):
            if media.suffix != ".json":
                ext = media.suffix[1:]
                names[media] = f"{base}/{index}-audio{ext}.{doc}.{ext}"
        for event in jpath.parent.glob("recording-file-status-updated.json"):
            names[event] = f"{DAY}/{call}/{event.name}"
    return names


def _inputs(tmp_path: Path) -> Path:
    """The three samples and a recording that fails (two people on one channel), in the BYOS
    layout on disk: the local run's input, and what is uploaded."""
    source = tmp_path / "samples"
    shutil.copytree(SAMPLES, source, ignore=shutil.ignore_patterns("record-response", "*.py"))
    bad = meta(call_id=BAD_CALL, participants=[(ALICE, 0), (BOB, 0)])
    write_chunk(source / "bad-call", bad, frames=16_000)
    layout = tmp_path / "in"
    for path, name in _byos_names(source).items():
        (layout / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, layout / name)
    return layout


@pytest.fixture
def fs(azurite_service: Azurite) -> adlfs.AzureBlobFileSystem:
    return adlfs.AzureBlobFileSystem(
        connection_string=azurite_service.connection_string, skip_instance_cache=True
    )


@pytest.fixture
def env(azurite_service: Azurite, monkeypatch: pytest.MonkeyPatch) -> Azurite:
    """The emulator's connection string in the environment, as a user would set it."""
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_service.connection_string)
    return azurite_service


_containers = iter(range(1_000_000))


@pytest.fixture
def container(fs: adlfs.AzureBlobFileSystem) -> Iterator[str]:
    """A new, empty container of the test's own."""
    name = f"recordings{next(_containers)}"
    fs.mkdir(name)
    yield name
    fs.rm(name, recursive=True)


def _upload(fs: adlfs.AzureBlobFileSystem, layout: Path, prefix: str) -> None:
    for path in sorted(layout.rglob("*")):
        if path.is_file():
            fs.put_file(str(path), f"{prefix}/{path.relative_to(layout).as_posix()}")


def _download(fs: adlfs.AzureBlobFileSystem, prefix: str, target: Path) -> Path:
    for name in fs.find(prefix):
        local = target / Path(name).relative_to(prefix)
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(fs.cat_file(name))
    return target


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main([*argv, "--quiet"] if argv[0] == "process" else argv)
    printed = capsys.readouterr()
    return status, printed.out, printed.err


def _files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _comparable(report: bytes, root: str) -> dict[str, Any]:
    """A report without its provenance, its inputs named relative to the input ``root``."""
    text = report.decode().replace(root.rstrip("/") + "/", "IN/")
    document: dict[str, Any] = json.loads(text)
    document.pop("provenance")
    return document


def _assert_same_outputs(local: Path, local_root: str, other: Path, other_root: str) -> None:
    mine, theirs = _files(local), _files(other)
    assert sorted(mine) == sorted(theirs)
    assert sum(name.endswith(".wav") for name in mine) == 5  # 3 participants, 2 mixes
    for name, data in mine.items():
        if name.endswith("report.json"):
            assert _comparable(data, local_root) == _comparable(theirs[name], other_root), name
        elif name == "errors.json" or name.endswith(".html"):  # they name the inputs
            assert data.decode().replace(local_root, "IN") == theirs[name].decode().replace(
                other_root, "IN"
            )
        else:
            assert data == theirs[name], name


def test_blob_in_and_blob_out_give_what_a_local_run_gives_and_a_rerun_skips(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    layout = _inputs(tmp_path)
    _upload(fs, layout, f"{container}/byos")
    source = f"az://{container}/byos"
    local = _cli(["process", str(layout), "--out", str(tmp_path / "local")], capsys)
    blob_in = _cli(["process", source, "--out", str(tmp_path / "from-blob")], capsys)
    blob_out = _cli(["process", source, "--out", f"az://{container}/out"], capsys)
    assert local[0] == blob_in[0] == blob_out[0] == cli.EXIT_FAILED
    for run in (local, blob_in, blob_out):
        assert "4 recording(s)" in run[1] and "3 processed, 0 already done, 1 failed" in run[1]
        assert f"failed: {BAD_CALL}: ChannelConflictError" in run[1]
    assert f"in az://{container}/out:" in blob_out[1]
    _assert_same_outputs(tmp_path / "local", str(layout), tmp_path / "from-blob", source)
    downloaded = _download(fs, f"{container}/out", tmp_path / "downloaded")
    _assert_same_outputs(tmp_path / "local", str(layout), downloaded, source)
    # The blobs' ETags are in the provenance that decides a re-run; a local file has none.
    reports = sorted(downloaded.glob("*/report.json"))
    for path in reports:
        inputs = json.loads(path.read_text())["provenance"]["inputs"]
        assert inputs and all(i["etag"] and i["path"].startswith(source) for i in inputs)
    local_inputs = json.loads(next((tmp_path / "local").glob("*/report.json")).read_text())
    assert all("etag" not in i for i in local_inputs["provenance"]["inputs"])

    again = _cli(["process", source, "--out", f"az://{container}/out"], capsys)
    assert again[0] == cli.EXIT_FAILED
    assert "0 processed, 3 already done, 1 failed" in again[1]


def test_a_changed_input_blob_is_redone_and_only_that_recording(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    layout = _inputs(tmp_path)
    _upload(fs, layout, f"{container}/byos")
    out = f"az://{container}/out"
    first = _cli(["process", f"az://{container}/byos", "--out", out], capsys)
    assert "3 processed" in first[1]
    # The same bytes uploaded again: a new ETag, so the recording's inputs changed.
    meta_blob = next(
        n for n in fs.find(f"{container}/byos") if "acsmetadata" in n and "audiowav" not in n
    )
    fs.pipe_file(meta_blob, fs.cat_file(meta_blob))
    again = _cli(["process", f"az://{container}/byos", "--out", out], capsys)
    assert "1 processed, 2 already done, 1 failed" in again[1]


def test_bad_metadata_in_the_container_is_listed_and_the_others_finish(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    layout = _inputs(tmp_path)
    broken = layout / DAY / "broken-call" / "rec" / "0-acsmetadata.doc.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"callId": "x", "chunkIndex": "not a number"')
    _upload(fs, layout, f"{container}/byos")
    status, out, _ = _cli(
        ["process", f"az://{container}/byos", "--out", f"az://{container}/out"], capsys
    )
    assert status == cli.EXIT_FAILED
    assert "3 processed" in out
    assert f"not used: az://{container}/byos/{DAY}/broken-call/rec/0-acsmetadata.doc.json" in out
    errors = json.loads(fs.cat_file(f"{container}/out/errors.json"))
    assert [p["file"] for p in errors["problems"] if p["severity"] == "error"] == [
        f"az://{container}/byos/{DAY}/broken-call/rec/0-acsmetadata.doc.json"
    ]
    assert [f["call_id"] for f in errors["failed"]] == [BAD_CALL]


def test_inspect_reads_a_container(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    layout = _inputs(tmp_path)
    _upload(fs, layout, f"{container}/byos")
    local = _cli(["inspect", str(layout), "--json"], capsys)
    remote = _cli(["inspect", f"az://{container}/byos", "--json"], capsys)
    assert local[0] == remote[0]
    assert json.loads(local[1].replace(str(layout), "IN")) == json.loads(
        remote[1].replace(f"az://{container}/byos", "IN")
    )


def test_credentials_never_show(
    azurite_service: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    layout = _inputs(tmp_path)
    _upload(fs, layout, f"{container}/byos")
    secret = azurite_service.account_key
    given = [
        "--storage-option",
        f"connection_string={azurite_service.connection_string}",
    ]
    ok = _cli(
        ["process", f"az://{container}/byos", "--out", f"az://{container}/out", *given], capsys
    )
    wrong_key = secret[:-8] + "AAAAAAA="
    wrong = [
        "--storage-option",
        f"connection_string={azurite_service.connection_string.replace(secret, wrong_key)}",
    ]
    denied = _cli(
        ["process", f"az://{container}/byos", "--out", str(tmp_path / "o"), *wrong], capsys
    )
    shown = _cli(["inspect", f"az://{container}/byos", "--debug", *wrong], capsys)
    assert "3 processed" in ok[1]
    assert denied[0] == shown[0] == cli.EXIT_FAILED
    assert "callrec: error:" in denied[2] and "authenticate" in denied[2].lower()
    written = b"".join(fs.cat_file(n) for n in fs.find(f"{container}/out"))
    said = "".join(text for run in (ok, denied, shown) for text in run[1:]).encode()
    local = b"".join(p.read_bytes() for p in (tmp_path / "o").rglob("*") if p.is_file())
    for everything in (said, written, local):
        for value in (secret, wrong_key, azurite_service.connection_string):
            assert value.encode() not in everything
        assert b"AccountKey=" not in everything


def test_an_upload_that_fails_leaves_no_report_and_the_old_one_is_gone(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layout = _inputs(tmp_path)
    _upload(fs, layout, f"{container}/byos")
    out = f"az://{container}/out"
    first = callrec.process(f"az://{container}/byos", out)
    assert len([o for o in first.outcomes if o.status == "done"]) == 3
    reports = sorted(n for n in fs.find(f"{container}/out") if n.endswith("report.json"))
    assert len(reports) == 3

    def broken_upload(self: BlobStore, local: Path, key: str) -> None:
        if key.endswith(".wav"):
            raise StorageError("the network went away", file=self.path(key))
        real_put(self, local, key)

    real_put = BlobStore.put_file
    monkeypatch.setattr(BlobStore, "put_file", broken_upload)
    again = callrec.process(f"az://{container}/byos", out, force=True)
    assert {o.status for o in again.outcomes} == {"failed"}
    assert all(
        "the network went away" in o.error.message
        for o in again.outcomes
        if o.call_id != BAD_CALL and o.error
    )
    assert not [n for n in fs.find(f"{container}/out") if n.endswith("report.json")]
    monkeypatch.setattr(BlobStore, "put_file", real_put)
    healed = callrec.process(f"az://{container}/byos", out)
    assert len([o for o in healed.outcomes if o.status == "done"]) == 3


def _break_reads(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """Every WAV blob read through for decoding fails with ``error`` after its first 40 kB."""
    real_open = BlobStore.open_stream

    class Breaking:
        def __init__(self, raw: Any) -> None:
            self.raw = raw

        def read(self, size: int = -1) -> bytes:
            if self.raw.tell() > 40_000:
                raise error
            return bytes(self.raw.read(size))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.raw, name)

    def breaking_open(self: BlobStore, path: BlobPath, **how: bool) -> Any:
        stream = real_open(self, path, **how)
        if path.suffix == ".wav" and how.get("whole", True):
            stream._raw = Breaking(stream._raw)
        return stream

    monkeypatch.setattr(BlobStore, "open_stream", breaking_open)


def test_a_read_error_fails_the_recording_instead_of_passing_for_lost_audio(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layout = _inputs(tmp_path)
    _upload(fs, layout, f"{container}/byos")
    _break_reads(monkeypatch, ConnectionResetError("connection reset by peer"))
    result = callrec.process(f"az://{container}/byos", tmp_path / "out")
    by_call = {o.call_id: o for o in result.outcomes}
    wav_calls = [o for o in result.outcomes if o.status == "failed" and o.call_id != BAD_CALL]
    assert len(wav_calls) == 2  # the unmixed and the mixed WAV recordings; the MP3 one is done
    for outcome in wav_calls:
        assert outcome.error is not None and outcome.error.error == "StorageError"
        assert "connection reset by peer" in outcome.error.message
        assert not (tmp_path / "out" / outcome.folder / "report.json").exists()
    assert not result.incomplete
    assert any(o.status == "done" for o in by_call.values())


def test_media_is_read_in_ranges_never_whole(
    env: Azurite, fs: adlfs.AzureBlobFileSystem, container: str, tmp_path: Path
) -> None:
    import numpy as np
    import soundfile

    seconds, rate, channels = 120, 16_000, 5
    local = tmp_path / "long.wav"
    audio = (np.random.default_rng(7).standard_normal((seconds * rate, channels)) * 3000).astype(
        np.int16
    )
    soundfile.write(local, audio, rate, subtype="PCM_16")
    fs.put_file(str(local), f"{container}/long.wav")
    size = local.stat().st_size
    assert size > 4 * BLOCK_BYTES

    fetched: list[int] = []
    real = adlfs.AzureBlobFile._fetch_range

    def counting(self: Any, start: int, end: int, **kwargs: Any) -> bytes:
        data: bytes = real(self, start, end, **kwargs)
        fetched.append(len(data))
        return data

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(adlfs.AzureBlobFile, "_fetch_range", counting)
        path = open_location(f"az://{container}/long.wav")
        total = 0
        with callrec.audio.open_audio(path) as reader:
            for block in reader.blocks(65_536):
                total += len(block)
    assert total == seconds * rate
    assert len(fetched) > 4
    # Each request is at most a block and the decoder's one read beyond it; all of them
    # together, the file once (no block fetched twice).
    assert max(fetched) <= BLOCK_BYTES + 65_536 * channels * 2
    assert sum(fetched) <= size + BLOCK_BYTES


def test_blob_paths(env: Azurite, container: str) -> None:
    path = open_location(f"az://{container}/a/b/c.json")
    assert isinstance(path, BlobPath) and str(path) == f"az://{container}/a/b/c.json"
    assert str(path.parent) == f"az://{container}/a/b" and isinstance(path.parent / "x", BlobPath)
    assert path.name == "c.json" and path.suffix == ".json" and path.stem == "c"
    with pytest.raises(TypeError, match="is a blob, not a local file"):
        open(path)  # noqa: SIM115
    copy = pickle.loads(pickle.dumps(path))
    assert copy == path and isinstance(copy, BlobPath) and not copy.exists()
    assert (
        open_location(f"abfs://{container}@devstoreaccount1.dfs.core.windows.net/x").key
        == f"{container}/x"
    )
    assert "AccountKey" not in repr(path.store) and "AccountKey" not in repr(path)


def test_dask_workers_read_and_write_blobs(
    env: Azurite,
    scheduler: str,  # noqa: F811
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    layout = _inputs(tmp_path)
    _upload(fs, layout, f"{container}/byos")
    source = f"az://{container}/byos"
    local = _cli(["process", str(layout), "--out", str(tmp_path / "local")], capsys)
    # The workers have no AZURE_STORAGE_CONNECTION_STRING: the storage options travel with
    # each task (an option given here, not the environment of this process).
    given = ["--storage-option", f"connection_string={env.connection_string}"]
    on_dask = _cli(
        ["process", source, "--out", f"az://{container}/out", "--scheduler", scheduler, *given],
        capsys,
    )
    assert local[0] == on_dask[0] == cli.EXIT_FAILED, on_dask[2]
    assert "3 processed, 0 already done, 1 failed" in on_dask[1]
    downloaded = _download(fs, f"{container}/out", tmp_path / "downloaded")
    _assert_same_outputs(tmp_path / "local", str(layout), downloaded, source)
    assert env.account_key not in on_dask[1] + on_dask[2]


def test_an_output_prefix_inside_the_input_prefix_is_not_input(
    env: Azurite, fs: adlfs.AzureBlobFileSystem, container: str, tmp_path: Path
) -> None:
    _upload(fs, _inputs(tmp_path), f"{container}/in")
    first = callrec.process(f"az://{container}/in", f"az://{container}/in/out")
    again = callrec.process(f"az://{container}/in", f"az://{container}/in/out")
    assert [o.status for o in first.outcomes].count("done") == 3
    assert [o.status for o in again.outcomes].count("skipped") == 3
    assert not again.problems  # no track of the first run taken for media without metadata


def test_a_second_run_into_the_same_prefix_stops_at_once(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _upload(fs, _inputs(tmp_path), f"{container}/in")
    out = open_location(f"az://{container}/out")
    assert isinstance(out, BlobPath)
    with out.store.lease(f"{out.key}/.callrec.lock"):
        status, _, err = _cli(["process", f"az://{container}/in", "--out", str(out)], capsys)
    assert status == cli.EXIT_BUSY
    assert "another callrec run is writing to this prefix" in err
    assert not [n for n in fs.find(f"{container}/out") if not n.endswith(".callrec.lock")]
    # The lease is let go when the run ends: the next run goes ahead.
    status, out_text, _ = _cli(["process", f"az://{container}/in", "--out", str(out)], capsys)
    assert status == cli.EXIT_FAILED and "3 processed" in out_text


def test_errors_json_that_cannot_be_uploaded_is_said_and_the_outcomes_kept(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _upload(fs, _inputs(tmp_path), f"{container}/in")
    real_put = BlobStore.put_bytes

    def refuse_errors_json(self: BlobStore, key: str, data: bytes) -> None:
        if key.endswith("errors.json"):
            raise StorageError("the service is down", file=self.path(key))
        real_put(self, key, data)

    monkeypatch.setattr(BlobStore, "put_bytes", refuse_errors_json)
    result = callrec.process(f"az://{container}/in", f"az://{container}/out")
    assert result.errors_file_problem == "the service is down"
    assert result.write_problems == (("errors.json", "the service is down"),)
    assert [o.status for o in result.outcomes].count("done") == 3
    # The table and the index do not wait on errors.json.
    assert fs.exists(f"{container}/out/segments.csv") and fs.exists(f"{container}/out/index.html")


def test_a_blob_deleted_while_it_is_read_fails_its_recording(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _upload(fs, _inputs(tmp_path), f"{container}/in")
    _break_reads(monkeypatch, FileNotFoundError("The specified blob does not exist."))
    result = callrec.process(f"az://{container}/in", tmp_path / "out")
    failed = [o for o in result.outcomes if o.status == "failed" and o.call_id != BAD_CALL]
    assert len(failed) == 2 and not result.incomplete
    assert all(o.error is not None and o.error.error == "StorageError" for o in failed)


def test_worker_processes_and_this_process_agree_that_blobs_are_unchanged(
    env: Azurite, fs: adlfs.AzureBlobFileSystem, container: str, tmp_path: Path
) -> None:
    _upload(fs, _inputs(tmp_path), f"{container}/in")
    here = callrec.process(f"az://{container}/in", f"az://{container}/out")
    # Worker processes open the blobs afresh (no listing): the same ETags, so all skip.
    there = callrec.process(f"az://{container}/in", f"az://{container}/out", jobs=2)
    again = callrec.process(f"az://{container}/in", f"az://{container}/out", isolate=True)
    assert [o.status for o in here.outcomes].count("done") == 3
    for run in (there, again):
        assert [o.status for o in run.outcomes].count("skipped") == 3


def test_a_sas_token_and_abfs_urls(
    azurite_service: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import datetime, timedelta, timezone

    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    _upload(fs, _inputs(tmp_path), f"{container}/in")
    sas = generate_container_sas(
        azurite_service.account_name,
        container,
        account_key=azurite_service.account_key,
        permission=ContainerSasPermissions(read=True, list=True, write=True, delete=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    with_sas = f"BlobEndpoint={azurite_service.blob_endpoint};SharedAccessSignature={sas}"
    given = ["--storage-option", f"connection_string={with_sas}", "--debug"]
    looked = _cli(["inspect", f"abfs://{container}/in", *given], capsys)
    ran = _cli(["process", f"abfs://{container}/in", "--out", str(tmp_path / "o"), *given], capsys)
    assert looked[0] == ran[0] == cli.EXIT_FAILED  # the recording with two people on a channel
    assert f"abfs://{container}/in/" in looked[1] and "3 processed" in ran[1]
    signature = sas.split("sig=")[1].split("&")[0]
    written = b"".join(p.read_bytes() for p in (tmp_path / "o").rglob("*") if p.is_file())
    for text in (*looked[1:], *ran[1:], written.decode("latin-1")):
        assert signature not in text and "sig=" not in text


def test_process_recording_writes_into_a_blob_folder_and_refuses_a_local_writer(
    env: Azurite, fs: adlfs.AzureBlobFileSystem, container: str, tmp_path: Path
) -> None:
    from callrec.audio import AudioWriter
    from callrec.output.folder import RecordingFolder

    folder = open_location(f"az://{container}/one/call")
    recording = callrec.open_recording(SAMPLES / "mixed-call-wav")
    callrec.process_recording(recording, folder)
    names = {n.split("/one/call/")[1] for n in fs.find(f"{container}/one/call")}
    assert {"mixed.wav", "report.json", "segments.csv", "keys.csv", "speech.rttm"} <= names
    with pytest.raises(UsageError, match="recording_folder"):
        RecordingFolder(folder)
    with pytest.raises(UsageError, match="written to local files"):
        AudioWriter(folder / "x.wav", sample_rate=16_000, channels=1, dtype="int16")


def test_pages_and_plots_are_uploaded_checked_and_removed_when_turned_off(
    env: Azurite,
    fs: adlfs.AzureBlobFileSystem,
    container: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("matplotlib")
    out = f"az://{container}/out"
    source = str(SAMPLES / "mixed-call-wav")
    assert _cli(["process", source, "--out", out, "--plots"], capsys)[0] == cli.EXIT_OK
    (folder,) = {n.split("/")[2] for n in fs.find(f"{container}/out") if n.count("/") > 2}
    prefix = f"{container}/out/{folder}"
    views = {"report.html", "timeline.png", "levels.png"}
    assert views <= {n.rsplit("/", 1)[1] for n in fs.find(prefix)}
    assert fs.exists(f"{container}/out/index.html")
    assert fs.cat_file(f"{prefix}/timeline.png")[:8] == b"\x89PNG\r\n\x1a\n"
    # A view deleted from the container is missing output: the next run redoes the recording.
    fs.rm_file(f"{prefix}/levels.png")
    again = _cli(["process", source, "--out", out, "--plots"], capsys)
    assert "1 processed, 0 already done" in again[1] and fs.exists(f"{prefix}/levels.png")
    # Turned off, an earlier run's views go (and nothing else of the folder).
    off = _cli(["process", source, "--out", out, "--no-html"], capsys)
    assert off[0] == cli.EXIT_OK
    left = {n.rsplit("/", 1)[1] for n in fs.find(prefix)}
    assert not views & left and {"mixed.wav", "report.json", "segments.csv"} <= left
    assert not fs.exists(f"{container}/out/index.html")


def test_uploads_carry_their_content_type_so_a_browser_opens_the_page(
    env: Azurite, fs: adlfs.AzureBlobFileSystem, container: str, tmp_path: Path
) -> None:
    _upload(fs, _inputs(tmp_path), f"{container}/in")
    callrec.process(f"az://{container}/in", f"az://{container}/out")
    kinds = {
        Path(name).name: fs.info(name)["content_settings"]["content_type"]
        for name in fs.find(f"{container}/out")
    }
    assert kinds["index.html"] == kinds["report.html"] == "text/html"
    assert kinds["report.json"] == kinds["errors.json"] == "application/json"
    assert kinds["segments.csv"] == "text/csv" and kinds["manifest.jsonl"] == "application/jsonl"
    assert all(kind.startswith("audio/") for name, kind in kinds.items() if name.endswith(".wav"))
