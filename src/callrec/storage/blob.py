"""Blobs as paths: recordings in Azure Blob storage read where they lie.

A :class:`BlobStore` is one storage account, opened through fsspec with adlfs (the ``azure``
extra, imported only when a blob is first touched). Its :class:`BlobPath` objects are
:class:`~pathlib.Path` objects whose ``stat``, ``open``, ``is_dir``, ``iterdir`` and ``glob`` ask
the store, so discovery, the JSON reader and the media probe take them as they take local files;
``os.fspath`` refuses them, so nothing can open a blob's name as a local file by mistake.

One listing (:meth:`BlobStore.list_below`) answers every later ``stat`` under its prefix. Media is
read as a stream (:class:`BlobStream`): ranged reads of :data:`BLOCK_BYTES` through fsspec's
read-ahead cache, never the whole blob. Every error from the service or its client comes out as
an :class:`OSError` with the credentials scrubbed from its text (:class:`~.credentials.Secrets`).
"""

from __future__ import annotations

import contextlib
import errno
import filecmp
import fnmatch
import io
import mimetypes
import os
import re
import stat
import threading
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PosixPath, PurePosixPath
from typing import IO, Any, ClassVar, cast

from ..errors import CallrecError, MissingExtraError, OutputInUseError, StorageError, UsageError
from .credentials import Secrets, resolve_storage_options

__all__ = [
    "BLOCK_BYTES",
    "PROTOCOLS",
    "BlobPath",
    "BlobStore",
    "BlobStream",
    "decoder_input",
    "is_blob_url",
    "open_location",
    "same_bytes",
]

PROTOCOLS = ("az", "abfs", "abfss")
"""URL schemes of Azure Blob storage (adlfs serves all three)."""

_MAX_ERROR_TEXT = 300

BLOCK_BYTES = 4 * 1024 * 1024
"""Bytes per ranged read of a blob read through: what a stream holds at most, whatever the
blob's size."""
UPLOAD_CONCURRENCY = 4
"""Blocks of a file uploaded at once. adlfs's default reads a whole file ahead into memory
(a 115 MB track cost 122 MB more); four blocks in flight cost 25 MB, as fast."""
LEASE_S = 60
"""How long an output prefix's lease lasts unless renewed (Azure allows 15 to 60 s)."""
HEADER_BYTES = 64 * 1024
"""Bytes per ranged read of a blob opened for its header (probing, the RIFF chunk walk)."""

_URL = re.compile(r"(?P<protocol>az|abfss?)://(?P<rest>.*)", re.IGNORECASE | re.DOTALL)
# abfs://container@account.dfs.core.windows.net/prefix names the account in the URL.
_ACCOUNT_HOST = re.compile(r"(?P<container>[^/@]+)@(?P<account>[^./]+)\.[^/]*")


def is_blob_url(text: str | os.PathLike[str]) -> bool:
    """Whether ``text`` is an ``az://``, ``abfs://`` or ``abfss://`` URL (not a local path)."""
    return isinstance(text, str) and _URL.match(text) is not None


@dataclass(frozen=True)
class _Blob:
    size: int
    mtime_ns: int
    etag: str | None
    folder: bool = False


def _mtime_ns(info: Mapping[str, Any]) -> int:
    modified = info.get("last_modified")
    timestamp = getattr(modified, "timestamp", None)
    return round(timestamp() * 1e9) if callable(timestamp) else 0


def _blob(info: Mapping[str, Any]) -> _Blob:
    # Quoted or not depending on the adlfs version and on listing against info: one spelling,
    # so that a run in this process and one in a worker agree on a blob's identity.
    etag = str(info.get("etag") or "").strip('"')
    return _Blob(
        size=int(info.get("size") or 0),
        mtime_ns=_mtime_ns(info),
        etag=etag or None,
        folder=info.get("type") == "directory",
    )


