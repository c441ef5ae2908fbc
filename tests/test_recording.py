"""Assembling a recording from chunks: order, checks, channel maps, gaps, event."""

from __future__ import annotations

from pathlib import Path

import pytest

from callrec import build_recording
from callrec.acs import ChannelType, load_recording_events, parse_chunk_metadata
from callrec.acs.recording import ChunkSource
from callrec.acs.timeline import PauseReading
from callrec.audio.probe import MediaInfo
from callrec.errors import (
    CallMismatchError,
    ChannelConflictError,
    DuplicateChunkError,
    InconsistentSettingsError,
    UsageError,
)

from .conftest import ALICE, BOB, CAROL, EXAMPLES, meta


def src(
    document: dict[str, object],
    frames: int | None = None,
    channels: int = 2,
    rate: int = 16000,
    container: str = "wav",
    name: str | None = None,
) -> ChunkSource:
    m = parse_chunk_metadata(document)
    path = Path(name or f"chunk{m.chunk_index}.json")
    info = (
        None
        if frames is None
        else MediaInfo(path.with_suffix(".wav"), container, "PCM_16", frames, channels, rate)
    )
    return ChunkSource(m, path, info, info.path if info else None)


def two_chunks() -> list[ChunkSource]:
    return [
        src(
            meta(
                1,
                start="2026-01-05T10:00:07.0000000Z",
                duration_ms=5000,
                participants=[(BOB, 0), (ALICE, 1), (CAROL, 2)],
                channels=3,
            ),
            80000,
            channels=3,
        ),
        src(meta(0, duration_ms=7000, pauses=[("2026-01-05T10:00:03.0000000Z", 1500)]), 88000),
    ]


def test_chunks_are_ordered_and_mapped_per_chunk() -> None:
    rec = build_recording(two_chunks())
    assert [c.index for c in rec.chunks] == [0, 1]
    assert rec.participants == (ALICE, BOB, CAROL)
    assert rec.channels_of(BOB) == {0: 1, 1: 0}
    assert rec.channels_of(CAROL) == {0: None, 1: 2}
    assert rec.channel_of(ALICE, 1) == 1
    assert rec.chunks[1].channel_map.participants[2] == CAROL
    assert rec.duration_s == 12.0 and rec.sample_rate == 16000
    assert rec.channel_type is ChannelType.UNMIXED
    assert rec.pause_readings == {0: PauseReading.INCLUDES_PAUSES, 1: PauseReading.INCLUDES_PAUSES}
    assert rec.warnings == () and rec.missing_chunks == ()
    assert rec.timeline.media_to_track(1, 0) == 7 * 16000


def test_recording_is_immutable() -> None:
    rec = build_recording(two_chunks())
    with pytest.raises(AttributeError):
        rec.call_id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        rec.chunks[0].channel_map.participants[5] = "x"  # type: ignore[index]


def test_start_is_earliest_chunk_start_time() -> None:
    chunks = [
        src(meta(0, start="2026-01-05T10:00:01Z")),
        src(meta(1, start="2026-01-05T10:00:00.5Z")),
    ]
    rec = build_recording(chunks)
    assert rec.start.second == 0 and rec.start.microsecond == 500000
    assert rec.chunks[0].timeline.start == 8000
    assert any(w.code == "chunks-overlap" for w in rec.warnings)


def test_duplicate_index_names_both_files() -> None:
    with pytest.raises(DuplicateChunkError) as info:
        build_recording([src(meta(0), name="a.json"), src(meta(0), name="b.json")])
    assert (
        "a.json" in str(info.value)
        and "b.json" in str(info.value)
        and "chunkIndex 0" in str(info.value)
    )


def test_other_call_is_refused() -> None:
    with pytest.raises(CallMismatchError, match="other-call"):
        build_recording(
            [src(meta(0)), src(meta(1, call_id="other-call", start="2026-01-05T10:00:02Z"))]
        )


@pytest.mark.parametrize(
    ("second", "what"),
    [
        (meta(1, start="2026-01-05T10:00:02Z", rate=8000), "sample rate"),
        (meta(1, start="2026-01-05T10:00:02Z", channel_type="mixed"), "channelType"),
        (meta(1, start="2026-01-05T10:00:02Z", fmt="mp3"), "format"),
    ],
)
def test_inconsistent_settings(second: dict[str, object], what: str) -> None:
    with pytest.raises(InconsistentSettingsError, match=what) as info:
        build_recording([src(meta(0)), src(second, name="late.json")])
    assert "late.json" in str(info.value)


