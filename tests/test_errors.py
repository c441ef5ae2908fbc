"""Every documented error: its type, and a message naming file, field, value and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from callrec import errors
from callrec.acs import load_chunk_metadata, load_recording_events, parse_chunk_metadata
from callrec.errors import CallrecError, JSONFileError, MediaError, MetadataError

from .conftest import meta


def test_tree_shape() -> None:
    assert issubclass(errors.InputError, ValueError)
    assert issubclass(errors.MediaError, OSError)
    assert issubclass(errors.UsageError, ValueError)
    for name in errors.__all__:
        cls = getattr(errors, name)
        if name in ("Finding", "Severity", "LOST_AUDIO"):  # a finding is data, not an exception
            continue
        assert issubclass(cls, CallrecError)
    for sub in (
        errors.DuplicateChunkError,
        errors.CallMismatchError,
        errors.InconsistentSettingsError,
        errors.ChannelConflictError,
    ):
        assert issubclass(sub, errors.RecordingError)
    assert "CallrecError" in (errors.__doc__ or "") and "ChannelConflictError" in (
        errors.__doc__ or ""
    )


def _write(tmp_path: Path, text: str | bytes, name: str = "chunk.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n  "callId": "x",\n  "chunkIndex": 0,,\n}')
    with pytest.raises(JSONFileError) as info:
        load_chunk_metadata(path)
    assert (info.value.line, info.value.column) == (3, 19)
    assert str(path) in str(info.value) and "line 3, column 19" in str(info.value)


@pytest.mark.parametrize(
    ("content", "phrase"), [(b"", "empty"), (b"  \n", "empty"), (b"\xff\xfe{}", "not UTF-8")]
)
def test_empty_and_non_utf8(tmp_path: Path, content: bytes, phrase: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(JSONFileError, match=phrase) as info:
        load_chunk_metadata(path)
    assert info.value.file == path


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(JSONFileError, match="cannot be read"):
        load_chunk_metadata(tmp_path / "nope.json")


def test_bom_is_accepted(tmp_path: Path) -> None:
    import json

    path = _write(tmp_path, b"\xef\xbb\xbf" + json.dumps(meta()).encode())
    assert load_chunk_metadata(path).chunk_index == 0


@pytest.mark.parametrize(
    ("mutate", "path", "value", "expected"),
    [
        (
            lambda d: d["participants"][1].update(channel="two"),
            "participants[1].channel",
            "two",
            "integer",
        ),
        (
            lambda d: d["participants"][0].update(channel=-1),
            "participants[0].channel",
            -1,
            "greater than or equal to 0",
        ),
        (
            lambda d: d["recordingInfo"].update(channelType="stereo"),
            "recordingInfo.channelType",
            "stereo",
            "'mixed', 'unmixed'",
        ),
        (
            lambda d: d["recordingInfo"].update(format="ogg"),
            "recordingInfo.format",
            "ogg",
            "'wav', 'mp3', 'mp4'",
        ),
        (
            lambda d: d["recordingInfo"]["audioConfiguration"].update(sampleRate="fast"),
            "recordingInfo.audioConfiguration.sampleRate",
            "fast",
            "integer",
        ),
        (
            lambda d: d["recordingInfo"]["audioConfiguration"].update(sampleRate=0),
            "recordingInfo.audioConfiguration.sampleRate",
            0,
            "greater than 0",
        ),
        (lambda d: d.update(chunkStartTime="yesterday"), "chunkStartTime", "yesterday", "ISO 8601"),
        (lambda d: d.update(chunkDuration=-5), "chunkDuration", -5, "greater than or equal to 0"),
        (lambda d: d.update(chunkIndex=1.5), "chunkIndex", 1.5, "integer"),
        (
            lambda d: d.update(
                pauseResumeIntervals=[{"startTime": "2026-01-05T10:00:00Z", "duration": "long"}]
            ),
            "pauseResumeIntervals[0].duration",
            "long",
            "number",
        ),
        (
            lambda d: d["participants"][0].pop("participantId"),
            "participants[0].participantId",
            errors.MISSING,
            "required",
        ),
        (lambda d: d.pop("callId"), "callId", errors.MISSING, "required"),
    ],
)
def test_bad_field_is_named(mutate: object, path: str, value: object, expected: str) -> None:
    doc = meta()
    assert callable(mutate)
    mutate(doc)
    with pytest.raises(MetadataError) as info:
        parse_chunk_metadata(doc, file="calls/chunk.json")
    err = info.value
    assert err.path == path
    assert err.value == value or (value is errors.MISSING and err.value is errors.MISSING)
    assert expected in err.expected
    text = str(err)
    assert text.startswith("calls/chunk.json: field " + path)
    assert ("missing" in text) if value is errors.MISSING else (repr(value) in text)
    assert isinstance(err, ValueError)


def test_metadata_must_be_an_object() -> None:
    with pytest.raises(MetadataError, match="JSON object") as info:
        parse_chunk_metadata([1, 2], file="x.json")
    assert info.value.path == "$"


def test_event_errors_name_the_array_position(tmp_path: Path) -> None:
    import json

    from .conftest import EXAMPLES

    raw = json.loads((EXAMPLES / "eventgrid-recording-file-status-updated.json").read_text())
    raw[0]["data"]["recordingStorageInfo"]["recordingChunks"][0]["index"] = "first"
    path = _write(tmp_path, json.dumps(raw), "event.json")
    with pytest.raises(MetadataError) as info:
        load_recording_events(path)
    assert info.value.path == "[0].data.recordingStorageInfo.recordingChunks[0].index"


def test_not_a_recording_event() -> None:
    from callrec.acs import parse_recording_events

    with pytest.raises(MetadataError, match="RecordingFileStatusUpdated"):
        parse_recording_events({"eventType": "Other", "data": {}}, file="e.json")


def test_errors_serialise() -> None:
    err = MediaError("cannot be read", file="a.wav")
    assert err.to_dict() == {"error": "MediaError", "file": "a.wav", "message": "cannot be read"}
