"""Hostile numbers in metadata, events and media headers: each is a typed error naming the file
and the field, never a crash, and never gigabytes allocated or written first."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from callrec.acs import parse_chunk_metadata, parse_recording_events
from callrec.acs.recording import ChunkSource, build_recording
from callrec.audio.probe import MediaInfo
from callrec.batch import process
from callrec.errors import (
    CallrecError,
    MediaError,
    MetadataError,
    RecordingTooLargeError,
    UsageError,
)
from callrec.output.options import ProcessOptions
from callrec.output.run import process_recording
from callrec.safety.naming import safe_name

from .conftest import ALICE, BOB, EXAMPLES, meta, write_chunk

RATE = 16000


def source(
    document: dict[str, Any],
    frames: int | None = None,
    *,
    channels: int = 2,
    rate: int = RATE,
    folder: Path = Path("calls"),
) -> ChunkSource:
    m = parse_chunk_metadata(document, file=folder / f"chunk{document['chunkIndex']}.json")
    path = folder / f"chunk{m.chunk_index}.json"
    info = (
        None
        if frames is None
        else MediaInfo(path.with_suffix(".wav"), "wav", "PCM_16", frames, channels, rate)
    )
    return ChunkSource(m, path, info, info.path if info else None)


# --- numbers that used to overflow -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"chunkDuration": float("inf")}, "chunkDuration"),
        ({"chunkDuration": float("nan")}, "chunkDuration"),
        ({"chunkDuration": 1e300}, "chunkDuration"),
        ({"chunkDuration": 3.4e38}, "chunkDuration"),
        ({"chunkDuration": 6.2e16}, "chunkDuration"),
        ({"chunkDuration": 1e12}, "chunkDuration"),
        (
            {
                "pauseResumeIntervals": [
                    {"startTime": "2026-01-05T10:00:00.5Z", "duration": 1.7976931348623157e308}
                ]
            },
            "pauseResumeIntervals[0].duration",
        ),
        ({"chunkStartTime": "9999-12-31T23:59:59.9999999Z"}, "chunkStartTime"),
        ({"chunkStartTime": "0001-01-01T00:08:00+14:00"}, "chunkStartTime"),
        ({"chunkStartTime": "1970-01-01T00:00:00Z"}, "chunkStartTime"),
        ({"chunkStartTime": "2100-01-01T00:00:00Z"}, "chunkStartTime"),
        ({"chunkStartTime": "2026-01-05T10:00:00+24:00"}, "chunkStartTime"),
        ({"chunkStartTime": "2026-01-05T10:00:00." + "9" * 100_000 + "Z"}, None),
    ],
)
def test_out_of_range_numbers_are_metadata_errors(change: dict[str, Any], path: str | None) -> None:
    document = {**meta(), **change}
    before = json.dumps(document)
    try:
        m = parse_chunk_metadata(document, file="calls/chunk.json")
        _ = build_recording([ChunkSource(m)]).timeline.end  # what used to overflow
    except MetadataError as exc:
        assert path is not None and exc.path == path
        assert str(exc).startswith(f"calls/chunk.json: field {path}: got ")
        assert len(str(exc)) < 500
    else:
        # a fraction of 100 000 digits is a valid instant, and must not be slow to read
        assert path is None
    assert json.dumps(document) == before  # the input is never modified


def test_an_event_time_out_of_range_names_the_field() -> None:
    raw = json.loads((EXAMPLES / "eventgrid-recording-file-status-updated.json").read_text())
    raw[0]["eventTime"] = "0001-01-01T01:00:00+23:59"
    with pytest.raises(MetadataError) as info:
        parse_recording_events(raw, file="event.json")
    assert info.value.path == "[0].eventTime" and info.value.file == Path("event.json")
    raw[0]["eventTime"] = "2021-07-27T15:20:34Z"
    raw[0]["data"]["recordingDurationMs"] = float("inf")
    with pytest.raises(MetadataError) as info:
        parse_recording_events(raw, file="event.json")
    assert info.value.path == "[0].data.recordingDurationMs"
    raw[0]["data"]["recordingDurationMs"] = 6620
    raw[0]["data"]["recordingStorageInfo"]["recordingChunks"][0]["index"] = 10**18
    with pytest.raises(MetadataError) as info:
        parse_recording_events(raw, file="event.json")
    assert info.value.path == "[0].data.recordingStorageInfo.recordingChunks[0].index"


def test_a_bad_number_never_takes_the_batch_down(tmp_path: Path) -> None:
    tree = tmp_path / "in"
    write_chunk(tree / "good", meta(0, call_id="good"), frames=RATE)
    hostile = {
        "inf": {"chunkDuration": float("inf")},
        "pause": {
            "pauseResumeIntervals": [
                {"startTime": "2026-01-05T10:00:00.5Z", "duration": 1.7976931348623157e308}
            ]
        },
        "late": {"chunkStartTime": "9999-12-31T23:59:59.9999999Z"},
        "early": {"chunkStartTime": "0001-01-01T00:08:00+14:00"},
        "index": {"chunkIndex": 10**18},
        "channels": {"recordingInfo": {"audioConfiguration": {"channels": 10**9}}},
    }
    for name, change in hostile.items():
        write_chunk(tree / name, {**meta(0, call_id=name), **change}, frames=None)
    result = process(tree, tmp_path / "out")
    assert [o.call_id for o in result.outcomes if o.status == "done"] == ["good"]
    problems = {Path(str(p.file)).parent.name: p for p in result.problems}
    assert set(problems) == set(hostile)
    assert all(type(p.error).__name__ == "MetadataError" for p in problems.values())
    assert "chunkDuration" in problems["inf"].message
    errors = json.loads((tmp_path / "out" / "errors.json").read_text())
    assert len(errors["problems"]) == len(hostile)


# --- metadata that would exhaust memory or disk ------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"chunkIndex": 10**18}, "chunkIndex"),
        ({"chunkIndex": 10**7}, "chunkIndex"),
        ({"chunkIndex": 10**6}, "chunkIndex"),
        ({"chunkDuration": 2e7}, "chunkDuration"),
        ({"recordingInfo": {"audioConfiguration": {"channels": 10**9}}}, None),
        ({"participants": [{"participantId": "p", "channel": 10**9}]}, "participants[0].channel"),
    ],
)
def test_sizes_from_metadata_are_bounded(change: dict[str, Any], path: str | None) -> None:
    with pytest.raises(MetadataError) as info:
        parse_chunk_metadata({**meta(), **change}, file="chunk.json")
    assert info.value.path == (path or "recordingInfo.audioConfiguration.channels")


def test_a_million_participants_fail_at_once_without_echoing_them() -> None:
    people = [{"participantId": f"8:acs:p{i}"} for i in range(300_000)]
    started = time.perf_counter()
    with pytest.raises(MetadataError) as info:
        parse_chunk_metadata({**meta(), "participants": people}, file="chunk.json")
    assert time.perf_counter() - started < 5
    assert info.value.path == "participants" and "300_000" in str(info.value)
    assert len(str(info.value)) < 300


def test_a_high_chunk_index_gives_one_finding_per_run_of_missing_chunks() -> None:
    started = time.perf_counter()
    rec = build_recording(
        [
            source(meta(0), 2 * RATE),
            source(meta(10_000, start="2026-01-05T10:00:02Z"), 2 * RATE),
        ]
    )
    assert time.perf_counter() - started < 2
    assert rec.missing_chunks == tuple(range(1, 10_000))
    missing = [w for w in rec.warnings if w.code == "missing-chunk"]
    assert len(missing) == 1 and "chunks 1 to 9999 are missing" in missing[0].message


def test_a_chunk_far_longer_than_its_media_fails_before_writing(tmp_path: Path) -> None:
    # 1.5 hours declared on 5 seconds of media: 170 MB of silence per track, before
    doc = meta(0, duration_ms=1.5 * 3_600_000, channel_type="mixed", channels=1)
    json_path, _ = write_chunk(
        tmp_path / "in", doc, frames=5 * RATE, json_name="chunk0.json", media_name="chunk0.wav"
    )
    rec = build_recording([source(doc, 5 * RATE, channels=1, folder=tmp_path / "in")])
    out = tmp_path / "out"
    with pytest.raises(RecordingTooLargeError) as info:
        process_recording(rec, out)
    assert info.value.field == "chunkDuration" and info.value.chunk_index == 0
    assert info.value.file == json_path
    assert "chunkDuration 5400000 ms" in str(info.value) and "max_gap_s" in str(info.value)
    assert not out.exists()


def test_a_chunk_a_day_after_the_first_fails_unless_allowed(tmp_path: Path) -> None:
    from callrec.output.sizes import check_output_size

    rec = build_recording(
        [
            source(meta(0, duration_ms=5000), 5 * RATE),
            source(meta(1, start="2026-01-06T10:00:00Z", duration_ms=5000), 5 * RATE),
        ]
    )
    out = tmp_path / "out"
    with pytest.raises(RecordingTooLargeError) as info:
        process_recording(rec, out)
    err = info.value
    assert err.field == "chunkStartTime" and err.chunk_index == 1
    assert err.file == Path("calls/chunk1.json") and "24.00 h" in str(err)
    assert not out.exists()
    # a call really interrupted for a day: the caller says so
    check_output_size(rec, max_gap_s=25 * 3600)
    assert ProcessOptions(max_gap_s=25 * 3600).max_gap_s == 90_000
    # compact tracks hold no gap: nothing to refuse
    check_output_size(rec, layout="compact")


def test_a_long_chunk_whose_media_is_lost_is_lost_audio_not_asked_for_silence(
    tmp_path: Path,
) -> None:
    """One rule for lost audio: a 2 h chunk whose media is missing (or empty, or undecodable)
    is processed as incomplete, whatever max_gap_s; its span is held by chunkDuration's bound."""
    from callrec.output.sizes import check_output_size, silence_samples

    rec = build_recording([source(meta(0, duration_ms=2 * 3_600_000))])
    check_output_size(rec)
    assert silence_samples(rec) == (0, 0)
    paused = build_recording(
        [source(meta(0, duration_ms=3 * 3_600_000, pauses=[("2026-01-05T10:00:00Z", 7_200_000)]))]
    )
    # Its pauses are still silence the metadata asked for.
    with pytest.raises(RecordingTooLargeError) as info:
        check_output_size(paused)
    assert info.value.field == "pauseResumeIntervals"


