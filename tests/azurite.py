"""Azurite, the Azure Storage emulator, as a real blob service on 127.0.0.1 for the tests.

``running_azurite()`` starts one ``azurite-blob`` process on a port of its own and stops that
process (by its pid, nothing else) when the block ends. The ``azurite_service`` fixture is the
same for a whole test run: one emulator, started by the first test that names it. A test module
(or a conftest, for every test below it) makes it available with
``from .azurite import fixture_azurite_service  # noqa: F401``; the function's name differs from
the fixture's so that the tests' argument does not shadow the import (ruff's F811).

Azurite is the npm package pinned in ``.ci/azurite/package.json``. A checkout without it installs
it with ``npm ci`` on first use; a machine without npm skips the tests that need it, saying so
in the skip reason and in the warnings summary, so a CI log cannot pass over it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PREFIX = ROOT / ".ci" / "azurite"
"""The npm project that pins Azurite; ``npm ci --prefix`` installs it into its node_modules."""
INSTALLED = PREFIX / "node_modules" / ".bin" / "azurite-blob"
ENV_VAR = "CALLREC_AZURITE_BLOB"
"""An ``azurite-blob`` executable to use instead of the pinned one (say a global install)."""

ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
"""The emulator's well-known development account: published by Microsoft, no secret."""

START_S = 30.0
STOP_S = 10.0
INSTALL_S = 600.0

_LISTENING = re.compile(rb"successfully listens on https?://127\.0\.0\.1:(\d+)")


class AzuriteUnavailable(RuntimeError):
    """Azurite is not installed and cannot be: npm is not on PATH."""


class AzuriteSkipWarning(UserWarning):
    """Tests that need Azurite were skipped: shown in pytest's warnings summary."""


@dataclass(frozen=True)
class Azurite:
    """A running emulator: where it listens and how to sign in to it."""

    port: int
    connection_string: str
    account_name: str
    account_key: str
    blob_endpoint: str
    pid: int
    log: Path


_install_failure: Exception | None = None


def azurite_blob() -> Path:
    """The ``azurite-blob`` executable: ``$CALLREC_AZURITE_BLOB``, else the pinned one, installed
    with ``npm ci`` the first time it is missing (one try per test run)."""
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            # A wrong setting is a mistake to fix, not a reason to skip.
            raise RuntimeError(f"{ENV_VAR}={override} is not an executable file")
        return path
    if _runs(INSTALLED):
        return INSTALLED
    _install()
    if not _runs(INSTALLED):
        raise RuntimeError(f"npm ci --prefix {PREFIX} succeeded but left no {INSTALLED}")
    return INSTALLED


def _runs(path: Path) -> bool:
    # The .bin entry is a symlink: a dangling one (node_modules half removed) counts as missing.
    return path.is_file() and os.access(path, os.X_OK)


def _install() -> None:
    global _install_failure
    if _install_failure is not None:
        raise _install_failure  # a failed install is not retried for every test
    npm = shutil.which("npm")
    if npm is None:
        _install_failure = AzuriteUnavailable(
            f"Azurite is not installed ({INSTALLED} is missing) and npm is not on PATH to install "
            f"it: install Node.js and npm, or set {ENV_VAR} to an azurite-blob executable"
        )
        raise _install_failure
    command = [npm, "ci", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        done = subprocess.run(
            command,
            cwd=PREFIX,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=INSTALL_S,
        )
    except subprocess.TimeoutExpired:
        _install_failure = RuntimeError(f"{' '.join(command)} took over {INSTALL_S:.0f} s")
        raise _install_failure from None
    if done.returncode != 0:
        _install_failure = RuntimeError(
            f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}"
        )
        raise _install_failure


@contextmanager
def running_azurite(folder: Path | None = None) -> Iterator[Azurite]:
    """An emulator storing its data and its log (``azurite.log``) in ``folder`` (a temporary
    folder when None), stopped when the block ends. Raises ``AzuriteUnavailable`` when Azurite
    cannot be had; the caller decides whether that is a skip."""
    if folder is None:
        with (
            tempfile.TemporaryDirectory(prefix="azurite-") as temporary,
            running_azurite(Path(temporary)) as service,
        ):
            yield service
        return
    executable = azurite_blob()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "azurite.log"
    argv = [
        str(executable),
        *("--silent", "--loose", "--skipApiVersionCheck", "--disableTelemetry"),
        # Port 0: the system picks a free port when Azurite binds, so no other process can take
        # it between a probe and the bind; Azurite prints the port it got.
        *("--blobHost", "127.0.0.1", "--blobPort", "0"),
        *("--location", str(folder)),
    ]
    with open(log, "wb") as sink:
        # A session of its own: a Ctrl-C at the terminal reaches pytest, which stops it in order.
        process = subprocess.Popen(
            argv,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        port = _wait_until_ready(process, log)
        endpoint = f"http://127.0.0.1:{port}/{ACCOUNT_NAME}"
        yield Azurite(
            port=port,
            connection_string=(
                f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};"
                f"AccountKey={ACCOUNT_KEY};BlobEndpoint={endpoint};"
            ),
            account_name=ACCOUNT_NAME,
            account_key=ACCOUNT_KEY,
            blob_endpoint=endpoint,
            pid=process.pid,
            log=log,
        )
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen[bytes], log: Path) -> int:
    """The port, once Azurite accepts connections on it and answers a request as itself."""
    deadline = time.monotonic() + START_S
    port: int | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(_failed(f"azurite-blob exited with {process.returncode}", log))
        if port is None:
            found = _LISTENING.search(log.read_bytes())
            port = int(found.group(1)) if found else None
        if port is not None and _answers(port):
            return port
        time.sleep(0.05)
    raise RuntimeError(_failed(f"azurite-blob was not ready within {START_S:.0f} s", log))


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""No proxy from the environment: the emulator is on this machine."""


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            pass
        # Unsigned, so Azurite refuses it (403); the refusal is proof the service handles
        # requests, and its Server header that the port is Azurite's, not another program's.
        with _DIRECT.open(f"http://127.0.0.1:{port}/{ACCOUNT_NAME}?comp=list", timeout=2.0) as ok:
            server = ok.headers.get("Server", "")
    except urllib.error.HTTPError as refusal:
        server = refusal.headers.get("Server", "")
    except OSError:
        return False
    return str(server).startswith("Azurite-Blob")


def _failed(what: str, log: Path) -> str:
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    return f"{what}; its log, {log}:\n{text[-4000:]}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Politely, then by force: this process by its own pid, nothing else."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session", name="azurite_service")
def fixture_azurite_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """One emulator for the whole test run; the tests that use it skip, loudly, without npm."""
    try:
        azurite_blob()
    except AzuriteUnavailable as missing:
        warnings.warn(str(missing), AzuriteSkipWarning, stacklevel=1)
        pytest.skip(f"Azurite unavailable: {missing}")
    with running_azurite(tmp_path_factory.mktemp("azurite")) as service:
        yield service
