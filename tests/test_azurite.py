"""The Azurite fixture (tests/azurite.py) serves real blobs to the client stack callrec reads
Azure Blob Storage with: fsspec and adlfs, signed with the emulator's development account."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import adlfs  # the `azure` extra, which `test` includes: these tests run wherever the suite does
import pytest

from . import azurite
from .azurite import Azurite, AzuriteUnavailable, running_azurite

DETAIL_KEYS = {"name", "size", "type", "etag", "last_modified"}


@pytest.fixture
def blob_fs(azurite_service: Azurite) -> adlfs.AzureBlobFileSystem:
    """A file system of its own: fsspec hands every caller with the same storage options one
    cached instance, whose listings cache would carry one test's blobs into the next."""
    return adlfs.AzureBlobFileSystem(
        connection_string=azurite_service.connection_string, skip_instance_cache=True
    )


@pytest.fixture
def container(blob_fs: adlfs.AzureBlobFileSystem) -> Iterator[str]:
    """A new container: the emulator lives for the whole run, each test writes in its own."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    blob_fs.mkdir(name)
    yield name
    blob_fs.rm(name, recursive=True)


def test_the_connection_string_names_the_development_account(azurite_service: Azurite) -> None:
    assert (
        azurite_service.blob_endpoint == f"http://127.0.0.1:{azurite_service.port}/devstoreaccount1"
    )
    assert azurite_service.connection_string == (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={azurite_service.account_key};"
        f"BlobEndpoint={azurite_service.blob_endpoint};"
    )


def test_blobs_are_listed_with_size_etag_and_last_modified(
    blob_fs: adlfs.AzureBlobFileSystem, container: str
) -> None:
    blob_fs.pipe_file(f"{container}/call/0/meta.json", b"{}")
    blob_fs.pipe_file(f"{container}/call/0/audio.wav", bytes(1000))
    blob_fs.pipe_file(f"{container}/other/x.json", b"[]")

    found = blob_fs.find(f"{container}/call", detail=True)

    assert sorted(found) == [f"{container}/call/0/audio.wav", f"{container}/call/0/meta.json"]
    detail = found[f"{container}/call/0/audio.wav"]
    print(f"adlfs find(detail=True) keys: {sorted(detail)}")  # shown with -s or -rP
    assert set(detail) >= DETAIL_KEYS
    assert detail["size"] == 1000 and detail["type"] == "file"
    # The ETag as HTTP sends it, quotes included; the time is timezone-aware UTC.
    assert detail["etag"].startswith('"') and detail["etag"].endswith('"')
    assert detail["last_modified"].utcoffset() is not None
    assert found[f"{container}/call/0/meta.json"]["etag"] != detail["etag"]


def test_a_range_is_read_without_the_whole_blob(
    blob_fs: adlfs.AzureBlobFileSystem, container: str
) -> None:
    data = os.urandom(1 << 20)
    path = f"{container}/call/audio.wav"
    blob_fs.pipe_file(path, data)

    with blob_fs.open(path, "rb", block_size=4096) as blob:
        blob.seek(500_000)
        assert blob.read(100) == data[500_000:500_100]
        # One block and the bytes asked for, never the megabyte.
        assert blob.cache.total_requested_bytes < 16 * 1024


def test_the_emulator_stops_with_its_block(tmp_path: Path) -> None:
    try:
        with running_azurite(tmp_path) as service:
            os.kill(service.pid, 0)  # running
            with socket.create_connection(("127.0.0.1", service.port), timeout=2.0):
                pass
    except AzuriteUnavailable as missing:
        pytest.skip(f"Azurite unavailable: {missing}")
    with pytest.raises(ProcessLookupError):
        os.kill(service.pid, 0)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", service.port), timeout=2.0).close()
    assert "successfully listens" in service.log.read_text()
    assert service.log.parent == tmp_path


def test_without_npm_azurite_is_unavailable_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(azurite.ENV_VAR, raising=False)
    monkeypatch.setattr(azurite, "INSTALLED", tmp_path / "node_modules" / ".bin" / "azurite-blob")
    monkeypatch.setattr(azurite, "_install_failure", None)
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on it
    with pytest.raises(AzuriteUnavailable, match="npm is not on PATH"):
        azurite.azurite_blob()
    with pytest.raises(AzuriteUnavailable):  # remembered: not looked for again
        azurite.azurite_blob()


def test_a_wrong_override_is_an_error_not_a_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(azurite.ENV_VAR, str(tmp_path / "nothing"))
    with pytest.raises(RuntimeError, match="is not an executable file") as raised:
        azurite.azurite_blob()
    assert not isinstance(raised.value, AzuriteUnavailable)