class BlobStore:
    """One storage account, opened with ``options`` (credentials among them: never shown).

    Pickles without its connection and listing (a Dask or process worker opens its own).
    """

    def __init__(self, protocol: str, options: Mapping[str, Any]) -> None:
        self.protocol = protocol.lower()
        self._options = dict(options)
        self.secrets = Secrets(self._options)
        self._fs: Any = None
        self._files: dict[str, _Blob] = {}
        self._folders: set[str] = set()
        self._listed: set[str] = set()
        # A class per store: pathlib builds derived paths (parent, /, with_name) from the
        # class, so they keep their store without an instance attribute to carry.
        self.path_type: type[BlobPath] = type(
            "BlobPath", (BlobPath,), {"store": self, "__module__": __name__}
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"protocol": self.protocol, "options": self._options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["protocol"], state["options"])  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"BlobStore({self.protocol}://, account {self.account or '?'})"

    @property
    def account(self) -> str:
        """Which account (and endpoint) this store reaches: no credential, only where."""
        name = self._options.get("account_name")
        text = self._options.get("connection_string")
        if isinstance(text, str):
            parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
            name = name or parts.get("AccountName")
            endpoint = parts.get("BlobEndpoint")
            if endpoint:
                return f"{name or ''}@{endpoint}"
        return str(name or "")

    def path(self, key: str) -> BlobPath:
        """The path of blob (or prefix) ``key`` (``container/folder/name``)."""
        return self.path_type("/" + key.strip("/"))

    @property
    def fs(self) -> Any:  # adlfs.AzureBlobFileSystem: an optional extra's type
        if self._fs is None:
            try:
                import adlfs  # noqa: F401  (registers az://, abfs:// with fsspec)
                import fsspec
            except ImportError:
                raise MissingExtraError(
                    "reading and writing Azure Blob storage", extra="azure", module="adlfs"
                ) from None
            try:
                self._fs = fsspec.filesystem(self.protocol, **self._options)
            except (TypeError, ValueError) as exc:
                raise UsageError(
                    f"{self.protocol}:// cannot be opened with these storage options: "
                    f"{self.secrets.scrub(str(exc))}"
                ) from None
        return self._fs

    @contextlib.contextmanager
    def remote(self, key: str) -> Iterator[None]:
        """Turn what the service or its client raises about ``key`` into a
        ``FileNotFoundError`` (no such blob) or a :class:`~callrec.errors.StorageError`
        (anything else), without credentials in it."""
        try:
            yield
        except CallrecError:
            raise
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, "no such blob", str(self.path(key))) from None
        except Exception as exc:  # the Azure SDK's and aiohttp's errors have no common base
            # The service's answer repeats itself as an XML document after its request id.
            text = " ".join(str(exc).split()).split(" RequestId:")[0]
            text = self.secrets.scrub(text)
            if len(text) > _MAX_ERROR_TEXT:
                text = text[:_MAX_ERROR_TEXT] + "…"
            raise StorageError(f"{type(exc).__name__}: {text}", file=self.path(key)) from None

    def list_below(self, key: str) -> None:
        """List every blob under ``key`` once (one listing, however many files it holds):
        ``stat`` and ``is_dir`` of anything under it are answered from it afterwards."""
        key = key.strip("/")
        if any(key == done or key.startswith(done + "/") for done in self._listed):
            return
        with self.remote(key):
            found = self.fs.find(key, detail=True, withdirs=False)
            # adlfs answers with the bare name, not its details, when the key is one blob.
            infos = found.values() if isinstance(found, Mapping) else [self.fs.info(key)]
        self._listed.add(key)
        for info in infos:
            name = str(info["name"]).strip("/")
            self._files[name] = _blob(info)
            parts = name.split("/")
            self._folders.update("/".join(parts[:i]) for i in range(1, len(parts)))

    def info(self, key: str) -> _Blob:
        key = key.strip("/")
        if key in self._files:
            return self._files[key]
        if key in self._folders:
            return _Blob(0, 0, None, folder=True)
        if any(key.startswith(done + "/") for done in self._listed):
            raise FileNotFoundError(errno.ENOENT, "no such blob", str(self.path(key)))
        # Not listed here (a worker given one recording's files): asked of the service.
        with self.remote(key):
            blob = _blob(self.fs.info(key))
        if blob.folder:
            self._folders.add(key)
        else:
            self._files[key] = blob
        return blob

    def files_below(self, key: str) -> list[str]:
        """Every blob under ``key`` (from :meth:`list_below`)."""
        key = key.strip("/")
        self.list_below(key)
        return sorted(k for k in self._files if k == key or k.startswith(key + "/"))

    def names_now(self, key: str) -> set[str]:
        """The blobs under ``key`` as the service has them now, not as a listing kept here saw
        them (for folders that this run writes)."""
        key = key.strip("/")
        with self.remote(key):
            self.fs.invalidate_cache(key)
            found = self.fs.find(key)
        return {str(name).strip("/") for name in found}

    def children(self, key: str) -> list[str]:
        """The names directly under ``key`` (one listing of that folder alone)."""
        key = key.strip("/")
        with self.remote(key):
            self.fs.invalidate_cache(key)  # fsspec keeps listings per instance, shared
            found = self.fs.ls(key, detail=True)
        names = []
        for info in found:
            name = str(info["name"]).strip("/")
            if info.get("type") == "directory":
                self._folders.add(name)
            else:
                self._files[name] = _blob(info)
            names.append(name)
        return sorted(names)

    def open_stream(
        self, path: BlobPath, *, for_decoder: bool = True, whole: bool = True
    ) -> BlobStream:
        """``path`` open for reading: in blocks of :data:`BLOCK_BYTES` to read it ``whole``,
        else of :data:`HEADER_BYTES` (a header, a few boxes: no 4 MiB fetched for 12 bytes)."""
        block = BLOCK_BYTES if whole else HEADER_BYTES
        with self.remote(path.key):
            raw = self.fs.open(path.key, "rb", block_size=block, cache_type="readahead")
        return BlobStream(raw, path, keep_errors=for_decoder)

    def read_bytes(self, key: str, limit: int | None = None) -> bytes:
        """The blob's bytes, at most ``limit`` of them."""
        with self.remote(key), self.fs.open(key, "rb", block_size=BLOCK_BYTES) as fh:
            return bytes(fh.read(-1 if limit is None else limit))

    def make_container(self, key: str) -> None:
        """Create the container of ``key`` unless it exists (an output prefix's, like ``mkdir``)."""
        container = key.strip("/").split("/")[0]
        try:
            with self.remote(container):
                present = self.fs.exists(container)
        except StorageError:
            return  # a SAS that may write but not look: the uploads will tell
        if not present:
            with self.remote(container):
                self.fs.mkdir(container, exist_ok=True)

    def _await(self, function: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Run one of the Azure SDK's coroutine functions on adlfs's event loop, and wait."""
        fs = self.fs  # without the extra, this says which one
        try:
            from fsspec.asyn import sync
        except ImportError:  # pragma: no cover  (fsspec came with adlfs, just above)
            raise MissingExtraError(
                "reading and writing Azure Blob storage", extra="azure", module="fsspec"
            ) from None
        return sync(fs.loop, function, *args, **kwargs)

    @contextlib.contextmanager
    def lease(self, key: str) -> Iterator[None]:
        """Hold blob ``key`` (an empty blob, made if missing, deleted at the end) under a lease
        for the block: blob storage's lock. The lease lasts :data:`LEASE_S` and is renewed every
        third of that while the block runs, so a killed run frees it within a minute.

        Raises
        ------
        OutputInUseError
            Another holder has the lease.
        """
        container, _, name = key.strip("/").partition("/")
        with self.remote(key):
            client = self.fs.service_client.get_blob_client(container, name)
            if not self.fs.exists(key):
                # Two runs may both find it missing: the second's "already exists" is fine.
                with contextlib.suppress(FileExistsError):
                    self.fs.pipe_file(key, b"", overwrite=False)
        with self.remote(key):
            try:
                lease = self._await(client.acquire_lease, lease_duration=LEASE_S)
            except Exception as exc:
                if getattr(exc, "error_code", None) != "LeaseAlreadyPresent":
                    raise
                raise OutputInUseError(
                    "another callrec run is writing to this prefix; wait for it to finish (a "
                    f"run that was killed lets go within {LEASE_S} s), or write to another prefix",
                    file=self.path(key),
                ) from None
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(LEASE_S / 3):
                with contextlib.suppress(Exception):  # the next try, or the end of the block
                    self._await(lease.renew)

        keeper = threading.Thread(target=renew, name="callrec-lease", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join()
            # Gone with its lease, so the prefix holds the same files as a local folder; if
            # that fails, the lease expires on its own.
            with contextlib.suppress(Exception):
                self._await(client.delete_blob, lease=lease)
            self._forget(key)

    def put_file(self, local: Path, key: str) -> None:
        """Upload ``local`` as blob ``key``; a blob appears whole when its upload commits."""
        with self.remote(key):
            self.fs.put_file(
                os.fspath(local),
                key,
                overwrite=True,
                max_concurrency=UPLOAD_CONCURRENCY,
                **_content_type(key),
            )
        self._forget(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        with self.remote(key):
            self.fs.pipe_file(key, data, overwrite=True, **_content_type(key))
        self._forget(key)

    def remove(self, key: str) -> None:
        """Delete blob ``key``; one already gone is not an error."""
        with contextlib.suppress(FileNotFoundError), self.remote(key):
            self.fs.rm_file(key)
        self._forget(key)

    def _forget(self, key: str) -> None:
        self._files.pop(key.strip("/"), None)
        self.fs.invalidate_cache(key)


_TYPES = {".jsonl": "application/jsonl", ".rttm": "text/plain", ".uem": "text/plain"}


def _content_type(key: str) -> dict[str, Any]:
    """The upload's content type, so that a browser opening ``report.html`` from the container
    shows it (and plays a track) instead of downloading it as ``application/octet-stream``."""
    suffix = PurePosixPath(key).suffix.lower()
    kind = _TYPES.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0]
    if kind is None:
        return {}
    try:
        from azure.storage.blob import ContentSettings
    except ImportError:  # pragma: no cover  (adlfs brings it)
        return {}
    return {"content_settings": ContentSettings(content_type=kind)}


def _blob_path(store: BlobStore, key: str) -> BlobPath:
    return store.path(key)


class BlobPath(PosixPath):
    """A blob, or a folder (prefix) of blobs, as a path: ``az://container/folder/name``.

    Made by :meth:`BlobStore.path`; ``str()`` gives the URL. Reading (``open("rb")``,
    ``read_bytes``), ``stat`` (size, modification time, a regular file's mode), the ``is_*``
    tests, ``iterdir`` and ``glob`` (one folder, no ``**``) work; writing goes through the
    store (output is staged locally, then uploaded).
    """

    store: ClassVar[BlobStore]

    @property
    def key(self) -> str:
        """``container/folder/name``: the blob's name in the account."""
        return "/".join(self.parts[1:])

    @property
    def etag(self) -> str | None:
        return self.store.info(self.key).etag

    def __str__(self) -> str:
        return f"{self.store.protocol}://{self.key}"

    def __repr__(self) -> str:
        return f"BlobPath({str(self)!r})"

    def __fspath__(self) -> str:
        raise TypeError(f"{self} is a blob, not a local file")

    def __reduce__(self) -> tuple[Any, ...]:
        return _blob_path, (self.store, self.key)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, BlobPath)
            and self.key == other.key
            and self.store.account == other.store.account
        )

    def __hash__(self) -> int:
        return hash((self.key, self.store.account))

    def match(self, path_pattern: str, **_: Any) -> bool:
        # pathlib matches str(self), the URL; patterns are about the blob's name in its folder.
        return PurePosixPath("/" + self.key).match(path_pattern)

    def rglob(self, pattern: str, **_: Any) -> Generator[BlobPath, None, None]:
        raise UsageError(f"{self}: blob storage is listed with one listing, not walked")

    def walk(self, *_: Any, **__: Any) -> Any:
        raise UsageError(f"{self}: blob storage is listed with one listing, not walked")

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        blob = self.store.info(self.key)
        mode = stat.S_IFDIR | 0o555 if blob.folder else stat.S_IFREG | 0o444
        seconds = blob.mtime_ns // 10**9
        fields = (mode, 0, 0, 1, 0, 0, blob.size, seconds, seconds, seconds)
        # The nanosecond times sit past the ten fields a tuple of stat gives.
        return os.stat_result((*fields, seconds, seconds, seconds, 0, blob.mtime_ns, 0))

    def lstat(self) -> os.stat_result:
        return self.stat()

    def exists(self, *, follow_symlinks: bool = True) -> bool:
        return self._is(lambda mode: True)

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        return self._is(stat.S_ISDIR)

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        return self._is(stat.S_ISREG)

    def is_symlink(self) -> bool:
        return False

    def is_fifo(self) -> bool:
        return False

    def is_socket(self) -> bool:
        return False

    def is_block_device(self) -> bool:
        return False

    def is_char_device(self) -> bool:
        return False

    def _is(self, test: Any) -> bool:
        try:
            return bool(test(self.stat().st_mode))
        except FileNotFoundError:
            return False

    def resolve(self, strict: bool = False) -> BlobPath:
        return self

    def absolute(self) -> BlobPath:
        return self

    def expanduser(self) -> BlobPath:
        return self

    def iterdir(self) -> Generator[BlobPath, None, None]:
        for name in self.store.children(self.key):
            yield self.store.path(name)

    def glob(self, pattern: str, **_: Any) -> Generator[BlobPath, None, None]:
        if "/" in pattern or "**" in pattern:
            raise UsageError(f"{self}: only one folder's names can be matched in blob storage")
        for child in self.iterdir():
            if fnmatch.fnmatchcase(child.name, pattern):
                yield child

    def open(  # type: ignore[override]
        self,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> IO[Any]:
        if mode not in ("r", "rb", "rt"):
            raise PermissionError(errno.EACCES, "blobs are read here, never written", str(self))
        stream = self.store.open_stream(self, for_decoder=False, whole=False)
        if mode == "rb":
            return cast(IO[bytes], stream)
        return io.TextIOWrapper(
            io.BufferedReader(stream), encoding=encoding or "utf-8", errors=errors, newline=newline
        )

    def read_bytes(self) -> bytes:
        return self.store.read_bytes(self.key)

    def read_text(self, encoding: str | None = None, errors: str | None = None) -> str:
        return self.read_bytes().decode(encoding or "utf-8", errors or "strict")


class BlobStream(io.RawIOBase):
    """A blob open for reading, for a decoder (libsndfile's or FFmpeg's I/O callbacks).

    Decoders read through callbacks that cannot carry an exception: they take one for the end of
    the file, which would pass a network error off as a truncated recording. So, with
    ``keep_errors``, an error is kept, the read returns nothing, and :meth:`check` raises it;
    whoever reads through this stream calls it after each read. Without, it is raised at once.
    """

    def __init__(self, raw: Any, path: BlobPath, *, keep_errors: bool = True) -> None:
        super().__init__()
        self._raw = raw
        self.path = path
        self._keep_errors = keep_errors
        self.failure: str | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.failure is not None:
            return 0
        view = memoryview(buffer).cast("B")
        try:
            with self.path.store.remote(self.path.key):
                data = self._raw.read(len(view))
        except (StorageError, OSError) as exc:  # OSError: the blob was deleted mid-read
            if not self._keep_errors:
                raise
            self.failure = exc.detail if isinstance(exc, StorageError) else str(exc)
            return 0
        view[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self._raw.seek(offset, whence))

    def tell(self) -> int:
        return int(self._raw.tell())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()
        super().close()

    def check(self) -> None:
        """Raise what went wrong while reading (a :class:`~callrec.errors.StorageError`), if
        anything did."""
        if self.failure is not None:
            raise StorageError(self.failure, file=self.path)


def same_bytes(a: Path, b: Path) -> bool:
    """Whether two files, local or blobs, hold the same bytes: the sizes first, then block by
    block up to the first difference."""
    if not isinstance(a, BlobPath) and not isinstance(b, BlobPath):
        return filecmp.cmp(a, b, shallow=False)
    if a.stat().st_size != b.stat().st_size:
        return False
    with _read_through(a) as first, _read_through(b) as second:
        while True:
            block = first.read(BLOCK_BYTES)
            if block != second.read(BLOCK_BYTES):
                return False
            if not block:
                return True


def _read_through(path: Path) -> IO[bytes]:
    if isinstance(path, BlobPath):
        return cast(IO[bytes], path.store.open_stream(path, for_decoder=False))
    return path.open("rb")


@contextlib.contextmanager
def decoder_input(path: Path) -> Iterator[str | BlobStream]:
    """What a decoder opens for ``path`` to read its header: a local file by its name (the
    decoder's own I/O), a blob as a :class:`BlobStream` (checked for errors when the block
    ends)."""
    if not isinstance(path, BlobPath):
        yield str(path)
        return
    stream = path.store.open_stream(path, whole=False)
    try:
        yield stream
    except Exception:
        stream.check()  # the network's error, not the decoder's complaint about missing bytes
        raise
    else:
        stream.check()
    finally:
        stream.close()


def open_location(
    location: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None
) -> Path:
    """``location`` as a path: a :class:`BlobPath` for an ``az://``/``abfs://`` URL (opened
    with :func:`~.credentials.resolve_storage_options`), else the local path.

    Raises
    ------
    UsageError
        A blob URL without a container.
    """
    if isinstance(location, Path):
        return location
    text = os.fspath(location)
    found = _URL.match(text)
    if found is None:
        return Path(text)
    protocol, rest = found.group("protocol").lower(), found.group("rest")
    if "?" in rest or "#" in rest:
        # A SAS token pasted into the URL would be written into every report's file names.
        raise UsageError(
            f"{protocol}://…: a blob URL takes no query or fragment; give a SAS token as "
            "--storage-option sas_token=… (storage_options={'sas_token': …})"
        )
    options = resolve_storage_options(storage_options)
    head, _, tail = rest.partition("/")
    account = _ACCOUNT_HOST.fullmatch(head)
    if account is not None:
        head = account.group("container")
        options.setdefault("account_name", account.group("account"))
    if not head:
        raise UsageError(f"{text}: expected {protocol}://CONTAINER/PREFIX")
    return BlobStore(protocol, options).path(f"{head}/{tail}")
