"""A recording's output folder in blob storage: ``az://CONTAINER/PREFIX/<recording>/``.

Blob storage has no rename, so nothing is written there piece by piece: the run writes the
recording's files into a local staging folder (the same :class:`RecordingFolder` code as a local
run, so the same bytes), then uploads them, ``report.json`` last. An upload appears whole or not
at all, and the old report is deleted before the first upload: at every moment, a folder with a
report is a finished result (the old one, until the new one starts to replace it), and a failed
or killed run leaves none that looks finished.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..acs.recording import Recording
from ..errors import CallrecError
from ..safety.paths import as_path
from ..storage.blob import BlobPath
from .folder import (
    CALLREC_AUDIO,
    REPORT_NAME,
    SIDECARS,
    RecordingFolder,
    listed_outputs,
    provenance,
)
from .options import VIEW_NAMES, ProcessOptions, ViewOptions
from .report import Report, load_report

__all__ = ["BlobRecordingFolder", "recording_folder"]


def recording_folder(path: str | Path) -> RecordingFolder:
    """The folder object for ``path``: in blob storage for a :class:`BlobPath`, else local."""
    path = as_path(path)
    return BlobRecordingFolder(path) if isinstance(path, BlobPath) else RecordingFolder(path)


class BlobRecordingFolder(RecordingFolder):
    """``OUT/<recording>/`` in blob storage, staged in a local temporary folder (``TMPDIR``:
    room for one recording's outputs: tracks, and clips and a stereo file when asked for) that
    :meth:`close` removes."""

    def __init__(self, remote: BlobPath) -> None:
        super().__init__(tempfile.mkdtemp(prefix="callrec-staging-"))
        self.remote = remote
        self._store = remote.store

    @property
    def name(self) -> str:
        return self.remote.name

    def _key(self, relative: str) -> str:
        return f"{self.remote.key}/{relative}"

    def up_to_date(self, recording: Recording, options: ProcessOptions) -> Report | None:
        try:
            report = load_report(self.remote / REPORT_NAME)
            current = provenance(recording, options)
        except (CallrecError, OSError):
            return None
        if report.provenance != current:
            return None
        present = {
            key[len(self.remote.key) + 1 :] for key in self._store.names_now(self.remote.key)
        }
        if not {*report.output_files(), *SIDECARS, *options.views.files()} <= present:
            return None
        return report

    def begin(self) -> None:
        # Nothing remote changes yet: a run that fails on its input leaves the last result.
        self.path.mkdir(parents=True, exist_ok=True)

    def finish(
        self,
        report: Report,
        *,
        file_id: str,
        speakers: dict[str, str],
        views: ViewOptions | None = None,
    ) -> None:
        self._write_tables(report, file_id, speakers)
        shown = self._write_views(report, views or ViewOptions())
        present = self._names_present()
        previous = listed_outputs(self.remote / REPORT_NAME) | {
            name for name in present if CALLREC_AUDIO.fullmatch(name)
        }
        # First of all: from here on, the folder holds no report until the new one is complete.
        self._store.remove(self._key(REPORT_NAME))
        for relative in sorted(report.output_files()) + list(SIDECARS) + shown:
            self._store.put_file(self.path / relative, self._key(relative))
        for stale in sorted(previous - report.output_files()):
            self._store.remove(self._key(stale))
        for stale in sorted((set(VIEW_NAMES) - set(shown)) & present):  # an earlier run's
            self._store.remove(self._key(stale))
        self._store.put_bytes(self._key(REPORT_NAME), report.to_json().encode("utf-8"))

    def _names_present(self) -> set[str]:
        """The folder's files now, listed or not: a run killed while uploading leaves tracks
        that no report names. Only names of callrec's tracks and views are ever deleted."""
        return {key[len(self.remote.key) + 1 :] for key in self._store.names_now(self.remote.key)}

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