def test_media_rate_counts_over_metadata() -> None:
    rec = build_recording([src(meta(0), 16000, rate=8000)])
    assert rec.sample_rate == 8000
    assert [w.code for w in rec.warnings] == [
        "sample-rate-mismatch"
    ]  # 16000 frames at 8 kHz = the 2 s declared


def test_channel_beyond_media_names_participant_and_count() -> None:
    with pytest.raises(ChannelConflictError) as info:
        build_recording([src(meta(0, participants=[(ALICE, 0), (BOB, 2)]), 32000, channels=2)])
    text = str(info.value)
    assert "participants[1].channel" in text and BOB in text and "2 channels" in text


def test_two_participants_on_one_channel_names_both() -> None:
    with pytest.raises(ChannelConflictError) as info:
        build_recording([src(meta(0, participants=[(ALICE, 1), (BOB, 1)]), 32000)])
    assert ALICE in str(info.value) and BOB in str(info.value) and "channel 1" in str(info.value)


def test_one_participant_on_two_channels() -> None:
    with pytest.raises(ChannelConflictError, match="channels 0 and 1"):
        build_recording([src(meta(0, participants=[(ALICE, 0), (ALICE, 1)]), 32000)])


def test_declared_channels_are_used_without_media() -> None:
    with pytest.raises(ChannelConflictError, match="metadata declares 2"):
        build_recording([src(meta(0, participants=[(ALICE, 3)]))])


def test_missing_channel_and_empty_channel_are_reported() -> None:
    rec = build_recording(
        [src(meta(0, participants=[(ALICE, 0), (BOB, None)], channels=3), 32000, channels=3)]
    )
    codes = {w.code: w for w in rec.warnings}
    assert BOB in codes["participant-without-channel"].message
    assert "channels 1, 2 of 3" in codes["channel-without-participant"].message


def test_gap_is_reported() -> None:
    rec = build_recording([src(meta(0)), src(meta(2, start="2026-01-05T10:00:04Z"))])
    assert rec.missing_chunks == (1,)
    assert any(w.code == "missing-chunk" and w.chunk_index == 1 for w in rec.warnings)
    assert [t.kind for t in rec.timeline.tiles()] == ["media", "gap", "media"]


def test_mixed_recording_has_no_channels() -> None:
    m = src(
        meta(0, channel_type="mixed", participants=[(ALICE, None), (BOB, None)], channels=1),
        32000,
        channels=1,
    )
    rec = build_recording([m])
    assert rec.channel_type is ChannelType.MIXED and rec.channels_of(ALICE) == {0: None}
    assert rec.warnings == ()


def test_event_gives_recording_id_end_reasons_and_expected_chunks() -> None:
    (event,) = load_recording_events(EXAMPLES / "eventgrid-recording-file-status-updated.json")
    doc = meta(
        0,
        doc="0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8",
        channel_type="mixed",
        participants=[],
        start="2021-07-27T15:20:23.6089755Z",
        duration_ms=6620,
        fmt="mp3",
    )
    rec = build_recording([src(doc)], event=event)
    assert rec.recording_id == "{recording-id}"
    assert rec.chunks[0].end_reason == "SessionEnded" and rec.session_end_reason == "CallEnded"
    assert {w.code for w in rec.warnings} == {
        "event-call-mismatch"
    }  # the example's subject is a template


def test_event_naming_more_chunks_reports_them_missing() -> None:
    raw = (EXAMPLES / "eventgrid-recording-file-status-updated.json").read_text()
    import json

    from callrec.acs import parse_recording_events

    data = json.loads(raw)
    chunk = dict(
        data[0]["data"]["recordingStorageInfo"]["recordingChunks"][0], index=1, documentId="d1"
    )
    data[0]["data"]["recordingStorageInfo"]["recordingChunks"].append(chunk)
    (event,) = parse_recording_events(data)
    rec = build_recording(
        [src(meta(0, doc="0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8"))], event=event
    )
    assert rec.missing_chunks == (1,)


def test_unknown_sample_rate_is_assumed_with_a_warning() -> None:
    document = meta(0)
    document["recordingInfo"].pop("audioConfiguration")  # type: ignore[attr-defined]
    rec = build_recording([src(document)])
    assert rec.sample_rate == 16000 and rec.warnings[0].code == "sample-rate-assumed"


def test_usage_errors() -> None:
    with pytest.raises(UsageError):
        build_recording([])
    with pytest.raises(UsageError):
        build_recording([src(meta(0))], tolerance_s=-1)