def test_options_refuse_a_bad_max_gap() -> None:
    for bad in (-1.0, float("inf"), float("nan")):
        with pytest.raises(UsageError, match="max_gap_s"):
            ProcessOptions(max_gap_s=bad)
    with pytest.raises(UsageError, match="tolerance_s"):
        build_recording([source(meta(0))], tolerance_s=float("inf"))


def test_distinct_participants_of_an_unmixed_recording_are_bounded() -> None:
    chunks = [
        source(
            meta(
                i,
                start=f"2026-01-05T10:00:{2 * i:02d}Z",
                participants=[(ALICE, 0), (BOB, 1)]
                + [(f"8:acs:x{i}-{j}", None) for j in range(100)],
            ),
            2 * RATE,
        )
        for i in range(3)
    ]
    with pytest.raises(RecordingTooLargeError) as info:
        build_recording(chunks)
    assert info.value.field.startswith("participants[") and info.value.chunk_index == 2
    assert info.value.file == Path("calls/chunk2.json")


@pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE")
def test_track_files_open_at_once_are_checked_before_writing(tmp_path: Path) -> None:
    import resource

    people = [(ALICE, 0), (BOB, 1)] + [(f"8:acs:p{j}", None) for j in range(118)]
    write_chunk(
        tmp_path / "in",
        meta(0, participants=people),
        frames=RATE,
        json_name="chunk0.json",
        media_name="chunk0.wav",
    )
    rec = build_recording([source(meta(0, participants=people), RATE, folder=tmp_path / "in")])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # 120 tracks open at once where 100 files may be: "Too many open files" half way, before
    resource.setrlimit(resource.RLIMIT_NOFILE, (100, hard))
    try:
        with pytest.raises(RecordingTooLargeError, match="ulimit -n") as info:
            process_recording(rec, tmp_path / "out")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert info.value.field == "participants[36]" and info.value.chunk_index == 0
    assert not (tmp_path / "out").exists()


