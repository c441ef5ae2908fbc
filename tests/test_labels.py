"""Labels line up with the files they sit beside, and keys pressed are reported, not spoken.

One recording whose truth is known, processed end to end. Speech is band-limited noise switched
on and off on exact samples over room noise; keys are DTMF tones; everything is written on the
wall clock and cut into chunks as the service records them::

    wall (s)  0            1.8   2.3           4.0       6.0                         9.0
              |chunk 0 .....|pause|.............|   gap   |chunk 1 ...................|
    ALICE (0)   [S  )  [5]                [S  )               (1)   [S  )  [1]
    BOB   (1)                      [#]                        (0) [9]                [S )

ALICE is on channel 0 in chunk 0 and on channel 1 in chunk 1, BOB the other way round. Within
a stretch of recorded audio every sound is at least 0.38 s from the next one, on its own channel
and in the mix, more than the detector's 300 ms minimum silence: a correct detector reports each
on its own. The compact track
removes the pause (0.5 s) and the gap (2.0 s): wall time ``t`` sits at ``t`` before the pause,
``t - 0.5`` between the pause and the gap, ``t - 2.5`` after it.
"""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from callrec.batch import open_recording, process
from callrec.dsp import detect_dtmf
from callrec.output.options import ProcessOptions
from callrec.output.report import Report, load_report
from callrec.output.run import analyze_recording

from .conftest import ALICE, BOB, meta
from .signals import band_noise, dtmf_tone, to_int16

RATE = 16000
SPEECH_DBFS = -26.0  # RMS of a speech burst: a usual talking level on a call
NOISE_DBFS = -65.0  # room noise, well below the -50 dBFS speech threshold
KEY_DBFS = -10.0  # peak of each of a key's two tones: a key is louder than speech
EDGE_S = 0.020  # how far a reported edge may be from the truth

Interval = tuple[float, float]

# (start, wall-clock length, pauses as (start, length), channel of ALICE, channel of BOB)
CHUNKS = [(0.0, 4.0, [(1.8, 0.5)], 0, 1), (6.0, 3.0, [], 1, 0)]
END_S = 9.0
SAID: dict[str, list[Interval]] = {
    ALICE: [(0.3, 1.0), (3.1, 3.7), (6.9, 7.5)],
    BOB: [(8.4, 8.9)],
}
PRESSED: dict[str, list[tuple[str, float, float]]] = {
    ALICE: [("5", 1.4, 1.6), ("1", 7.9, 8.02)],
    BOB: [("#", 2.4, 2.6), ("9", 6.3, 6.5)],  # 0.1 s after the pause, 0.3 s after the gap
}


MIN_SILENCE_S = 0.300  # the speech detector's default: shorter silences are bridged


def test_the_scenario_has_no_silence_meant_to_be_bridged() -> None:
    # Otherwise the truth would not be what a correct detector reports, on a channel or the mix.
    sounds = sorted(
        [s for p in (ALICE, BOB) for s in SAID[p]]
        + [(a, b) for p in (ALICE, BOB) for _, a, b in PRESSED[p]]
    )
    for (_, end), (start, _) in itertools.pairwise(sounds):
        if any(ra <= end and start <= rb for ra, rb in recorded()):
            assert start - end >= MIN_SILENCE_S + 2 * EDGE_S


def stamp(seconds: float) -> str:
    whole = int(seconds)
    return f"2026-01-05T10:00:{whole:02d}.{round((seconds - whole) * 1e7):07d}Z"


def recorded(chunks: list[Any] = CHUNKS) -> list[Interval]:
    """The wall-clock stretches of media, in order: chunks minus their pauses."""
    out = []
    for start, length, pauses, _, _ in chunks:
        cursor = start
        for pause_start, pause_length in pauses:
            out.append((cursor, pause_start))
            cursor = pause_start + pause_length
        out.append((cursor, start + length))
    return out


def compact(seconds: float) -> float:
    """Where wall-clock time ``seconds`` (inside recorded time) sits on the compact track."""
    skipped = 0.0
    for (_, end), (start, _) in itertools.pairwise(recorded()):
        if seconds >= start:
            skipped += start - end
    return seconds - skipped


