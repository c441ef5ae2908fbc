"""Known-answer tests of the timeline: chunk placement, pause readings and their warnings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from callrec.acs.timeline import (
    ChunkLayout,
    MediaSpan,
    PauseReading,
    Timeline,
    build_chunk_timeline,
)
from callrec.errors import UsageError
from callrec.timebase import parse_instant, samples_to_timedelta, to_samples

RATE = 16000
S = 1_000_000  # microseconds per second


def test_to_samples_rounds_halves_up_and_uses_microseconds() -> None:
    assert to_samples(0.1, RATE) == 1600
    assert to_samples(timedelta(microseconds=31), RATE) == 0  # 0.496 samples
    assert to_samples(timedelta(microseconds=32), RATE) == 1  # 0.512 samples
    assert to_samples(timedelta(microseconds=50), 10_000) == 1  # exactly half a sample: up
    assert to_samples(timedelta(microseconds=-50), 10_000) == 0  # halves go up, also below zero
    assert to_samples(timedelta(microseconds=125), 8000) == 1  # 1.0
    assert to_samples(-0.1, RATE) == -1600
    with pytest.raises(UsageError):
        to_samples(1.0, 0)


def test_samples_round_trip_through_time() -> None:
    for n in (0, 1, 7, 15999, 16001, 230_400_000):
        assert to_samples(samples_to_timedelta(n, RATE), RATE) == n


def test_instant_parsing_rounds_seventh_digit() -> None:
    assert parse_instant("2021-03-24T18:52:14.1321395Z").microsecond == 132140
    assert parse_instant("2021-03-24T18:52:14.1321394Z").microsecond == 132139
    assert parse_instant("2021-03-24T18:52:59.9999995Z") == datetime(
        2021, 3, 24, 18, 53, tzinfo=timezone.utc
    )
    with pytest.raises(ValueError):
        parse_instant("24/03/2021")


def test_chunk_without_pauses_matches_media() -> None:
    tl, findings = build_chunk_timeline(ChunkLayout(0, 0, 2 * S, (), 32000), sample_rate=RATE)
    assert (tl.start, tl.stop) == (0, 32000)
    assert tl.media_spans == (MediaSpan(0, 0, 32000),)
    assert tl.reading_source == "no_pauses" and findings == []


def test_pause_inside_chunk_duration_is_detected_from_media() -> None:
    # 7 s chunk with a 1.5 s pause at 3 s; media holds 5.5 s -> chunkDuration included the pause
    layout = ChunkLayout(0, 0, 7 * S, ((3 * S, 1_500_000),), 88000)
    tl, findings = build_chunk_timeline(layout, sample_rate=RATE)
    assert tl.pause_reading is PauseReading.INCLUDES_PAUSES and tl.reading_source == "media"
    assert (tl.start, tl.stop) == (0, 112000)
    assert tl.pauses == ((48000, 72000),)
    assert tl.media_spans == (MediaSpan(0, 0, 48000), MediaSpan(48000, 72000, 40000))
    assert findings == []


def test_pause_outside_chunk_duration_is_detected_from_media() -> None:
    # media holds the full 7 s -> chunkDuration counted recorded time only; span is 8.5 s
    layout = ChunkLayout(0, 0, 7 * S, ((3 * S, 1_500_000),), 112000)
    tl, findings = build_chunk_timeline(layout, sample_rate=RATE)
    assert tl.pause_reading is PauseReading.EXCLUDES_PAUSES
    assert (tl.start, tl.stop) == (0, 136000)
    assert tl.media_spans == (MediaSpan(0, 0, 48000), MediaSpan(48000, 72000, 64000))
    assert findings == []


def test_media_within_tolerance_is_quiet_and_beyond_it_warns() -> None:
    near = ChunkLayout(2, 0, 7 * S, ((3 * S, 1_500_000),), 88000 + 640)  # +40 ms
    _, quiet = build_chunk_timeline(near, sample_rate=RATE)
    assert quiet == []
    far = ChunkLayout(2, 0, 7 * S, ((3 * S, 1_500_000),), 88000 + 3200)  # +200 ms
    tl, findings = build_chunk_timeline(far, sample_rate=RATE)
    (finding,) = findings
    assert finding.code == "media-length-mismatch" and finding.chunk_index == 2
    assert (
        "chunk 2" in finding.message
        and "5.700 s" in finding.message
        and "5.500 s" in finding.message
    )
    assert "7000 ms" in finding.message and "+200 ms" in finding.message
    # the real media is what gets placed: the last span grows by 3200 frames
    assert tl.media_spans[-1] == MediaSpan(48000, 72000, 40000 + 3200)
    assert tl.stop == 112000 + 3200


def test_media_shorter_than_metadata_leaves_a_tail_without_media() -> None:
    layout = ChunkLayout(0, 0, 4 * S, (), 48000)  # 3 s of media for a 4 s chunk
    tl, findings = build_chunk_timeline(layout, sample_rate=RATE)
    assert tl.stop == 64000 and tl.media_spans == (MediaSpan(0, 0, 48000),)
    assert findings[0].code == "media-length-mismatch" and "-1000 ms" in findings[0].message


def test_extra_media_after_a_trailing_pause_follows_the_chunk() -> None:
    layout = ChunkLayout(0, 0, 4 * S, ((3 * S, S),), 48000 + 8000)
    tl, _ = build_chunk_timeline(layout, sample_rate=RATE, forced=PauseReading.INCLUDES_PAUSES)
    assert tl.pauses == ((48000, 64000),)
    assert tl.media_spans == (MediaSpan(0, 0, 48000), MediaSpan(48000, 64000, 8000))
    assert all(
        not (a < s.track_stop and s.track_start < b) for s in tl.media_spans for a, b in tl.pauses
    )


def test_forced_reading_wins_but_still_warns() -> None:
    layout = ChunkLayout(0, 0, 7 * S, ((3 * S, 1_500_000),), 88000)
    tl, findings = build_chunk_timeline(
        layout, sample_rate=RATE, forced=PauseReading.EXCLUDES_PAUSES
    )
    assert tl.pause_reading is PauseReading.EXCLUDES_PAUSES and tl.reading_source == "forced"
    assert findings and findings[0].code == "media-length-mismatch"


def test_without_media_the_next_chunk_decides_or_default() -> None:
    layout = ChunkLayout(0, 0, 7 * S, ((3 * S, 1_500_000),), None)
    tl, _ = build_chunk_timeline(layout, sample_rate=RATE, next_start_us=8_500_000)
    assert (tl.pause_reading, tl.reading_source) == (PauseReading.EXCLUDES_PAUSES, "next_chunk")
    tl, _ = build_chunk_timeline(layout, sample_rate=RATE, next_start_us=7_010_000)
    assert (tl.pause_reading, tl.reading_source) == (PauseReading.INCLUDES_PAUSES, "next_chunk")
    tl, _ = build_chunk_timeline(layout, sample_rate=RATE, next_start_us=30 * S)
    assert (tl.pause_reading, tl.reading_source) == (PauseReading.INCLUDES_PAUSES, "default")
    assert tl.media_frames == 88000 and not tl.media_frames_known


def test_pauses_outside_or_overlapping_are_reported() -> None:
    layout = ChunkLayout(
        4, S, 5 * S, ((0, 500_000), (5 * S, 2 * S), (2 * S, S), (2_500_000, S)), None
    )
    tl, findings = build_chunk_timeline(
        layout, sample_rate=RATE, forced=PauseReading.INCLUDES_PAUSES
    )
    codes = [f.code for f in findings]
    assert codes.count("pause-outside-chunk") == 2 and codes.count("overlapping-pauses") == 1
    assert all(f.chunk_index == 4 for f in findings)
    # kept: 2.0-3.5 s (merged) and 5.0-6.0 s (clipped to the chunk's end)
    assert tl.pauses == ((32000, 56000), (80000, 96000))


def _timeline() -> Timeline:
    start = datetime(2026, 1, 5, 10, tzinfo=timezone.utc)
    c0, _ = build_chunk_timeline(
        ChunkLayout(0, 0, 7 * S, ((3 * S, 1_500_000),), 88000), sample_rate=RATE
    )
    c1, _ = build_chunk_timeline(ChunkLayout(1, 8 * S, 2 * S, (), 32000), sample_rate=RATE)
    return Timeline(start, RATE, (c0, c1))


def test_mappings_known_answers() -> None:
    tl = _timeline()
    assert tl.length == 160000 and tl.duration_s == 10.0
    assert tl.media_to_track(0, 47999) == 47999
    assert tl.media_to_track(0, 48000) == 72000  # first frame after the pause
    assert tl.media_to_track(1, 0) == 128000
    assert tl.track_to_media(72000) == (0, 48000)
    assert tl.track_to_media(50000) is None  # paused
    assert tl.track_to_media(115000) is None  # gap between chunks
    assert tl.media_to_time(1, 16000) == datetime(2026, 1, 5, 10, 0, 9, tzinfo=timezone.utc)
    assert tl.time_to_media(datetime(2026, 1, 5, 10, 0, 4, 500000, tzinfo=timezone.utc)) == (
        0,
        48000,
    )
    assert tl.time_to_track(tl.start - timedelta(seconds=1)) == -16000
    kinds = [(t.kind, t.start, t.stop, t.chunk_index) for t in tl.tiles()]
    assert kinds == [
        ("media", 0, 48000, 0),
        ("pause", 48000, 72000, 0),
        ("media", 72000, 112000, 0),
        ("gap", 112000, 128000, None),
        ("media", 128000, 160000, 1),
    ]


def test_mapping_errors() -> None:
    tl = _timeline()
    with pytest.raises(UsageError, match="outside chunk 0"):
        tl.media_to_track(0, 88000)
    with pytest.raises(UsageError, match="no chunk with index 7"):
        tl.media_to_track(7, 0)
