"""Speech activity restarts at every pause, gap and chunk join.

One recording whose truth is known, processed end to end. Each person's "speech" is band-limited
noise switched on and off on exact samples, over room noise; the recording cut it where it was
paused and between chunks::

    wall (s)  0         1.5025    2.0025            4.0        6.0125          9.0075     11.0075
              |chunk 0 ..|~ pause ~|.................|   gap    |chunk 1 .......|chunk 2 ....|
    ALICE       [A1   )80       120[A2   )  [A3  )100           100[A4  )  [A5  )60 140[A6 )
    BOB               [B1 (talks through the pause) )          50[B2      )

A1 ends 80 ms before the pause and A2 starts 120 ms after it; A3 ends 100 ms before chunk 0 ends
and A4 starts 100 ms after chunk 1 starts (a gap of 2 s lies between); A5 ends 60 ms before the
seamless join of chunks 1 and 2 and A6 starts 140 ms after it; B2 starts 50 ms after chunk 1
starts; the pause cuts B1 in two. On each side the recorded silence is 200 ms, less than the
detector's 300 ms minimum silence, so a detector that carries its state over the cut joins them.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from callrec.batch import open_recording, process
from callrec.output.options import ProcessOptions
from callrec.output.report import Report, load_report
from callrec.output.run import analyze_recording

from .conftest import ALICE, BOB, meta
from .signals import band_noise, to_int16

RATE = 16000
SPEECH_DBFS = -26.0  # RMS of the speech bursts: a usual talking level on a call
NOISE_DBFS = -65.0  # room noise under it, well below the -50 dBFS speech threshold
EDGE_S = 0.020  # how far a reported edge may be from the truth
MIN_SILENCE_S = 0.300  # the detector's default: shorter silences inside a stretch are bridged

Interval = tuple[float, float]

# (start, wall-clock length, pauses as (start, length)), seconds from the recording's start.
# Every time is a whole number of samples; the pause and the seamless join do not fall on the
# detector's 10 ms frame grid of the stream it is fed.
CHUNKS: list[tuple[float, float, list[Interval]]] = [
    (0.0, 4.0, [(1.5025, 0.5)]),
    (6.0125, 2.995, []),
    (9.0075, 2.0, []),
]
# What each person said on the wall clock, some of it while nothing was recorded.
SAID: dict[str, list[Interval]] = {
    ALICE: [
        (0.40, 1.4225),
        (2.1225, 2.90),
        (3.30, 3.90),
        (4.50, 5.50),  # in the gap: never recorded
        (6.1125, 6.80),
        (8.00, 8.9475),
        (9.1475, 10.0),
    ],
    BOB: [(1.10, 2.50), (6.05, 7.50)],
}
END_S = 11.0075
# Known by construction (see the picture): starts in order are A B B A A B A A A, so ALICE takes 3
# turns and BOB 2; A4 starts while B2 is under way and they overlap 0.6875 s (>= 0.5 s), the one
# interruption; B1 over A1 (0.3225 s) and A2 over B1 (0.3775 s) overlap too little to count.
TURNS = {ALICE: 3, BOB: 2}
INTERRUPTIONS = {ALICE: 1, BOB: 0}


def stamp(seconds: float) -> str:
    whole = int(seconds)
    return f"2026-01-05T10:00:{whole:02d}.{round((seconds - whole) * 1e7):07d}Z"


def recorded() -> list[Interval]:
    """The wall-clock stretches of media, in order: chunks minus their pauses."""
    out = []
    for start, length, pauses in CHUNKS:
        cursor = start
        for pause_start, pause_length in pauses:
            out.append((cursor, pause_start))
            cursor = pause_start + pause_length
        out.append((cursor, start + length))
    return out


def merged(intervals: list[Interval], *, bridge: float = 0.0) -> list[Interval]:
    """Sorted intervals with overlapping ones, touching ones and those closer than ``bridge``
    joined."""
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a - out[-1][1] <= bridge:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def heard(said: list[Interval]) -> list[Interval]:
    """What of ``said`` was recorded: the speech a perfect detector reports."""
    pieces = [
        (max(a, ra), min(b, rb))
        for a, b in said
        for ra, rb in recorded()
        if min(b, rb) > max(a, ra)
    ]
    return merged(pieces)  # speech running over a seamless join is one segment


def total(intervals: list[Interval]) -> float:
    return sum(b - a for a, b in intervals)


def overlap(x: list[Interval], y: list[Interval]) -> float:
    return sum(max(0.0, min(b, d) - max(a, c)) for a, b in x for c, d in y)


def wall_signal(said: list[Interval], rng: np.random.Generator) -> np.ndarray:
    """One person's microphone on the wall clock, float (full scale 1.0)."""
    x = rng.standard_normal(round(END_S * RATE)) * 10 ** (NOISE_DBFS / 20)
    for a, b in said:
        i, j = round(a * RATE), round(b * RATE)
        x[i:j] += band_noise((j - i) / RATE, RATE, SPEECH_DBFS, rng)
    return x