def wall_signal(
    said: list[Interval], pressed: list[tuple[str, float, float]], rng: np.random.Generator
) -> np.ndarray:
    """One person's line on the wall clock, float (full scale 1.0)."""
    x = rng.standard_normal(round(END_S * RATE)) * 10 ** (NOISE_DBFS / 20)
    for a, b in said:
        i, j = round(a * RATE), round(b * RATE)
        x[i:j] += band_noise((j - i) / RATE, RATE, SPEECH_DBFS, rng)
    for key, a, b in pressed:
        i, j = round(a * RATE), round(b * RATE)
        x[i:j] += dtmf_tone(key, (j - i) / RATE, RATE, level_dbfs=KEY_DBFS)
    return x


def write_recording(
    folder: Path,
    *,
    mixed: bool = False,
    keys: bool = True,
    chunks: list[Any] = CHUNKS,
    said: dict[str, list[Interval]] = SAID,
    pressed: dict[str, list[tuple[str, float, float]]] = PRESSED,
) -> None:
    rng = np.random.default_rng(11)
    lines = [wall_signal(said[p], pressed[p] if keys else [], rng) for p in (ALICE, BOB)]
    wall = np.stack(lines, axis=1)
    if mixed:
        wall = wall.sum(axis=1, keepdims=True)
    folder.mkdir(parents=True)
    for index, (start, length, pauses, alice, bob) in enumerate(chunks):
        stretches = [
            (round(a * RATE), round(b * RATE))
            for a, b in recorded(chunks)
            if start <= a and b <= start + length
        ]
        media = np.concatenate([wall[a:b] for a, b in stretches])
        if not mixed:
            media = media[:, np.argsort([alice, bob])]  # channel c holds whoever is on it
        document = meta(
            index,
            start=stamp(start),
            duration_ms=round(length * 1000, 3),
            pauses=[(stamp(a), round(d * 1000, 3)) for a, d in pauses],
            participants=[(ALICE, None), (BOB, None)] if mixed else [(ALICE, alice), (BOB, bob)],
            channel_type="mixed" if mixed else "unmixed",
            channels=media.shape[1],
        )
        name = document["chunkDocumentId"]
        (folder / f"{name}.json").write_text(json.dumps(document))
        soundfile.write(folder / f"{name}.wav", to_int16(media), RATE, subtype="PCM_16")


def run(tmp_path: Path, *, layout: str, **scenario: Any) -> Path:
    """The recording's output folder."""
    write_recording(tmp_path / "in", **scenario)
    result = process(tmp_path / "in", tmp_path / "out", ProcessOptions(layout=layout), jobs=1)
    assert result.ok
    (path,) = (tmp_path / "out").glob("*/report.json")
    return path.parent


def near(found: list[Interval], truth: list[Interval]) -> None:
    assert len(found) == len(truth), f"found {found}, truth {truth}"
    for (a, b), (ta, tb) in zip(found, truth, strict=True):
        assert abs(a - ta) <= EDGE_S and abs(b - tb) <= EDGE_S, f"found {(a, b)}, truth {(ta, tb)}"


def rttm(folder: Path) -> dict[str, list[Interval]]:
    """Speaker (the track's file name) -> ``(onset, onset + duration)`` of its RTTM lines."""
    out: dict[str, list[Interval]] = {}
    for line in (folder / "speech.rttm").read_text().splitlines():
        kind, file_id, _, onset, duration, _, _, speaker, _, _ = line.split(" ")
        assert kind == "SPEAKER" and file_id == folder.name
        out.setdefault(speaker, []).append((float(onset), float(onset) + float(duration)))
    return out


