"""Finding recordings in downloaded folders: layouts, grouping, and what cannot be paired."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from callrec import build_recording, discover
from callrec.errors import DuplicateChunkError, UsageError

from .conftest import EXAMPLES, MEDIA, meta, write_chunk


def kinds(found: object) -> list[tuple[str, str]]:
    return sorted((p.code, p.file.name) for p in found.problems)


def test_document_id_layout(tmp_path: Path) -> None:
    write_chunk(tmp_path, meta(0), frames=32000)
    write_chunk(tmp_path, meta(1, start="2026-01-05T10:00:02Z"), frames=32000)
    found = discover(tmp_path)
    (rec,) = found.recordings
    assert [s.metadata.chunk_index for s in rec.sources] == [0, 1]
    assert all(s.media is not None and s.media.frames == 32000 for s in rec.sources)
    assert found.problems == ()


def test_byos_layout_nested_by_date_and_call(tmp_path: Path) -> None:
    doc0, doc1 = (
        "0-eus-d2-aaaa0000aaaa0000aaaa0000aaaa0000",
        "0-eus-d2-bbbb0000bbbb0000bbbb0000bbbb0000",
    )
    folder = tmp_path / "20260105" / "11111111-2222" / "eyJQbGF0-4f1e0a2b"
    write_chunk(
        folder,
        meta(0, doc=doc0),
        frames=32000,
        json_name=f"0a1b-acsmetadata.{doc0}.json",
        media_name=f"0a1b-audiowav.{doc0}.wav",
    )
    write_chunk(
        folder,
        meta(1, doc=doc1, start="2026-01-05T10:00:02Z"),
        frames=32000,
        json_name=f"2c3d-acsmetadata.{doc1}.json",
        media_name=f"2c3d-audiowav.{doc1}.wav",
    )
    found = discover(tmp_path)
    (rec,) = found.recordings
    assert [s.media_path.name for s in rec.sources if s.media_path] == [
        f"0a1b-audiowav.{doc0}.wav",
        f"2c3d-audiowav.{doc1}.wav",
    ]
    assert found.problems == ()


def test_media_in_another_folder_and_same_stem(tmp_path: Path) -> None:
    document = meta(0)
    doc = document["chunkDocumentId"]
    write_chunk(tmp_path / "meta", document, frames=None)
    write_chunk(tmp_path / "media", meta(0), frames=32000, json_name="unused.json")
    (tmp_path / "media" / "unused.json").unlink()
    found = discover(tmp_path)
    assert found.recordings[0].sources[0].media_path == tmp_path / "media" / f"{doc}.wav"
    other = tmp_path / "stem"
    no_doc = meta(0, call_id="stem-call")
    no_doc.pop("chunkDocumentId")
    (other).mkdir()
    (other / "call-17.json").write_text(json.dumps(no_doc))
    shutil.copy(tmp_path / "media" / f"{doc}.wav", other / "call-17.wav")
    found = discover(other)
    assert found.recordings[0].sources[0].media_path == other / "call-17.wav"


def test_format_decides_between_two_candidates_and_ambiguity_is_reported(tmp_path: Path) -> None:
    document = meta(0, fmt="mp3", channel_type="mixed", participants=[], channels=1)
    doc = document["chunkDocumentId"]
    write_chunk(tmp_path, document, frames=None)
    shutil.copy(MEDIA / "tone-16k-1.5s.mp3", tmp_path / f"{doc}.mp3")
    shutil.copy(MEDIA / "tone-16k-1.5s.mp4", tmp_path / f"{doc}.mp4")
    found = discover(tmp_path)
    assert found.recordings[0].sources[0].media_path == tmp_path / f"{doc}.mp3"
    assert kinds(found) == [("media-without-metadata", f"{doc}.mp4")]
    shutil.copy(MEDIA / "tone-16k-1.5s.mp3", tmp_path / f"copy-{doc}.mp3")
    found = discover(tmp_path)
    assert ("ambiguous-pair", f"{doc}.json") in kinds(found)
    assert found.recordings[0].sources[0].media is None


def test_one_media_claimed_by_two_metadata_files(tmp_path: Path) -> None:
    document = meta(0)
    write_chunk(tmp_path, document, frames=32000)
    (tmp_path / "copy.json").write_text(json.dumps(document))
    found = discover(tmp_path)
    assert sorted(k for k, _ in kinds(found)).count("ambiguous-pair") == 2


def test_event_groups_two_recordings_of_one_call(tmp_path: Path) -> None:
    template = json.loads((EXAMPLES / "eventgrid-recording-file-status-updated.json").read_text())
    for n, (first, start) in enumerate([(0, "2026-01-05T10:00:00Z"), (10, "2026-01-05T10:05:00Z")]):
        docs = [f"0-eus-d1-{first + i:032x}" for i in range(2)]
        for i, doc in enumerate(docs):
            t = start.replace(":00Z", f":0{2 * i}Z")
            write_chunk(tmp_path / f"rec{n}", meta(i, doc=doc, start=t), frames=32000)
        event = json.loads(json.dumps(template))
        event[0]["subject"] = (
            f"/recording/call/11111111-2222-3333-4444-555555555555/recordingId/R{n}"
        )
        event[0]["data"]["recordingStartTime"] = start
        chunk = event[0]["data"]["recordingStorageInfo"]["recordingChunks"][0]
        event[0]["data"]["recordingStorageInfo"]["recordingChunks"] = [
            dict(chunk, documentId=d, index=i) for i, d in enumerate(docs)
        ]
        (tmp_path / f"event-{n}.json").write_text(json.dumps(event))
    found = discover(tmp_path)
    assert [r.recording_id for r in found.recordings] == ["R0", "R1"]
    assert all(len(r.sources) == 2 for r in found.recordings)
    rec = build_recording(found.recordings[1].sources, event=found.recordings[1].event)
    assert rec.recording_id == "R1" and rec.warnings == ()


def test_restarting_indexes_without_event_are_separate_recordings(tmp_path: Path) -> None:
    for i, start in enumerate(["10:00:00", "10:00:02", "10:10:00", "10:10:02"]):
        write_chunk(
            tmp_path,
            meta(i % 2, doc=f"0-eus-d1-{i:032x}", start=f"2026-01-05T{start}Z"),
            frames=32000,
        )
    found = discover(tmp_path)
    assert [[s.metadata.chunk_index for s in r.sources] for r in found.recordings] == [
        [0, 1],
        [0, 1],
    ]


def test_a_chunk_downloaded_twice_is_used_once_with_a_note(tmp_path: Path) -> None:
    first, _ = write_chunk(tmp_path, meta(0), frames=32000)
    copy, copy_media = write_chunk(tmp_path / "again", meta(0), frames=32000)
    found = discover(tmp_path)
    (recording,) = found.recordings
    (source,) = recording.sources
    assert source.metadata_path == first and set(source.duplicates) == {copy, copy_media}
    assert [(p.code, p.severity, p.file) for p in found.problems] == [
        ("duplicate-chunk", "note", copy)
    ]
    built = build_recording(recording.sources)
    assert [w.code for w in built.warnings] == ["duplicate-chunk"]
    assert str(copy) in built.warnings[0].message


def test_a_copy_without_media_is_the_one_set_aside(tmp_path: Path) -> None:
    write_chunk(tmp_path / "a", meta(0), frames=None)
    full, media = write_chunk(tmp_path / "b", meta(0), frames=32000)
    (source,) = discover(tmp_path).recordings[0].sources
    assert (source.metadata_path, source.media_path) == (full, media)


@pytest.mark.parametrize("differs", ["media", "metadata"])
def test_copies_that_differ_stay_an_error_naming_both(tmp_path: Path, differs: str) -> None:
    first, first_media = write_chunk(tmp_path, meta(0), frames=32000)
    second, second_media = write_chunk(
        tmp_path / "again", meta(0), frames=32000 if differs == "metadata" else 16000
    )
    if differs == "metadata":  # the same document, saved with other whitespace
        second.write_text(json.dumps(meta(0), indent=2))
    found = discover(tmp_path)
    assert len(found.recordings[0].sources) == 2 and found.problems == ()
    with pytest.raises(DuplicateChunkError) as caught:
        build_recording(found.recordings[0].sources)
    message = str(caught.value)
    for path in (first, second, first_media, second_media):
        assert str(path) in message


def test_broken_files_never_stop_the_others(tmp_path: Path) -> None:
    write_chunk(tmp_path / "good", meta(0), frames=32000)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.json").write_text('{"callId": ')
    (bad / "wrong.json").write_text(json.dumps({**meta(0, call_id="c2"), "chunkIndex": "x"}))
    zero = meta(0, call_id="c3", doc="0-eus-zero")
    write_chunk(bad, zero, frames=None)
    (bad / "0-eus-zero.wav").touch()
    (bad / "orphan.wav").write_bytes(
        (tmp_path / "good" / f"{meta(0)['chunkDocumentId']}.wav").read_bytes()
    )
    (bad / "notes.txt").write_text("hello")
    (bad / "other.json").write_text('{"hello": 1}')
    found = discover(tmp_path)
    assert kinds(found) == [
        ("bad-metadata", "wrong.json"),
        ("media-without-metadata", "orphan.wav"),
        ("unreadable-json", "broken.json"),
    ]
    assert {r.call_id for r in found.recordings} == {"11111111-2222-3333-4444-555555555555", "c3"}
    assert {p.name for p in found.ignored} == {"notes.txt", "other.json"}
    zero_rec = next(r for r in found.recordings if r.call_id == "c3")
    assert "zero bytes" in (zero_rec.sources[0].media_problem or "")


def test_single_metadata_file_without_media(tmp_path: Path) -> None:
    found = discover(EXAMPLES / "acs-metadata-mixed-mp4-2022.json")
    assert len(found.recordings) == 1
    assert [p.code for p in found.problems] == ["metadata-without-media"]
    assert found.errors == ()


def test_single_metadata_file_finds_its_media_and_ignores_neighbours(tmp_path: Path) -> None:
    jpath, _ = write_chunk(tmp_path, meta(0), frames=32000)
    shutil.copy(MEDIA / "tone-16k-1.5s.mp3", tmp_path / "unrelated.mp3")
    found = discover(jpath)
    assert found.recordings[0].sources[0].media is not None and found.problems == ()


def test_missing_path() -> None:
    with pytest.raises(UsageError, match="no such file"):
        discover("/nonexistent/folder")
