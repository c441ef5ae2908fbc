"""The inbound-JSON models: every shared example, and each real-world quirk."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callrec.acs import (
    ChannelType,
    ChunkEndReason,
    ContentType,
    MediaFormat,
    SessionEndReason,
    load_chunk_metadata,
    load_recording_events,
    parse_chunk_metadata,
    parse_recording_events,
    parse_subject,
)
from callrec.errors import MetadataError
from callrec.payloads.reading import classify_json, read_json
from callrec.response.models import (
    SUBCODE_REASONS,
    CompletionReason,
    OperationStatus,
    load_notifications,
    parse_notifications,
)

from .conftest import EXAMPLES, meta


def test_docsample_2021_parses_with_swapped_types_and_string_rate() -> None:
    m = load_chunk_metadata(EXAMPLES / "acs-metadata-mixed-mp4-2021-docsample.json")
    assert m.call_id == "43563209-4ec6-4119-be5b-88398cda2caf"
    assert m.chunk_document_id == "0-eus-d11-05bf22b166dfb2119e3ff85d98906121"
    assert m.chunk_index == 0
    # 7 fractional digits: .1321393 rounds to 132139 µs
    assert m.chunk_start_time == datetime(2021, 3, 24, 18, 52, 14, 132139, tzinfo=timezone.utc)
    assert m.chunk_duration_ms == 15000.0
    info = m.recording_info
    assert info.types_swapped
    assert info.content_type is ContentType.AUDIO_VIDEO
    assert info.channel_type is ChannelType.MIXED
    assert info.format is MediaFormat.MP4
    assert m.sample_rate == 16000 and isinstance(m.sample_rate, int)
    assert info.audio_configuration is not None and info.audio_configuration.bit_rate == 128000
    assert info.video_configuration is not None and info.video_configuration.framerate == 8
    assert [p.channel for p in m.participants] == [None, None]
    assert m.participants[1].participant_id.endswith("31d5c120-90a9-409d-8f48-a3463c35f58e")


def test_metadata_2022_parses_with_int_duration() -> None:
    m = load_chunk_metadata(EXAMPLES / "acs-metadata-mixed-mp4-2022.json")
    assert not m.recording_info.types_swapped
    assert m.recording_info.content_type is ContentType.AUDIO_VIDEO
    assert m.recording_info.channel_type is ChannelType.MIXED
    assert m.chunk_duration_ms == 23820
    assert m.chunk_start_time == datetime(2022, 2, 2, 12, 7, 3, 524624, tzinfo=timezone.utc)
    assert m.pause_resume_intervals == ()
    assert len(m.participants) == 2


@pytest.mark.parametrize(
    "name",
    [
        "eventgrid-recording-file-status-updated.json",
        "cloudevents-recording-file-status-updated.json",
    ],
)
def test_recording_events_parse_in_both_schemas(name: str) -> None:
    (event,) = load_recording_events(EXAMPLES / name)
    assert event.schema_kind == ("eventgrid" if name.startswith("eventgrid") else "cloudevents")
    assert event.event_type == "Microsoft.Communication.RecordingFileStatusUpdated"
    assert event.id == "7283825e-f8f1-4c61-a9ea-752c56890500"
    assert event.event_time == datetime(2021, 7, 27, 15, 20, 34, 219933, tzinfo=timezone.utc)
    assert event.recording_id == "{recording-id}" and event.call_id == "{call-id}"
    (chunk,) = event.chunks
    assert chunk.document_id == "0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8"
    assert chunk.index == 0 and chunk.end_reason is ChunkEndReason.SESSION_ENDED
    assert chunk.delete_location is not None and chunk.delete_location.endswith("/deletedata")
    data = event.data
    assert data.recording_duration_ms == 6620
    assert data.session_end_reason is SessionEndReason.CALL_ENDED
    assert data.recording_content_type is ContentType.AUDIO
    assert data.recording_channel_type is ChannelType.MIXED
    assert data.recording_format_type is MediaFormat.MP3
    if event.schema_kind == "cloudevents":
        assert event.spec_version == "1.0" and event.source is not None
    else:
        assert event.data_version == "1.0" and event.metadata_version == "1"


def test_graph_notification_example() -> None:
    payload = load_notifications(EXAMPLES / "graph-record-operation-completed.json")
    (op,) = payload.record_operations
    assert op.id == "0fe0623f-d628-42ed-b4bd-8ac290072cc5"
    assert op.client_context == "d45324c1-fcb5-430a-902c-f20af696537c"
    assert op.status is OperationStatus.COMPLETED
    assert op.result_info is not None
    assert (op.result_info.code, op.result_info.subcode) == (200, 8515)
    assert op.completion_reason is CompletionReason.MAX_RECORD_DURATION_REACHED
    assert op.recording_name == "17e3b46c-f61d-4f4d-9635-c626ef18e6ad"
    assert op.recording_access_token is not None
    assert op.recording_access_token.get_secret_value() == "<access-token>"
    assert payload.value[0].change_type == "deleted"
    assert op.model_extra is not None and op.model_extra["@odata.etag"] == 'W/"54451"'


@pytest.mark.parametrize(
    ("quirk", "check"),
    [
        ({"chunkDuration": "15000"}, lambda m: m.chunk_duration_ms == 15000),
        ({"chunkDuration": 15000.5}, lambda m: m.chunk_duration_ms == 15000.5),
        ({"chunkIndex": 3.0}, lambda m: m.chunk_index == 3),
        ({"chunkIndex": "2"}, lambda m: m.chunk_index == 2),
        ({"chunkStartTime": "2026-01-05T10:00:00Z"}, lambda m: m.chunk_start_time.microsecond == 0),
        (
            {"chunkStartTime": "2026-01-05T11:00:00.5+01:00"},
            lambda m: (
                m.chunk_start_time == datetime(2026, 1, 5, 10, 0, 0, 500000, tzinfo=timezone.utc)
            ),
        ),
        ({"pauseResumeIntervals": None}, lambda m: m.pause_resume_intervals == ()),
        ({"recordingInfo": None}, lambda m: m.recording_info.channel_type is None),
        ({"futureField": {"x": 1}}, lambda m: m.model_extra == {"futureField": {"x": 1}}),
    ],
)
def test_metadata_quirks_parse(quirk: dict[str, object], check: object) -> None:
    doc = {**meta(), **quirk}
    m = parse_chunk_metadata(doc)
    assert callable(check) and check(m)


def test_string_numbers_and_float_ints_inside_nested_parts() -> None:
    doc = meta()
    doc["recordingInfo"]["audioConfiguration"] = {
        "sampleRate": "16000",
        "bitRate": "256000.0",
        "channels": 2.0,
    }
    doc["participants"][1]["channel"] = "1"
    doc["pauseResumeIntervals"] = [{"startTime": "2026-01-05T10:00:00.5000000Z", "duration": "250"}]
    m = parse_chunk_metadata(doc)
    assert m.sample_rate == 16000 and m.declared_channels == 2
    assert m.participants[1].channel == 1
    assert m.pause_resume_intervals[0].duration_ms == 250


def test_swapped_types_in_any_case_are_put_back() -> None:
    doc = meta()
    doc["recordingInfo"]["contentType"] = "Unmixed"
    doc["recordingInfo"]["channelType"] = "Audio"
    info = parse_chunk_metadata(doc).recording_info
    assert info.types_swapped
    assert info.channel_type is ChannelType.UNMIXED and info.content_type is ContentType.AUDIO


def test_missing_optional_parts() -> None:
    doc = meta(participants=[("a", None)])
    for key in (
        "resourceId",
        "chunkDocumentId",
        "pauseResumeIntervals",
        "recordingInfo",
        "participants",
    ):
        doc.pop(key)
    m = parse_chunk_metadata(doc)
    assert m.chunk_document_id is None and m.sample_rate is None and m.participants == ()
    assert m.recording_info.video_configuration is None


def test_model_is_frozen() -> None:
    m = parse_chunk_metadata(meta())
    with pytest.raises(Exception, match="frozen"):
        m.chunk_index = 5  # type: ignore[misc]


def test_serialises_back_to_camel_case() -> None:
    m = parse_chunk_metadata(meta())
    out = json.loads(m.model_dump_json(by_alias=True))
    assert out["chunkDuration"] == 2000 and out["chunkIndex"] == 0
    assert out["chunkStartTime"] == "2026-01-05T10:00:00.000000Z"
    assert out["recordingInfo"]["channelType"] == "unmixed"


def test_event_single_object_unknown_values_and_pascal_case() -> None:
    (event,) = load_recording_events(EXAMPLES / "eventgrid-recording-file-status-updated.json")
    raw = json.loads((EXAMPLES / "eventgrid-recording-file-status-updated.json").read_text())[0]
    raw["data"]["sessionEndReason"] = "SomethingNew"
    raw["data"]["recordingStorageInfo"]["recordingChunks"][0]["endReason"] = (
        "chunkMaximumSizeExceeded"
    )
    raw["data"]["recordingChannelType"] = "Unmixed"
    raw["data"]["recordingFormatType"] = "WAV"
    (parsed,) = parse_recording_events(raw)
    assert parsed.data.session_end_reason == "SomethingNew"
    assert not isinstance(parsed.data.session_end_reason, SessionEndReason)
    assert parsed.chunks[0].end_reason is ChunkEndReason.CHUNK_MAXIMUM_SIZE_EXCEEDED
    assert parsed.data.recording_channel_type is ChannelType.UNMIXED
    assert parsed.data.recording_format_type is MediaFormat.WAV
    assert event.data.recording_start_time is not None


def test_older_event_without_new_fields() -> None:
    raw = json.loads((EXAMPLES / "eventgrid-recording-file-status-updated.json").read_text())
    for key in ("recordingContentType", "recordingChannelType", "recordingFormatType"):
        raw[0]["data"].pop(key)
    raw[0]["data"]["recordingStorageInfo"]["recordingChunks"][0].pop("deleteLocation")
    (event,) = parse_recording_events(raw)
    assert event.data.recording_channel_type is None
    assert event.chunks[0].delete_location is None


def test_event_array_skips_other_event_types() -> None:
    raw = json.loads((EXAMPLES / "eventgrid-recording-file-status-updated.json").read_text())
    raw.insert(
        0,
        {
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "data": {"validationCode": "x"},
        },
    )
    events = parse_recording_events(raw)
    assert len(events) == 1 and events[0].chunks[0].index == 0


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("/recording/call/C1/recordingId/R1", {"callId": "C1", "recordingId": "R1"}),
        (
            "/recording/call/C1/serverCallId/S1/recordingId/R1",
            {"callId": "C1", "serverCallId": "S1", "recordingId": "R1"},
        ),
        ("/recording/call/C1/serverCallId/S1", {"callId": "C1", "serverCallId": "S1"}),
        ("", {}),
    ],
)
def test_subject_parsing(subject: str, expected: dict[str, str]) -> None:
    assert parse_subject(subject) == expected


@pytest.mark.parametrize(("subcode", "reason"), sorted(SUBCODE_REASONS.items()))
def test_every_subcode_names_its_reason(subcode: int, reason: CompletionReason) -> None:
    raw = json.loads((EXAMPLES / "graph-record-operation-completed.json").read_text())
    raw["value"][0]["resourceData"]["resultInfo"]["subcode"] = subcode
    (op,) = parse_notifications(raw).record_operations
    assert op.completion_reason is reason


def test_subcode_names_cover_the_documented_range() -> None:
    assert set(SUBCODE_REASONS) == {*range(8508, 8516), 8588}
    assert SUBCODE_REASONS[8508] is CompletionReason.OPERATION_CANCELED
    assert SUBCODE_REASONS[8514] is CompletionReason.STOP_TONE_DETECTED


def test_completion_reason_field_wins_and_unknown_is_kept() -> None:
    raw = json.loads((EXAMPLES / "graph-record-operation-completed.json").read_text())
    raw["value"][0]["resourceData"]["completionReason"] = "stopToneDetected"
    (op,) = parse_notifications(raw).record_operations
    assert op.completion_reason is CompletionReason.STOP_TONE_DETECTED
    raw["value"][0]["resourceData"]["completionReason"] = "brandNewReason"
    (op,) = parse_notifications(raw).record_operations
    assert op.completion_reason == "brandNewReason"


def test_notification_shapes_single_and_bare_operation() -> None:
    raw = json.loads((EXAMPLES / "graph-record-operation-completed.json").read_text())
    single = raw["value"][0]
    assert (
        parse_notifications(single).record_operations[0].id
        == "0fe0623f-d628-42ed-b4bd-8ac290072cc5"
    )
    bare = single["resourceData"]
    assert parse_notifications(bare).record_operations[0].status is OperationStatus.COMPLETED
    assert parse_notifications([single, single]).record_operations[1].id is not None
    other = copy.deepcopy(raw)
    other["value"][0]["resourceData"] = {
        "@odata.type": "#microsoft.graph.playPromptOperation",
        "id": "p",
    }
    assert parse_notifications(other).record_operations == ()
    assert parse_notifications(other).value[0].resource_data == {
        "@odata.type": "#microsoft.graph.playPromptOperation",
        "id": "p",
    }


TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOi.secret-token-value"


def _with_token(token: str) -> dict[str, object]:
    raw = json.loads((EXAMPLES / "graph-record-operation-completed.json").read_text())
    raw["value"][0]["resourceData"]["recordingAccessToken"] = token
    return raw


def test_token_is_masked_in_every_rendering() -> None:
    payload = parse_notifications(_with_token(TOKEN))
    (op,) = payload.record_operations
    renderings = [
        repr(op),
        str(op),
        repr(payload),
        str(payload),
        op.model_dump_json(),
        op.model_dump_json(by_alias=True),
        payload.model_dump_json(),
        json.dumps(op.model_dump(mode="json")),
        str(op.model_dump()),
        str(payload.model_dump()),
        f"{op}",
        f"{op!r}",
    ]
    for text in renderings:
        assert TOKEN not in text
    assert "**********" in op.model_dump_json()
    assert op.recording_access_token is not None
    assert op.recording_access_token.get_secret_value() == TOKEN


def test_token_never_in_validation_errors() -> None:
    raw = _with_token(TOKEN)
    raw["value"][0]["resourceData"]["status"] = 7  # an invalid field beside the token
    raw["value"][0]["resourceData"]["resultInfo"] = "not an object"
    with pytest.raises(MetadataError) as info:
        parse_notifications(raw, file="n.json")
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    bad = _with_token(TOKEN)
    bad["value"][0]["resourceData"]["recordingAccessToken"] = {"nested": TOKEN}
    with pytest.raises(MetadataError) as info2:
        parse_notifications(bad, file="n.json")
    assert TOKEN not in str(info2.value)
    assert "recordingAccessToken" in info2.value.path


@given(
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/=", min_size=1
    )
)
def test_any_token_is_masked(body: str) -> None:
    token = f"Tk{body}kT"  # bracketed so it cannot occur by chance in the rest of the payload
    payload = parse_notifications(_with_token(token))
    (op,) = payload.record_operations
    for text in (
        repr(op),
        str(payload),
        op.model_dump_json(),
        json.dumps(op.model_dump(mode="json")),
    ):
        assert token not in text


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("acs-metadata-mixed-mp4-2021-docsample.json", "chunk_metadata"),
        ("acs-metadata-mixed-mp4-2022.json", "chunk_metadata"),
        ("eventgrid-recording-file-status-updated.json", "recording_event"),
        ("cloudevents-recording-file-status-updated.json", "recording_event"),
        ("graph-record-operation-completed.json", "graph_notification"),
    ],
)
def test_classify_examples(name: str, kind: str) -> None:
    assert classify_json(read_json(EXAMPLES / name)) == kind


def test_classify_unknown() -> None:
    assert classify_json({"hello": 1}) == "unknown"
    assert classify_json([1, 2]) == "unknown"
    assert classify_json("text") == "unknown"