def frame_levels(samples: np.ndarray) -> np.ndarray:
    """RMS dBFS of each whole 10 ms frame of int16 ``samples``."""
    hop = RATE // 100
    frames = samples[: len(samples) // hop * hop].astype(np.float64).reshape(-1, hop) / 32768
    with np.errstate(divide="ignore"):
        return 10 * np.log10(np.mean(frames**2, axis=1))


def track_of(folder: Path, report: Report, person: str) -> np.ndarray:
    (entry,) = [p for p in report.participants if p.participant_id == person]
    assert entry.file is not None
    samples, rate = soundfile.read(folder / entry.file, dtype="int16")
    assert rate == RATE
    return np.asarray(samples)


def test_compact_rttm_indexes_the_compact_tracks(tmp_path: Path) -> None:
    folder = run(tmp_path, layout="compact", keys=False)
    report = load_report(folder / "report.json")
    lines = rttm(folder)
    for person in (ALICE, BOB):
        (entry,) = [p for p in report.participants if p.participant_id == person]
        assert entry.file is not None
        truth = [(compact(a), compact(b)) for a, b in SAID[person]]
        near(lines[Path(entry.file).stem], truth)
        # What the RTTM points at in the file beside it is this person speaking: every frame of
        # it is at a talking level, tens of dB above the room noise around it.
        track = track_of(folder, report, person)
        for a, b in lines[Path(entry.file).stem]:
            inside = track[round((a + EDGE_S) * RATE) : round((b - EDGE_S) * RATE)]
            assert (frame_levels(inside) > SPEECH_DBFS - 10).all(), (person, a, b)
        # The report keeps the wall clock.
        near([tuple(s) for s in entry.speech_segments], SAID[person])


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("layout", ["aligned", "compact"])
def test_segments_csv_gives_the_wall_clock_and_the_track_time(tmp_path: Path, layout: str) -> None:
    folder = run(tmp_path, layout=layout, keys=False)
    report = load_report(folder / "report.json")
    header = (folder / "segments.csv").read_text().splitlines()[0]
    assert header == "participant,start_s,end_s,duration_s,track_start_s,track_end_s,speaker"
    rows = csv_rows(folder / "segments.csv")
    assert [float(r["start_s"]) for r in rows] == sorted(float(r["start_s"]) for r in rows)
    on_track = compact if layout == "compact" else (lambda t: t)
    for person in (ALICE, BOB):
        mine = [r for r in rows if r["participant"] == person]
        wall = [(float(r["start_s"]), float(r["end_s"])) for r in mine]
        track = [(float(r["track_start_s"]), float(r["track_end_s"])) for r in mine]
        near(wall, SAID[person])
        near(track, [(on_track(a), on_track(b)) for a, b in SAID[person]])
        for r in mine:
            length = float(r["end_s"]) - float(r["start_s"])
            assert float(r["duration_s"]) == pytest.approx(length, abs=0.0015)
            assert float(r["track_end_s"]) - float(r["track_start_s"]) == pytest.approx(
                length, abs=0.0015
            )
        (entry,) = [p for p in report.participants if p.participant_id == person]
        near([tuple(s) for s in entry.speech_segments], SAID[person])
        near(
            [tuple(s) for s in entry.track_speech_segments],
            [(on_track(a), on_track(b)) for a, b in SAID[person]],
        )


def total(intervals: list[Interval]) -> float:
    return sum(b - a for a, b in intervals)


def overlaps(a: Interval, b: Interval) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def near_keys(found: list[tuple[str, float, float]], truth: list[tuple[str, float, float]]) -> None:
    assert [k for k, _, _ in found] == [k for k, _, _ in truth], f"found {found}, truth {truth}"
    near([(a, b) for _, a, b in found], [(a, b) for _, a, b in truth])


@pytest.mark.parametrize("layout", ["aligned", "compact"])
def test_keys_are_reported_on_the_wall_clock_and_are_not_speech(
    tmp_path: Path, layout: str
) -> None:
    folder = run(tmp_path, layout=layout)
    report = load_report(folder / "report.json")
    on_track = compact if layout == "compact" else (lambda t: t)
    rows = csv_rows(folder / "keys.csv")
    header = (folder / "keys.csv").read_text().splitlines()[0]
    assert header == "participant,key,start_s,end_s,track_start_s,track_end_s"
    assert [float(r["start_s"]) for r in rows] == sorted(float(r["start_s"]) for r in rows)
    for person in (ALICE, BOB):
        (entry,) = [p for p in report.participants if p.participant_id == person]
        truth = PRESSED[person]
        near_keys([(k.key, k.start_s, k.end_s) for k in entry.keys], truth)
        near_keys(
            [(k.key, k.track_start_s, k.track_end_s) for k in entry.keys],
            [(k, on_track(a), on_track(b)) for k, a, b in truth],
        )
        mine = [r for r in rows if r["participant"] == person]
        near_keys([(r["key"], float(r["start_s"]), float(r["end_s"])) for r in mine], truth)
        near_keys(
            [(r["key"], float(r["track_start_s"]), float(r["track_end_s"])) for r in mine],
            [(k, on_track(a), on_track(b)) for k, a, b in truth],
        )
        # The file beside the CSV holds the key where the CSV says.
        track = track_of(folder, report, person)
        for r in mine:
            span = track[
                round(float(r["track_start_s"]) * RATE) : round(float(r["track_end_s"]) * RATE)
            ]
            assert detect_dtmf(span, RATE)[0].keys == r["key"]
        # A key is loud enough to pass for speech; it is not counted as speech anywhere.
        near([tuple(s) for s in entry.speech_segments], SAID[person])
        for segment in entry.speech_segments:
            assert not any(overlaps(tuple(segment), (a, b)) for _, a, b in truth)
        assert entry.talk_time_s == pytest.approx(total(SAID[person]), abs=4 * EDGE_S)
    speech_rows = csv_rows(folder / "segments.csv")
    assert len(speech_rows) == sum(len(v) for v in SAID.values())
    conversation = report.conversation
    assert conversation.talk_time_s == pytest.approx(
        total(SAID[ALICE]) + total(SAID[BOB]), abs=8 * EDGE_S
    )
    # ALICE speaks first and BOB last, nobody else starts speaking in between: a key press is
    # not a turn.
    assert {t.participant_id: t.turns for t in conversation.participants} == {ALICE: 1, BOB: 1}


@pytest.mark.parametrize("layout", ["aligned", "compact"])
def test_the_mix_lists_every_key_and_no_key_is_speech(tmp_path: Path, layout: str) -> None:
    folder = run(tmp_path, layout=layout, mixed=True)
    report = load_report(folder / "report.json")
    assert report.mix is not None
    truth = sorted(PRESSED[ALICE] + PRESSED[BOB], key=lambda k: k[1])
    near_keys([(k.key, k.start_s, k.end_s) for k in report.mix.keys], truth)
    on_track = compact if layout == "compact" else (lambda t: t)
    near_keys(
        [(k.key, k.track_start_s, k.track_end_s) for k in report.mix.keys],
        [(k, on_track(a), on_track(b)) for k, a, b in truth],
    )
    rows = csv_rows(folder / "keys.csv")
    assert {r["participant"] for r in rows} == {"mix"}
    near_keys([(r["key"], float(r["start_s"]), float(r["end_s"])) for r in rows], truth)
    speech = sorted(SAID[ALICE] + SAID[BOB])  # apart by more than the detector's 300 ms
    near([tuple(s) for s in report.mix.speech_segments], speech)
    assert report.mix.talk_time_s == pytest.approx(total(speech), abs=8 * EDGE_S)


def test_a_key_held_over_a_pause_is_two_keys_at_their_wall_clock_times(tmp_path: Path) -> None:
    # The media holds the two sides back to back, one tone to a detector that runs over the pause.
    chunks = [(0.0, 3.0, [(1.0, 0.5)], 0, 1)]
    pressed: dict[str, list[tuple[str, float, float]]] = {ALICE: [("7", 0.8, 1.7)], BOB: []}
    said: dict[str, list[Interval]] = {ALICE: [(2.2, 2.8)], BOB: []}
    folder = run(tmp_path, layout="aligned", chunks=chunks, said=said, pressed=pressed)
    report = load_report(folder / "report.json")
    (alice,) = [p for p in report.participants if p.participant_id == ALICE]
    near_keys([(k.key, k.start_s, k.end_s) for k in alice.keys], [("7", 0.8, 1.0), ("7", 1.5, 1.7)])
    assert alice.keys[0].end_s <= 1.0 and alice.keys[1].start_s >= 1.5
    near([tuple(s) for s in alice.speech_segments], said[ALICE])


def test_analyze_recording_gives_keys_in_track_samples(tmp_path: Path) -> None:
    write_recording(tmp_path / "in")
    result = analyze_recording(open_recording(tmp_path / "in"))
    for person in (ALICE, BOB):
        tones = result.keys[person]
        assert tones.intervals.dtype == np.int64 and tones.intervals.shape[1] == 2
        found = [
            (k, a / RATE, b / RATE)
            for k, (a, b) in zip(tones.keys, tones.intervals.tolist(), strict=True)
        ]
        near_keys(found, PRESSED[person])
        speech = result.speech[person]
        near([(a / RATE, b / RATE) for a, b in speech.tolist()], SAID[person])
