"""Property tests of the timeline over random chunk/pause layouts."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from callrec.audio.probe import MediaInfo
from callrec.models import parse_chunk_metadata
from callrec.recording import ChunkSource, build_recording
from callrec.timebase import format_instant
from callrec.timeline import ChunkLayout, PauseReading, Timeline, build_chunk_timeline

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