def write_recording(folder: Path, *, mixed: bool) -> None:
    rng = np.random.default_rng(7)
    voices = [wall_signal(SAID[person], rng) for person in (ALICE, BOB)]
    wall = np.stack(voices, axis=1)
    if mixed:
        wall = wall.sum(axis=1, keepdims=True)
    folder.mkdir(parents=True)
    for index, (start, length, pauses) in enumerate(CHUNKS):
        stretches = [
            (round(a * RATE), round(b * RATE))
            for a, b in recorded()
            if start <= a and b <= start + length
        ]
        media = to_int16(np.concatenate([wall[a:b] for a, b in stretches]))
        document = meta(
            index,
            start=stamp(start),
            duration_ms=round(length * 1000, 3),
            pauses=[(stamp(a), round(d * 1000, 3)) for a, d in pauses],
            participants=[(ALICE, None), (BOB, None)] if mixed else [(ALICE, 0), (BOB, 1)],
            channel_type="mixed" if mixed else "unmixed",
            channels=wall.shape[1],
        )
        name = document["chunkDocumentId"]
        (folder / f"{name}.json").write_text(json.dumps(document))
        soundfile.write(folder / f"{name}.wav", media, RATE, subtype="PCM_16")


def check_edges(found: list[Interval], truth: list[Interval]) -> None:
    """Each reported segment within ``EDGE_S`` of its true one, and inside recorded time."""
    assert len(found) == len(truth), f"found {found}, truth {truth}"
    for (a, b), (ta, tb) in zip(found, truth, strict=True):
        assert abs(a - ta) <= EDGE_S and abs(b - tb) <= EDGE_S, f"found {(a, b)}, truth {(ta, tb)}"
    stretches = merged(recorded())  # chunks 1 and 2 touch: speech may run over the join
    for a, b in found:
        assert any(ra <= a and b <= rb for ra, rb in stretches), f"{(a, b)} is in unrecorded time"


def test_the_scenario_has_no_silence_meant_to_be_bridged() -> None:
    # Otherwise the truth would not be what a correct detector reports. Between stretches (a
    # pause, a gap, a join) silences are short on purpose.
    for person in (ALICE, BOB):
        segments = heard(SAID[person])
        for (_, b), (c, _) in itertools.pairwise(segments):
            if any(ra <= b and c <= rb for ra, rb in recorded()):
                assert c - b >= MIN_SILENCE_S + 2 * EDGE_S


def run(tmp_path: Path, *, mixed: bool, layout: str) -> Report:
    write_recording(tmp_path / "in", mixed=mixed)
    result = process(tmp_path / "in", tmp_path / "out", ProcessOptions(layout=layout), jobs=1)
    assert result.ok
    (path,) = (tmp_path / "out").glob("*/report.json")
    return load_report(path)


