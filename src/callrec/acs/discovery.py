"""Find the recordings in a downloaded folder: pair metadata with media, group chunks.

Layouts recognised (DOMAIN.md §5), in the order pairs are tried for each metadata file:

1. a media file in the same folder whose name contains the metadata's ``chunkDocumentId``
   (``<documentId>.wav`` and bring-your-own-storage ``<chunkId>-audiowav.<documentId>.wav``);
2. such a file anywhere else in the tree;
3. a media file in the same folder with the same stem (``call.json`` ↔ ``call.wav``).

Where a tier offers several files, the one whose extension matches ``recordingInfo.format`` wins;
if that still leaves several, the pair is ambiguous and reported. Chunks are grouped by
``callId``; a saved ``RecordingFileStatusUpdated`` event assigns the chunks it names to its
recording id; the remaining chunks of a call form separate recordings wherever their index
sequence restarts. Nothing found here stops the rest of the tree from being found.

With :class:`~callrec.acs.plain.PlainOptions` (``plain=``), media that no metadata names (and
FLAC files, which ACS never writes) are plain recordings instead of ``media-without-metadata``
problems: one recording per file, named after it (see :mod:`callrec.acs.plain`). Files that have
metadata are ACS recordings all the same.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..audio.probe import probe_media
from ..errors import CallrecError, Finding, Severity, StorageError, UsageError
from ..payloads.reading import classify_json, read_json, require_document
from ..safety.paths import as_path
from ..storage.blob import BlobPath, same_bytes
from .events import RecordingFileStatusUpdated
from .loading import parse_chunk_metadata, parse_recording_events
from .metadata import ChunkMetadata
from .plain import PLAIN_SUFFIXES, PlainOptions, build_plain_recording, plain_source
from .recording import ChunkSource, Recording, build_recording
from .timeline import PauseReading

__all__ = ["MEDIA_SUFFIXES", "ClaimedMedia", "Discovery", "FoundRecording", "discover"]

ClaimedMedia = Callable[[Any, Path], Iterable[str]]
"""``(parsed JSON, its file) -> names`` (stems or file names, any case) of the media files a
document of another kind names as its own; raises :class:`CallrecError` for a document of that
kind it cannot read."""

MEDIA_SUFFIXES = frozenset({".wav", ".mp3", ".mp4"})

ProblemKind = Literal[
    "unreadable-json",
    "bad-metadata",
    "bad-event",
    "media-without-metadata",
    "metadata-without-media",
    "ambiguous-pair",
    "event-without-chunks",
    "duplicate-chunk",
    "unreadable-folder",
]
_NOTES = frozenset({"metadata-without-media", "event-without-chunks", "duplicate-chunk"})


def _problem(
    kind: ProblemKind, file: Path, message: str, error: CallrecError | None = None
) -> Finding:
    """A file that could not be used, or (the kinds in ``_NOTES``) a fact worth saying."""
    severity: Severity = "note" if kind in _NOTES else "error"
    return Finding(kind, message, file=file, severity=severity, error=error)


@dataclass(frozen=True)
class FoundRecording:
    """The chunks of one recording as found, not yet checked (see :meth:`build`).

    ``plain`` is set for a plain recording: one media file without metadata, whose one source
    holds the metadata made from these options (:func:`~callrec.acs.plain.plain_source`).
    """

    call_id: str
    recording_id: str | None
    sources: tuple[ChunkSource, ...]
    event: RecordingFileStatusUpdated | None = None
    event_path: Path | None = None
    plain: PlainOptions | None = None

    def build(
        self, *, pause_reading: PauseReading | None = None, tolerance_s: float = 0.05
    ) -> Recording:
        """The checked recording: :func:`~callrec.acs.recording.build_recording`, or for a
        plain recording :func:`~callrec.acs.plain.build_plain_recording` (same errors)."""
        if self.plain is not None:
            return build_plain_recording(
                self.sources[0], self.plain, pause_reading=pause_reading, tolerance_s=tolerance_s
            )
        return build_recording(
            self.sources, event=self.event, pause_reading=pause_reading, tolerance_s=tolerance_s
        )


@dataclass(frozen=True)
class Discovery:
    root: Path
    recordings: tuple[FoundRecording, ...]
    problems: tuple[Finding, ...]
    ignored: tuple[Path, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass
class _Meta:
    path: Path
    metadata: ChunkMetadata


def _walk(
    root: Path,
    exclude: tuple[Path, ...] = (),
    unreadable: list[tuple[Path, str]] | None = None,
    recursive: bool = True,
) -> tuple[list[Path], list[Path], list[Path]]:
    jsons: list[Path] = []
    media: list[Path] = []
    other: list[Path] = []
    # Not is_file(): a FIFO or device given by name is still the one input asked for, to be
    # reported by read_json rather than walked as an empty folder.
    if not root.is_dir():
        candidates: Iterable[Path] = [root]
        # One metadata file: its media may sit beside it.
        if root.suffix.lower() == ".json":
            candidates = [
                root,
                *(p for p in root.parent.iterdir() if p.suffix.lower() in MEDIA_SUFFIXES),
            ]
    else:
        walked = _folders(root, exclude, unreadable if unreadable is not None else [], recursive)
        candidates = (folder / name for folder, files in walked for name in files)
    for path in sorted(candidates):
        suffix = path.suffix.lower()
        if suffix == ".json" and not path.is_dir():
            # A FIFO or device too: read_json refuses it from stat alone, never opening it,
            # and it is reported as a file that could not be used.
            jsons.append(path)
        elif suffix in MEDIA_SUFFIXES and not path.is_dir():
            # A FIFO or device named like media stays: probing says what it is from stat alone,
            # never opening it, and the chunk it pairs with is lost audio naming why.
            media.append(path)
        else:
            other.append(path)
    return jsons, media, other


def _folders(
    root: Path, exclude: tuple[Path, ...], unreadable: list[tuple[Path, str]], recursive: bool
) -> Iterable[tuple[Path, list[str]]]:
    """``(folder, visible file names)`` of the tree under ``root``, leaving out the ``exclude``
    folders (a run's own output folder is not input) and noting folders that cannot be listed.

    An excluded folder that is ``root`` itself or holds it (``--out`` the same as PATH) cannot
    be left out whole: there, the folders the run wrote are left out instead.
    """
    if isinstance(root, BlobPath):
        yield from _blob_folders(root, exclude, recursive)
        return
    here = root.resolve()
    skip = {p.resolve() for p in exclude}
    around = any(s == here or s in here.parents for s in skip)

    def note(error: OSError) -> None:
        unreadable.append((Path(error.filename or root), error.strerror or str(error)))

    for folder, dirs, files in os.walk(root, onerror=note):
        if not recursive:
            dirs[:] = []
        else:
            dirs[:] = [
                d
                for d in dirs
                if (Path(folder) / d).resolve() not in skip
                and not (around and _written_by_callrec(Path(folder) / d))
            ]
        yield Path(folder), [name for name in files if not name.startswith(".")]


def _blob_folders(
    root: BlobPath, exclude: tuple[Path, ...], recursive: bool
) -> Iterable[tuple[Path, list[str]]]:
    """:func:`_folders` for blob storage, from one listing of everything under ``root``: blob
    storage has no folders to walk, only names with slashes in them."""
    store = root.store
    keys = store.files_below(root.key)
    skip = [p.key for p in exclude if isinstance(p, BlobPath) and p.store.account == store.account]
    if any(s == root.key or root.key.startswith(s + "/") for s in skip):
        # The output folder holds the input: the recording folders a run wrote are left out.
        skip = [k[: -len("/report.json")] for k in keys if k.endswith("/report.json")]
        skip += [k.split("/participants/")[0] for k in keys if "/participants/" in k]
    folders: dict[Path, list[str]] = defaultdict(list)
    for key in keys:
        blob = store.path(key)
        if any(key.startswith(s + "/") for s in skip) or blob.name.startswith("."):
            continue
        if recursive or blob.parent == root:
            folders[blob.parent].append(blob.name)
    yield from folders.items()


def _written_by_callrec(folder: Path) -> bool:
    """A recording folder of an earlier run: its report, or its tracks."""
    return (folder / "report.json").is_file() or (folder / "participants").is_dir()


def _pick(meta: _Meta, tiers: list[list[Path]]) -> tuple[Path | None, int, list[Path]]:
    """The media file for one metadata and the tier it was found in, or (None, -1, the
    ambiguous candidates)."""
    fmt = meta.metadata.recording_info.format
    for rank, tier in enumerate(tiers):
        if not tier:
            continue
        if len(tier) > 1 and fmt is not None:
            matching = [p for p in tier if p.suffix.lower() == f".{fmt.value}"]
            tier = matching or tier
        if len(tier) == 1:
            return tier[0], rank, []
        return None, -1, tier
    return None, -1, []


def _pair(metas: list[_Meta], media: list[Path], problems: list[Finding]) -> dict[int, Path]:
    claims: dict[Path, list[tuple[int, int]]] = defaultdict(list)  # media -> (tier, metadata)
    by_dir: dict[Path, list[Path]] = defaultdict(list)
    for path in media:
        by_dir[path.parent].append(path)
    for i, meta in enumerate(metas):
        doc = meta.metadata.chunk_document_id
        folder = meta.path.parent
        same_dir = by_dir.get(folder, [])
        tiers = []
        if doc:
            tiers.append([p for p in same_dir if doc in p.name])
            elsewhere = (p for d, paths in by_dir.items() if d != folder for p in paths)
            tiers.append([p for p in elsewhere if doc in p.name])
        tiers.append([p for p in same_dir if p.stem == meta.path.stem])
        chosen, rank, ambiguous = _pick(meta, tiers)
        if chosen is not None:
            claims[chosen].append((rank, i))
        elif ambiguous:
            problems.append(
                _problem(
                    "ambiguous-pair",
                    meta.path,
                    f"several media files could belong to this metadata: "
                    f"{', '.join(p.name for p in ambiguous)}; keep one, or rename the others",
                )
            )
    pairs: dict[int, Path] = {}
    for path, claimants in claims.items():
        # A claim from the media's own folder outranks one by document id from elsewhere (a
        # copy of the metadata saved without its media).
        best = min(rank for rank, _ in claimants)
        owners = [i for rank, i in claimants if rank == best]
        if len(owners) == 1:
            pairs[owners[0]] = path
            continue
        names = ", ".join(metas[i].path.name for i in owners)
        for i in owners:
            problems.append(
                _problem(
                    "ambiguous-pair",
                    metas[i].path,
                    f"media file {path.name} matches several metadata files ({names}); none is paired",
                )
            )
    for path in media:
        if path not in claims:
            problems.append(
                _problem(
                    "media-without-metadata",
                    path,
                    "no metadata file names this media file (by chunkDocumentId or by stem)",
                )
            )
    return pairs


def _split_on_restart(sources: list[ChunkSource]) -> list[list[ChunkSource]]:
    """Chunks of one call without an event: a new recording wherever the index sequence
    restarts at a later time (a duplicate at the same time stays, to be reported as such)."""
    ordered = sorted(sources, key=lambda s: (s.metadata.chunk_start_time, s.metadata.chunk_index))
    groups: list[list[ChunkSource]] = []
    for src in ordered:
        if groups:
            last = groups[-1][-1].metadata
            this = src.metadata
            restart = (
                this.chunk_index <= last.chunk_index
                and this.chunk_start_time > last.chunk_start_time
                and this.chunk_document_id != last.chunk_document_id
            )
            if not restart:
                groups[-1].append(src)
                continue
        groups.append([src])
    return groups


@dataclass
class _Documents:
    """The JSON documents of a tree, read and sorted."""

    metas: list[_Meta]
    events: list[tuple[Path, RecordingFileStatusUpdated]]
    answers: set[str]  # media that other documents in the tree claim, lowercased
    ignored: list[Path]


def _read_documents(
    jsons: Iterable[Path], claimed: ClaimedMedia | None, problems: list[Finding]
) -> _Documents:
    found = _Documents([], [], set(), [])
    for jpath in jsons:
        try:
            data = read_json(jpath)
            # A string, a number or an array of neither events nor notifications is no input
            # callrec knows: said, not skipped in silence.
            require_document(data, file=jpath)
        except CallrecError as exc:
            problems.append(_problem("unreadable-json", jpath, exc.detail, exc))
            continue
        kind = classify_json(data)
        try:
            if kind == "chunk_metadata":
                found.metas.append(_Meta(jpath, parse_chunk_metadata(data, file=jpath)))
            elif kind == "recording_event":
                found.events += [(jpath, e) for e in parse_recording_events(data, file=jpath)]
            else:
                if claimed is not None:
                    found.answers |= {name.lower() for name in claimed(data, jpath)}
                found.ignored.append(jpath)
        except CallrecError as exc:
            which: ProblemKind = "bad-metadata" if kind == "chunk_metadata" else "bad-event"
            problems.append(_problem(which, jpath, exc.detail, exc))
    return found


def _sources(
    metas: list[_Meta], pairs: dict[int, Path], probe: bool, problems: list[Finding]
) -> list[ChunkSource]:
    """Each metadata with its media file (and its header, when ``probe``)."""
    sources: list[ChunkSource] = []
    for i, meta in enumerate(metas):
        media_path = pairs.get(i)
        info, trouble = None, None
        if media_path is None:
            if not any(p.file == meta.path for p in problems):
                problems.append(
                    _problem(
                        "metadata-without-media",
                        meta.path,
                        "no media file found for this chunk; its timeline comes from the metadata alone",
                    )
                )
        elif probe:
            try:
                info = probe_media(media_path)
            except CallrecError as exc:
                # Paired, so not an unusable file but a chunk whose audio is lost: the
                # recording carries that (media-unusable) and is processed around it.
                trouble = exc.detail
        sources.append(ChunkSource(meta.metadata, meta.path, info, media_path, trouble))
    return sources


def discover(
    path: str | Path,
    *,
    probe: bool = True,
    exclude: Iterable[str | Path] = (),
    recursive: bool = True,
    claimed: ClaimedMedia | None = None,
    plain: PlainOptions | None = None,
) -> Discovery:
    """Find every recording under ``path``: a folder tree, one metadata or event file, or one
    chunk's media file (then the recording it belongs to, from the folder around it).

    Parameters
    ----------
    path
        Folder or file.
    probe
        Read each paired media file's header (frames, channels, rate). No audio is decoded.
    exclude
        Folders inside the tree that are not input (such as the output folder of a run).
    recursive
        Look in the subfolders too (the default), or in ``path`` alone.
    claimed
        For JSON documents that are not ACS's (a Graph notification), the media they name as
        their own: those files are that document's input, not chunks without metadata.
    plain
        Read media files that no metadata names (WAV, FLAC, MP3, MP4) as plain recordings with
        these speakers: in a folder tree, or ``path`` itself. Without it they are
        ``media-without-metadata`` problems (and FLAC files are not looked at).

    Raises
    ------
    UsageError
        ``path`` does not exist, or is a media file that no metadata beside it names (and
        ``plain`` is not given).
    """
    root = as_path(path)
    try:
        if not root.exists():
            raise UsageError(f"{root}: no such file or folder")
        suffixes = MEDIA_SUFFIXES if plain is None else PLAIN_SUFFIXES
        is_media = root.is_file() and root.suffix.lower() in suffixes
    except OSError as exc:  # a folder on the way that may not be entered
        raise UsageError(f"{root}: cannot be read: {exc.strerror or exc}") from None
    skip = tuple(as_path(p) for p in exclude)
    if is_media:
        return _recording_of(root, probe, skip, plain)
    unreadable: list[tuple[Path, str]] = []
    jsons, media, other = _walk(root, skip, unreadable, recursive)
    problems: list[Finding] = [
        _problem("unreadable-folder", folder, f"cannot be listed: {why}")
        for folder, why in unreadable
    ]
    ignored: list[Path] = list(other)
    documents = _read_documents(jsons, claimed, problems)
    metas, events, answers = documents.metas, documents.events, documents.answers
    ignored += documents.ignored

    if not root.is_dir() and events and not metas:
        # One event file: its chunks' metadata is expected beside it, as the SDK saves them.
        metas = _named_chunks(root, {c.document_id for _, e in events for c in e.chunks})
    sources = _sources(metas, _pair(metas, media, problems), probe, problems)
    recordings = _group(_set_aside_copies(sources, problems), events, problems)
    # Audio another document claims (recordResponse answers) is not a chunk without metadata.
    answer_files = {
        p.file
        for p in problems
        if p.code == "media-without-metadata"
        and p.file is not None
        and (p.file.stem.lower() in answers or p.file.name.lower() in answers)
    }
    problems = [p for p in problems if p.file not in answer_files]
    ignored += sorted(f for f in answer_files if f is not None)
    if not root.is_dir():
        # The folder around a single named file is not the user's input: only its pairs count.
        problems = [p for p in problems if p.code != "media-without-metadata"]
    found = Discovery(root, tuple(recordings), tuple(problems), tuple(ignored))
    return found if plain is None or not root.is_dir() else _plain(found, answers, plain, probe)


def _plain(found: Discovery, answers: set[str], plain: PlainOptions, probe: bool) -> Discovery:
    """``found`` with its media without metadata, and its FLAC files that no other document
    claims, as plain recordings (in the order of their paths, after the ACS ones)."""
    loose = {
        p.file
        for p in found.problems
        if p.code == "media-without-metadata" and p.file and not _track_of_callrec(p.file)
    }
    flac = {
        p
        for p in found.ignored
        if p.suffix.lower() in PLAIN_SUFFIXES - MEDIA_SUFFIXES
        and p.stem.lower() not in answers
        and p.name.lower() not in answers
        and not _track_of_callrec(p)
    }
    plain_files = sorted(loose | flac)
    return Discovery(
        found.root,
        found.recordings + tuple(_plain_recording(p, plain, probe) for p in plain_files),
        tuple(p for p in found.problems if p.file not in loose),
        tuple(p for p in found.ignored if p not in flac),
    )


def _track_of_callrec(media: Path) -> bool:
    """Audio an earlier run wrote (``<recording>/participants/<name>.wav``,
    ``clips/<speaker>/<n>.wav``, ``mixed.wav`` or ``stereo.wav`` beside a report), in a tree
    that holds that run's output folder: not a plain recording."""
    folder = media.parent
    if folder.name == "participants":
        folder = folder.parent
    elif folder.parent.name == "clips":
        folder = folder.parent.parent
    # The report, or (a run killed before writing it) the tables written just before it.
    return any((folder / name).is_file() for name in _RUN_OUTPUTS)


_RUN_OUTPUTS = ("report.json", "segments.csv", "speech.rttm", "manifest.jsonl")
"""Files of a recording folder that callrec wrote (output/folder.py writes them)."""


def _plain_recording(media: Path, plain: PlainOptions, probe: bool) -> FoundRecording:
    source = plain_source(media, plain, probe=probe)
    return FoundRecording(source.metadata.call_id, None, (source,), plain=plain)


def _set_aside_copies(sources: list[ChunkSource], problems: list[Finding]) -> list[ChunkSource]:
    """One source per chunk downloaded twice, byte for byte the same (say, into two folders).

    Copies that differ in anything are all kept: ``build_recording`` then reports the clash
    with both files, since nothing here can tell which one is right.
    """
    by_chunk: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, src in enumerate(sources):
        meta = src.metadata
        key = (meta.call_id, meta.chunk_index, meta.chunk_document_id, meta.chunk_start_time)
        by_chunk[key].append(i)
    dropped: set[int] = set()
    kept: dict[int, list[Path]] = {}
    for members in by_chunk.values():
        # The copies with media first, so that a copy without it is the one set aside.
        members = sorted(members, key=lambda i: sources[i].media_path is None)
        first = sources[members[0]]
        for i in members[1:]:
            if not _same_chunk(first, sources[i]):
                continue
            dropped.add(i)
            copy = sources[i]
            kept.setdefault(members[0], []).extend(
                p for p in (copy.metadata_path, copy.media_path) if p is not None
            )
            problems.append(
                _problem(
                    "duplicate-chunk",
                    copy.metadata_path or Path(copy.label),
                    f"the same chunk as {first.label} (chunkIndex {copy.metadata.chunk_index}), "
                    "byte for byte; used once",
                )
            )
    result = []
    for i, src in enumerate(sources):
        if i in dropped:
            continue
        if i in kept:
            src = replace(src, duplicates=tuple(kept[i]))
        result.append(src)
    return result


def _same_chunk(a: ChunkSource, b: ChunkSource) -> bool:
    """Identical metadata files, and identical media (or no media on the second)."""
    if a.metadata_path is None or b.metadata_path is None:
        return a.metadata == b.metadata and b.media_path is None
    try:
        if not same_bytes(a.metadata_path, b.metadata_path):
            return False
        if b.media_path is None:
            return True
        return a.media_path is not None and same_bytes(a.media_path, b.media_path)
    except (OSError, StorageError):
        return False  # not known to be the same: both are kept, and build_recording says why


def _recording_of(
    media: Path, probe: bool, exclude: tuple[Path, ...], plain: PlainOptions | None = None
) -> Discovery:
    """The recording that ``media``'s chunk belongs to, found in the folder around it; with
    ``plain``, a plain recording of ``media`` if no metadata there names it."""
    # That folder alone: a recording's chunks lie side by side, and a file in the Downloads
    # folder must not set off a walk through everything below it.
    around = discover(media.parent, probe=probe, exclude=exclude, recursive=False)
    mine = tuple(r for r in around.recordings if any(s.media_path == media for s in r.sources))
    if not mine and plain is not None:
        return Discovery(media, (_plain_recording(media, plain, probe),), ())
    if not mine:
        raise UsageError(
            f"{media}: no chunk metadata beside this media file names it (a JSON in "
            f"{media.parent} whose chunkDocumentId is in the file name, or with the same stem); "
            "give the folder, or put the chunk's metadata beside it"
        )
    # The rest of the folder was not asked for: only this recording's files count.
    files = {
        path
        for r in mine
        for path in (r.event_path, *(p for s in r.sources for p in (s.metadata_path, s.media_path)))
        if path is not None
    }
    return Discovery(media, mine, tuple(p for p in around.problems if p.file in files))


def _named_chunks(event_file: Path, documents: set[str]) -> list[_Meta]:
    """Chunk metadata beside an event file whose document ids the event names."""
    found: list[_Meta] = []
    for path in sorted(event_file.parent.glob("*.json")):
        if path == event_file:
            continue
        try:
            data = read_json(path)
            if classify_json(data) == "chunk_metadata":
                meta = parse_chunk_metadata(data, file=path)
                if meta.chunk_document_id in documents:
                    found.append(_Meta(path, meta))
        except CallrecError:
            continue  # not one of the named chunks' files; the folder itself was not asked for
    return found


def _group(
    sources: list[ChunkSource],
    events: list[tuple[Path, RecordingFileStatusUpdated]],
    problems: list[Finding],
) -> list[FoundRecording]:
    by_doc: dict[str, tuple[Path, RecordingFileStatusUpdated]] = {}
    for epath, event in events:
        for info in event.chunks:
            by_doc.setdefault(info.document_id, (epath, event))
    found: list[FoundRecording] = []
    by_event: dict[int, list[ChunkSource]] = defaultdict(list)
    loose: dict[str, list[ChunkSource]] = defaultdict(list)
    for src in sources:
        doc = src.metadata.chunk_document_id
        if doc is not None and doc in by_doc:
            by_event[id(by_doc[doc][1])].append(src)
        else:
            loose[src.metadata.call_id].append(src)
    for epath, event in events:
        members = by_event.pop(id(event), None)
        if members is None:
            owners = {id(by_doc[c.document_id][1]) for c in event.chunks}
            if id(event) not in owners:
                continue  # a second copy of an event: its chunks went to the first copy
            problems.append(
                _problem(
                    "event-without-chunks",
                    epath,
                    f"the event names {len(event.chunks)} chunk(s) "
                    f"({', '.join(c.document_id for c in event.chunks)}) but no metadata for them was found",
                )
            )
            continue
        found.append(
            FoundRecording(
                members[0].metadata.call_id, event.recording_id, tuple(members), event, epath
            )
        )
    for call_id, members in loose.items():
        found += [FoundRecording(call_id, None, tuple(g)) for g in _split_on_restart(members)]
    found.sort(key=lambda r: (min(s.metadata.chunk_start_time for s in r.sources), r.call_id))
    return found
