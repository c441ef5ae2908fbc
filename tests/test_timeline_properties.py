"""Property tests of the timeline over random chunk/pause layouts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from callrec.acs import parse_chunk_metadata
from callrec.acs.recording import ChunkSource, build_recording
from callrec.acs.timeline import ChunkLayout, PauseReading, Timeline, build_chunk_timeline
from callrec.audio.probe import MediaInfo
from callrec.timebase import format_instant

from .conftest import meta

RATES = st.sampled_from([8000, 16000, 44100, 48000])


@st.composite
def layouts(draw: st.DrawFn) -> tuple[int, list[ChunkLayout]]:
    """Non-overlapping chunks with pauses inside them, media exact or off by a little."""
    rate = draw(RATES)
    chunks: list[ChunkLayout] = []
    cursor = draw(st.integers(0, 2_000_000))
    for index in range(draw(st.integers(1, 4))):
        duration = draw(st.integers(1_000, 5_000_000))
        n_pauses = draw(st.integers(0, 3))
        cuts = sorted(
            draw(st.lists(st.integers(0, duration), min_size=2 * n_pauses, max_size=2 * n_pauses))
        )
        pauses = tuple(
            (cursor + a, b - a) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if b > a
        )
        pause_us = sum(d for _, d in pauses)
        media_us = duration - pause_us
        media = draw(
            st.one_of(
                st.none(),
                st.integers(max(0, media_us - 40_000), media_us + 40_000).map(
                    lambda us: us * rate // 1_000_000
                ),
            )
        )
        chunks.append(ChunkLayout(index, cursor, duration, pauses, media))
        # the next chunk starts after this one's longest possible span
        cursor += duration + pause_us + 50_000 + draw(st.integers(0, 1_000_000))
    return rate, chunks


def _build(rate: int, chunks: list[ChunkLayout]) -> Timeline:
    built = [
        build_chunk_timeline(c, sample_rate=rate, forced=PauseReading.INCLUDES_PAUSES)[0]
        for c in chunks
    ]
    return Timeline(datetime(2026, 1, 1, tzinfo=timezone.utc), rate, tuple(built))


@settings(max_examples=200, deadline=None)
@given(layouts())
def test_tiles_cover_the_recording_exactly(case: tuple[int, list[ChunkLayout]]) -> None:
    rate, chunks = case
    tl = _build(rate, chunks)
    tiles = tl.tiles()
    cursor = 0
    for tile in tiles:
        assert tile.start == cursor and tile.stop > tile.start
        cursor = tile.stop
    assert cursor == tl.length
    media = sum(t.stop - t.start for t in tiles if t.kind == "media")
    assert media == sum(c.media_frames for c in tl.chunks)


@settings(max_examples=200, deadline=None)
@given(layouts(), st.data())
def test_media_track_and_wall_clock_round_trip(
    case: tuple[int, list[ChunkLayout]], data: st.DataObject
) -> None:
    rate, chunks = case
    tl = _build(rate, chunks)
    for chunk in tl.chunks:
        if chunk.media_frames == 0:
            continue
        frames = data.draw(st.lists(st.integers(0, chunk.media_frames - 1), min_size=1, max_size=5))
        for frame in [0, chunk.media_frames - 1, *frames]:
            sample = tl.media_to_track(chunk.index, frame)
            assert chunk.start <= sample < max(chunk.stop, chunk.start + 1)
            assert tl.track_to_media(sample) == (chunk.index, frame)
            assert tl.time_to_media(tl.media_to_time(chunk.index, frame)) == (chunk.index, frame)
            assert tl.time_to_track(tl.track_to_time(sample)) == sample


@settings(max_examples=200, deadline=None)
@given(layouts())
def test_media_frames_are_consecutive_and_in_order(case: tuple[int, list[ChunkLayout]]) -> None:
    rate, chunks = case
    for c in _build(rate, chunks).chunks:
        position = 0
        previous_stop = c.start
        for span in c.media_spans:
            assert span.media_start == position and span.track_start >= previous_stop
            position, previous_stop = span.media_stop, span.track_stop
        assert position == c.media_frames


PEOPLE = [f"8:acs:p{i}" for i in range(7)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 5),
            st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 4)), max_size=6),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_channel_maps_never_assign_a_channel_twice(
    chunk_specs: list[tuple[int, list[tuple[str, int]]]],
) -> None:
    from callrec.errors import ChannelConflictError

    sources = []
    for index, (channels, people) in enumerate(chunk_specs):
        document = meta(
            index,
            start=format_instant(datetime(2026, 1, 1, 0, 0, index * 3, tzinfo=timezone.utc)),
            participants=list(people),
            channels=channels,
        )
        info = MediaInfo(
            path=__import__("pathlib").Path(f"c{index}.wav"),
            container="wav",
            codec="PCM_16",
            frames=32000,
            channels=channels,
            sample_rate=16000,
        )
        sources.append(ChunkSource(parse_chunk_metadata(document), media=info))
    try:
        rec = build_recording(sources)
    except ChannelConflictError as exc:
        # only refused when the input really assigns a channel twice or one that does not exist
        bad = False
        for channels, people in chunk_specs:
            owners: dict[int, str] = {}
            seats: dict[str, int] = {}
            for pid, ch in people:
                bad |= ch >= channels or owners.get(ch, pid) != pid or seats.get(pid, ch) != ch
                owners[ch] = pid
                seats[pid] = ch
        assert bad, str(exc)
        return
    for chunk in rec.chunks:
        mapping = chunk.channel_map.participants
        assert len(set(mapping.values())) == len(mapping)  # one channel per participant
        assert all(0 <= ch < chunk.channel_map.channels for ch in mapping)  # type: ignore[operator]
        for pid, ch in chunk_specs[chunk.index][1]:
            assert mapping[ch] == pid


# --- hostile numbers: a typed error or a sound timeline, never a crash -------------------------

_BASE = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
_LIMITS_MS = [0, 1, 4 * 3_600_000, 5 * 3_600_000, 5 * 3_600_000 + 1, 24 * 3_600_000 + 1]
_HOSTILE_MS = st.one_of(
    st.sampled_from([1.7976931348623157e308, 3.4e38, 6.2e16, 1e12, 2e7, -1, *_LIMITS_MS]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
)


def _iso(moment: datetime, offset_minutes: int) -> str:
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond:06d}0"
        f"{sign}{hours:02d}:{minutes:02d}"
    )


_INSTANTS = st.one_of(
    st.integers(0, 3_600_000_000).map(
        lambda us: format_instant(_BASE + timedelta(microseconds=us))
    ),
    st.integers(0, 10**17).map(lambda us: format_instant(_BASE + timedelta(microseconds=us))),
    st.builds(
        _iso,
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
        st.integers(-23 * 60 - 59, 23 * 60 + 59),
    ),
    st.sampled_from(
        [
            "9999-12-31T23:59:59.9999999Z",
            "0001-01-01T00:08:00+14:00",
            "0001-01-01T01:00:00+23:59",
            "2099-12-31T23:59:59.9999999Z",
            "2000-01-01T00:00:00Z",
        ]
    ),
)
_HOSTILE_INDEXES = st.integers(-5, 10**19)
_HOSTILE_RATES = st.sampled_from([1, 100, 7999, 384_001, 10**7])
_HOSTILE_FRAMES = st.integers(0, 2**62)


@st.composite
def _hostile_chunks(draw: st.DrawFn) -> list[tuple[dict[str, object], MediaInfo | None]]:
    """Up to four chunks; in half of the examples every number is plausible (so that the
    invariants get exercised), in the other half each one is hostile one time in three."""
    wild = draw(st.booleans())

    def pick(plausible: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> Any:
        return draw(hostile) if wild and draw(st.integers(0, 2)) == 0 else draw(plausible)

    rate = draw(st.sampled_from([8000, 16000, 48000]))
    chunks = []
    indexes = sorted(draw(st.lists(st.integers(0, 6), min_size=1, max_size=4, unique=True)))
    for slot, index in enumerate(indexes):
        # Plausible chunks sit 15 minutes apart and span at most 12: overlaps come from
        # hostile starts only, so the tiling and round trips are checked on most examples.
        begin = _BASE + timedelta(seconds=900 * slot)
        near = st.integers(0, 120_000_000).map(
            lambda us, at=begin: format_instant(at + timedelta(microseconds=us))
        )
        pauses = [
            (pick(near, _INSTANTS), pick(st.integers(0, 120_000), _HOSTILE_MS))
            for _ in range(draw(st.integers(0, 2)))
        ]
        document = meta(
            0,
            start=pick(near, _INSTANTS),
            duration_ms=pick(st.floats(0, 300_000), _HOSTILE_MS),
            pauses=pauses,
        )
        document["chunkIndex"] = pick(st.just(index), _HOSTILE_INDEXES)
        del document["recordingInfo"]["audioConfiguration"]["sampleRate"]
        media = None
        if draw(st.integers(0, 3)):
            media = MediaInfo(
                path=Path(f"c{index}.wav"),
                container="wav",
                codec="PCM_16",
                frames=pick(st.integers(0, 5 * 60 * rate), _HOSTILE_FRAMES),
                channels=2,
                sample_rate=pick(st.just(rate), _HOSTILE_RATES),
            )
        chunks.append((document, media))
    return chunks


@settings(max_examples=300, deadline=None)
@given(_hostile_chunks())
def test_hostile_metadata_builds_a_sound_timeline_or_fails_typed(
    chunks: list[tuple[dict[str, object], MediaInfo | None]],
) -> None:
    from callrec.errors import CallrecError, RecordingTooLargeError
    from callrec.output.sizes import check_output_size, silence_samples
    from callrec.timebase import to_samples

    try:
        sources = [
            ChunkSource(
                parse_chunk_metadata(document, file=f"c{i}.json"), Path(f"c{i}.json"), media
            )
            for i, (document, media) in enumerate(chunks)
        ]
        rec = build_recording(sources)
    except CallrecError:
        return
    tl = rec.timeline
    assert tl.start <= tl.end  # every sample has a wall-clock instant
    silence, media = silence_samples(rec)
    too_much = silence > max(to_samples(3600.0, rec.sample_rate), 2 * media)
    try:
        check_output_size(rec)
    except RecordingTooLargeError as exc:
        assert too_much and exc.file is not None and exc.field
    else:
        assert not too_much
    if any(w.code == "chunks-overlap" for w in rec.warnings):
        return  # the lower index keeps overlapping time: neither tiling nor round trips hold
    cursor = 0
    for tile in tl.tiles():
        assert tile.start == cursor and tile.stop > tile.start
        cursor = tile.stop
    assert cursor == tl.length
    for chunk in tl.chunks:
        for frame in {0, chunk.media_frames - 1} if chunk.media_frames else ():
            sample = tl.media_to_track(chunk.index, frame)
            assert tl.track_to_media(sample) == (chunk.index, frame)
            assert tl.time_to_track(tl.track_to_time(sample)) == sample


_WIDE = st.one_of(st.integers(-(2**70), 2**70), st.integers(0, 10**9))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([1, 8000, 16000, 10**7]),
    _WIDE,
    _WIDE,
    st.lists(st.tuples(_WIDE, _WIDE), max_size=3),
    st.one_of(st.none(), _WIDE),
)
def test_any_layout_builds_or_fails_typed(
    rate: int,
    start_us: int,
    duration_us: int,
    pauses: list[tuple[int, int]],
    frames: int | None,
) -> None:
    from callrec.errors import CallrecError

    try:
        layout = ChunkLayout(0, start_us, duration_us, tuple(pauses), frames)
        chunk, _ = build_chunk_timeline(layout, sample_rate=rate)
        tl = Timeline(_BASE, rate, (chunk,))
        end = tl.end
    except CallrecError:
        return
    assert end >= tl.start or chunk.start < 0
    cursor = min(0, chunk.start)
    tiles = tl.tiles()
    if chunk.start >= 0:
        for tile in tiles:
            assert tile.start == cursor and tile.stop > tile.start
            cursor = tile.stop
        assert cursor == tl.length
    for frame in {0, chunk.media_frames - 1} if chunk.media_frames else ():
        sample = tl.media_to_track(0, frame)
        assert tl.track_to_media(sample) == (0, frame)