@pytest.mark.parametrize("layout", ["aligned", "compact"])
def test_unmixed_speech_edges_next_to_pauses_and_chunk_joins(tmp_path: Path, layout: str) -> None:
    report = run(tmp_path, mixed=False, layout=layout)
    truth = {person: heard(SAID[person]) for person in (ALICE, BOB)}
    people = {p.participant_id: p for p in report.participants}
    for person, segments in truth.items():
        check_edges([tuple(s) for s in people[person].speech_segments], segments)
        edges = 2 * len(segments)
        assert people[person].talk_time_s == pytest.approx(total(segments), abs=edges * EDGE_S)
    conversation = report.conversation
    anyone = merged(truth[ALICE] + truth[BOB])
    edges = 2 * (len(truth[ALICE]) + len(truth[BOB]))
    assert conversation.talk_time_s == pytest.approx(total(anyone), abs=edges * EDGE_S)
    assert conversation.non_talk_time_s == pytest.approx(
        total(recorded()) - total(anyone), abs=edges * EDGE_S
    )
    assert conversation.overlap_s == pytest.approx(
        overlap(truth[ALICE], truth[BOB]), abs=edges * EDGE_S
    )
    talks = {t.participant_id: t for t in conversation.participants}
    assert {p: talks[p].turns for p in TURNS} == TURNS
    assert {p: talks[p].interruptions for p in INTERRUPTIONS} == INTERRUPTIONS


@pytest.mark.parametrize("layout", ["aligned", "compact"])
def test_mixed_speech_edges_next_to_pauses_and_chunk_joins(tmp_path: Path, layout: str) -> None:
    report = run(tmp_path, mixed=True, layout=layout)
    truth = merged(heard(SAID[ALICE]) + heard(SAID[BOB]))
    assert report.mix is not None
    check_edges([tuple(s) for s in report.mix.speech_segments], truth)
    edges = 2 * len(truth)
    assert report.conversation.talk_time_s == pytest.approx(total(truth), abs=edges * EDGE_S)
    assert report.conversation.non_talk_time_s == pytest.approx(
        total(recorded()) - total(truth), abs=edges * EDGE_S
    )


@pytest.mark.parametrize("mixed", [False, True])
def test_analyze_recording_speech_in_track_samples(tmp_path: Path, mixed: bool) -> None:
    write_recording(tmp_path / "in", mixed=mixed)
    result = analyze_recording(open_recording(tmp_path / "in"))
    wanted: dict[str, Any] = (
        {"mix": merged(heard(SAID[ALICE]) + heard(SAID[BOB]))}
        if mixed
        else {person: heard(SAID[person]) for person in (ALICE, BOB)}
    )
    for label, truth in wanted.items():
        speech = result.speech[label]
        assert speech.dtype == np.int64 and speech.shape[1] == 2
        check_edges([(a / RATE, b / RATE) for a, b in speech.tolist()], truth)


@pytest.mark.parametrize(
    "said",
    [(4.96, 6.0), (4.94, 6.0), (4.91, 6.0), (4.88, 6.0), (3.5, 5.04), (3.5, 5.09)],
    ids=str,
)
def test_speech_over_a_seamless_join_keeps_its_short_side(
    tmp_path: Path, said: tuple[float, float]
) -> None:
    """Two 5 s chunks, the second starting where the first ends; one utterance runs over the
    join with less than the detector's 100 ms minimum on one side. The minimum applies to the
    utterance, not to its pieces: the short side must not be dropped."""
    rng = np.random.default_rng(3)
    wall = rng.standard_normal(10 * RATE) * 10 ** (NOISE_DBFS / 20)
    i, j = round(said[0] * RATE), round(said[1] * RATE)
    wall[i:j] += band_noise((j - i) / RATE, RATE, SPEECH_DBFS, rng)
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(2):
        document = meta(
            index, start=stamp(5.0 * index), duration_ms=5000, participants=[(ALICE, 0)], channels=1
        )
        name = document["chunkDocumentId"]
        (folder / f"{name}.json").write_text(json.dumps(document))
        media = to_int16(wall[index * 5 * RATE : (index + 1) * 5 * RATE, np.newaxis])
        soundfile.write(folder / f"{name}.wav", media, RATE, subtype="PCM_16")
    result = analyze_recording(open_recording(folder))
    check = [tuple(s) for s in result.report.participants[0].speech_segments]
    assert len(check) == 1, check
    (a, b), (ta, tb) = check[0], said
    assert abs(a - ta) <= EDGE_S and abs(b - tb) <= EDGE_S, (check, said)