# --- the output folder of a recording ----------------------------------------------------------


def test_a_call_id_named_like_a_run_file_never_takes_its_place(tmp_path: Path) -> None:
    tree = tmp_path / "in"
    write_chunk(tree / "a", meta(0, call_id="errors.json"), frames=RATE)
    write_chunk(tree / "b", meta(0, call_id="ERRORS.JSON"), frames=RATE)
    out = tmp_path / "out"
    result = process(tree, out)
    assert result.ok and len(result.outcomes) == 2
    assert (out / "errors.json").is_file()
    assert all(o.folder.casefold() != "errors.json" for o in result.outcomes)
    assert safe_name("Errors.Json").startswith("Errors.Json~")


# --- sample rates, channels and lengths from media headers --------------------------------------


@pytest.mark.parametrize("rate", [0, -16000, 1, 100, 7999, 384_001, 10**12])
def test_an_absurd_declared_sample_rate_names_the_field(rate: int) -> None:
    doc = meta()
    doc["recordingInfo"]["audioConfiguration"]["sampleRate"] = rate
    with pytest.raises(MetadataError) as info:
        parse_chunk_metadata(doc, file="chunk.json")
    assert info.value.path == "recordingInfo.audioConfiguration.sampleRate"


@pytest.mark.parametrize(
    ("frames", "channels", "rate", "said"),
    [
        (5, 2, 1, "sample rate 1 Hz"),
        (500, 2, 100, "sample rate 100 Hz"),
        (RATE, 2, 400_000, "sample rate 400000 Hz"),
        (RATE, 0, RATE, "channels 0"),
        (RATE, 65_535, RATE, "channels 65535"),
        (2**40, 2, RATE, "frames 1099511627776"),
    ],
)
def test_an_absurd_media_header_names_the_file_and_field(
    frames: int, channels: int, rate: int, said: str
) -> None:
    doc = meta()
    del doc["recordingInfo"]["audioConfiguration"]["sampleRate"]
    with pytest.raises(MediaError) as info:
        build_recording([source(doc, frames, channels=channels, rate=rate)])
    assert info.value.file == Path("calls/chunk0.wav") and said in str(info.value)
    assert isinstance(info.value, CallrecError)
