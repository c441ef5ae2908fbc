"""Labels line up with the files they sit beside, and keys pressed are reported, not spoken.

One recording whose truth is known, processed end to end. Speech is band-limited noise switched
on and off on exact samples over room noise; keys are DTMF tones; everything is written on the
wall clock and cut into chunks as the service records them::

    wall (s)  0            1.8   2.3           4.0       6.0                         9.0
              |chunk 0 .....|pause|.............|   gap   |chunk 1 ...................|
    ALICE (0)   [S  )  [5]                [S  )               (1)   [S  )  [1]
    BOB   (1)                      [#]                        (0) [9]                [S )

ALICE is on channel 0 in chunk 0 and on channel 1 in chunk 1, BOB the other way round. Every
sound is at least 0.38 s from the next one, on its own channel and in the mix, more than the
detector's 300 ms minimum silence: a correct detector reports each on its own. The compact track
removes the pause (0.5 s) and the gap (2.0 s): wall time ``t`` sits at ``t`` before the pause,
``t - 0.5`` between the pause and the gap, ``t - 2.5`` after it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from callrec.batch import process
from callrec.pipeline import ProcessOptions
from callrec.report import Report, load_report

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


def stamp(seconds: float) -> str:
    whole = int(seconds)
    return f"2026-01-05T10:00:{whole:02d}.{round((seconds - whole) * 1e7):07d}Z"


def recorded() -> list[Interval]:
    """The wall-clock stretches of media, in order: chunks minus their pauses."""
    out = []
    for start, length, pauses, _, _ in CHUNKS:
        cursor = start
        for pause_start, pause_length in pauses:
            out.append((cursor, pause_start))
            cursor = pause_start + pause_length
        out.append((cursor, start + length))
    return out


def compact(seconds: float) -> float:
    """Where wall-clock time ``seconds`` (inside recorded time) sits on the compact track."""
    skipped = 0.0
    for (_, end), (start, _) in zip(recorded(), recorded()[1:], strict=False):
        if seconds >= start:
            skipped += start - end
    return seconds - skipped


def wall_signal(person: str, rng: np.random.Generator, *, keys: bool) -> np.ndarray:
    """One person's line on the wall clock, float (full scale 1.0)."""
    x = rng.standard_normal(round(END_S * RATE)) * 10 ** (NOISE_DBFS / 20)
    for a, b in SAID[person]:
        i, j = round(a * RATE), round(b * RATE)
        x[i:j] += band_noise((j - i) / RATE, RATE, SPEECH_DBFS, rng)
    for key, a, b in PRESSED[person] if keys else []:
        i, j = round(a * RATE), round(b * RATE)
        x[i:j] += dtmf_tone(key, (j - i) / RATE, RATE, level_dbfs=KEY_DBFS)
    return x


def write_recording(folder: Path, *, mixed: bool = False, keys: bool = True) -> None:
    rng = np.random.default_rng(11)
    wall = np.stack([wall_signal(p, rng, keys=keys) for p in (ALICE, BOB)], axis=1)
    if mixed:
        wall = wall.sum(axis=1, keepdims=True)
    folder.mkdir(parents=True)
    for index, (start, length, pauses, alice, bob) in enumerate(CHUNKS):
        stretches = [
            (round(a * RATE), round(b * RATE))
            for a, b in recorded()
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


def run(tmp_path: Path, *, layout: str, mixed: bool = False, keys: bool = True) -> Path:
    """The recording's output folder."""
    write_recording(tmp_path / "in", mixed=mixed, keys=keys)
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
    assert header == "participant,start_s,end_s,duration_s,track_start_s,track_end_s"
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
