"""Which credentials a blob URL is opened with, and that none of them ever shows."""

from __future__ import annotations

import builtins
import pickle
from typing import Any

import pytest

import callrec
from callrec.errors import MissingExtraError, StorageError, UsageError
from callrec.safety.redaction import SECRET_MASK
from callrec.storage import (
    BlobPath,
    BlobStore,
    Secrets,
    is_blob_url,
    open_location,
    parse_storage_options,
    resolve_storage_options,
)

CONNECTION = (
    "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=c2VjcmV0LWtleS0xMjM0NTY3ODk=;"
    "EndpointSuffix=core.windows.net"
)
SAS = "sv=2024-08-04&ss=b&srt=co&sp=rl&se=2026-12-31T00:00:00Z&sig=AbCdEf0123456789%2B%2F%3D"


def test_the_connection_string_comes_first_then_the_account_with_default_credential() -> None:
    both = {"AZURE_STORAGE_CONNECTION_STRING": CONNECTION, "AZURE_STORAGE_ACCOUNT_NAME": "other"}
    assert resolve_storage_options(None, both) == {"connection_string": CONNECTION}
    account = {"AZURE_STORAGE_ACCOUNT_NAME": "acme"}
    assert resolve_storage_options(None, account) == {"account_name": "acme", "anon": False}
    assert resolve_storage_options(None, {}) == {}


def test_given_options_that_name_an_account_or_a_credential_replace_the_environment() -> None:
    env = {"AZURE_STORAGE_CONNECTION_STRING": CONNECTION}
    given = {"account_name": "acme", "sas_token": SAS}
    assert resolve_storage_options(given, env) == given
    # An option that says nothing about who signs in keeps the environment's credential.
    assert resolve_storage_options({"max_concurrency": "4"}, env) == {
        "max_concurrency": "4",
        "connection_string": CONNECTION,
    }


def test_storage_options_from_the_command_line() -> None:
    assert parse_storage_options(["sas_token=" + SAS, "anon=false", "account_name=a=b"]) == {
        "sas_token": SAS,
        "anon": False,
        "account_name": "a=b",
    }
    for bad in ("sas_token", "=x", "not a key=1"):
        with pytest.raises(UsageError, match="expected KEY=VALUE") as caught:
            parse_storage_options([bad])
        assert SAS not in str(caught.value)
    with pytest.raises(UsageError) as caught:
        parse_storage_options([f"{SAS.replace('=', ':')}=x"])  # no key: never echoed
    assert "sig" not in str(caught.value) and "2024" not in str(caught.value)


def test_secrets_are_scrubbed_from_any_text() -> None:
    secrets = Secrets({"connection_string": CONNECTION, "sas_token": SAS, "account_name": "acme"})
    key = "c2VjcmV0LWtleS0xMjM0NTY3ODk="
    text = (
        f"failed with {CONNECTION} and key {key} at "
        f"https://acme.blob.core.windows.net/c/x.wav?{SAS} (token {SAS})"
    )
    scrubbed = secrets.scrub(text)
    for value in (CONNECTION, key, SAS, "sig=", "AbCdEf0123456789"):
        assert value not in scrubbed
    assert SECRET_MASK in scrubbed and "acme" in scrubbed
    assert "hidden" in repr(secrets) and key not in repr(secrets)


def test_the_variables_adlfs_falls_back_on_are_secrets_too() -> None:
    env = {"AZURE_STORAGE_ACCOUNT_KEY": "a2V5LWZyb20tdGhlLWVudg==", "AZURE_STORAGE_SAS_TOKEN": SAS}
    secrets = Secrets({"account_name": "acme"}, env)
    scrubbed = secrets.scrub("key a2V5LWZyb20tdGhlLWVudg== and token " + SAS)
    assert "a2V5LWZyb20tdGhlLWVudg==" not in scrubbed and "AbCdEf" not in scrubbed


def test_a_sas_token_in_the_url_is_refused_without_being_repeated() -> None:
    with pytest.raises(UsageError, match="sas_token") as caught:
        open_location(f"az://calls/2026?{SAS}")
    assert "sig=" not in str(caught.value) and "2024" not in str(caught.value)


def test_urls_and_local_paths() -> None:
    assert is_blob_url("az://c/p") and is_blob_url("ABFSS://c/p") and not is_blob_url("c/p")
    path = open_location("abfs://calls@acme.dfs.core.windows.net/2026/x.json", {"sas_token": SAS})
    assert isinstance(path, BlobPath) and path.key == "calls/2026/x.json"
    assert str(path) == "abfs://calls/2026/x.json"
    assert SAS not in repr(path) + repr(path.store) + str(path)
    copy = pickle.loads(pickle.dumps(path))
    assert copy == path and copy.store is not path.store and copy.key == path.key
    assert isinstance(copy / "y", BlobPath) and (copy / "y").store is copy.store
    assert not isinstance(open_location("az:relative"), BlobPath)
    with pytest.raises(UsageError, match="expected az://CONTAINER/PREFIX"):
        open_location("az:///prefix")


def test_storage_options_without_a_url_are_a_usage_error(tmp_path: Any) -> None:
    with pytest.raises(UsageError, match="apply to az:// and abfs:// URLs only"):
        callrec.process(tmp_path, tmp_path / "out", storage_options={"sas_token": SAS})
    with pytest.raises(UsageError, match="apply to az:// and abfs:// URLs only"):
        callrec.discover(tmp_path, storage_options={"sas_token": SAS})


def test_without_the_azure_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def without_adlfs(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "adlfs":
            raise ImportError("No module named 'adlfs'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_adlfs)
    path = open_location("az://calls/x", {"sas_token": SAS})
    with pytest.raises(MissingExtraError, match=r"pip install 'callrec\[azure\]'"):
        path.exists()


def test_an_error_from_the_service_becomes_a_storage_error_without_secrets() -> None:
    store = BlobStore("az", {"connection_string": CONNECTION})

    class Denied(Exception):
        pass

    with pytest.raises(StorageError) as caught, store.remote("calls/x.wav"):
        raise Denied(f"Server failed to authenticate {CONNECTION}\nRequestId:1 Content: <xml/>")
    message = str(caught.value)
    assert message.startswith("az://calls/x.wav: Denied: Server failed to authenticate")
    assert "AccountKey" not in message and "RequestId" not in message
    with pytest.raises(FileNotFoundError, match="no such blob"), store.remote("calls/y"):
        raise FileNotFoundError("gone")


def test_a_blob_path_is_never_a_local_file_name() -> None:
    path = open_location("az://calls/x.json", {"sas_token": SAS})
    with pytest.raises(TypeError, match="is a blob, not a local file"):
        open(path)  # noqa: SIM115
    assert path.resolve() is path and path.absolute() is path
    from callrec.safety.paths import as_path

    assert as_path(path) is path
