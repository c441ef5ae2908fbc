"""`callrec process` end to end: aligned tracks against a known truth, speech edges, the report,
re-runs, interrupted runs and broken trees."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
import soundfile

from callrec import cli
from callrec.batch import open_recording, process
from callrec.output.options import ProcessOptions
from callrec.output.report import Report, load_report
from callrec.output.run import process_recording
from callrec.output.tracks import TrackFile, aligned_blocks

from .conftest import ALICE, BOB, CAROL, MEDIA, ROOT, SAMPLES, meta

RATE = 16000
T0 = "2026-01-05T10:00:00.0000000Z"


def stamp(seconds: float) -> str:
    whole = int(seconds)
    frac = round((seconds - whole) * 10_000_000)
    return f"2026-01-05T10:00:{whole:02d}.{frac:07d}Z"


def write_wav_chunk(folder: Path, document: dict[str, Any], audio: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    doc = document["chunkDocumentId"]
    (folder / f"{doc}.json").write_text(json.dumps(document))
    soundfile.write(folder / f"{doc}.wav", audio, RATE, subtype="PCM_16")


class Truth:
    """A two-chunk unmixed recording made from random int16 samples, with its expected tracks.

    - chunk 0 at 0 s: 3.0 s on the wall clock, paused from 1.0 s for 0.5 s (2.5 s of media);
      ALICE on channel 0, BOB on 1.
    - a 0.75 s gap, then chunk 1 at 3.75 s: 2.0 s; BOB on 0, CAROL on 1, ALICE on 2.
    """

    def __init__(self, folder: Path, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.folder = folder
        media0 = rng.integers(-30000, 30000, (int(2.5 * RATE), 2)).astype(np.int16)
        media1 = rng.integers(-30000, 30000, (int(2.0 * RATE), 3)).astype(np.int16)
        write_wav_chunk(
            folder,
            meta(
                0,
                start=stamp(0),
                duration_ms=3000,
                pauses=[(stamp(1.0), 500)],
                participants=[(ALICE, 0), (BOB, 1)],
                channels=2,
            ),
            media0,
        )
        write_wav_chunk(
            folder,
            meta(
                1,
                start=stamp(3.75),
                duration_ms=2000,
                participants=[(BOB, 0), (CAROL, 1), (ALICE, 2)],
                channels=3,
            ),
            media1,
        )
        self.length = int(5.75 * RATE)
        s = RATE
        self.tracks = {p: np.zeros(self.length, np.int16) for p in (ALICE, BOB, CAROL)}
        # Chunk 0 media [0, 1 s) -> wall [0, 1 s); media [1 s, 2.5 s) -> wall [1.5 s, 3 s).
        for person, channel in ((ALICE, 0), (BOB, 1)):
            self.tracks[person][0:s] = media0[0:s, channel]
            self.tracks[person][int(1.5 * s) : 3 * s] = media0[s:, channel]
        for person, channel in ((BOB, 0), (CAROL, 1), (ALICE, 2)):
            self.tracks[person][int(3.75 * s) :] = media1[:, channel]
        self.compact = {
            person: np.concatenate(
                [track[0:s], track[int(1.5 * s) : 3 * s], track[int(3.75 * s) :]]
            )
            for person, track in self.tracks.items()
        }


def report_of(folder: Path) -> Report:
    (path,) = folder.glob("*/report.json")
    return load_report(path)


def track_file(out: Path, report: Report, participant: str) -> Path:
    (entry,) = [p for p in report.participants if p.participant_id == participant]
    assert entry.file is not None
    return out / report_folder(out) / entry.file


def report_folder(out: Path) -> str:
    (path,) = out.glob("*/report.json")
    return path.parent.name


def test_aligned_tracks_equal_the_truth_sample_for_sample(tmp_path: Path) -> None:
    truth = Truth(tmp_path / "in")
    result = process(tmp_path / "in", tmp_path / "out", jobs=1)
    assert result.ok
    report = report_of(tmp_path / "out")
    assert report.duration_s == pytest.approx(5.75)
    for person, expected in truth.tracks.items():
        data, rate = soundfile.read(track_file(tmp_path / "out", report, person), dtype="int16")
        info = soundfile.info(track_file(tmp_path / "out", report, person))
        assert rate == RATE and info.subtype == "PCM_16"
        np.testing.assert_array_equal(data, expected)
    carol = next(p for p in report.participants if p.participant_id == CAROL)
    assert carol.channels == {0: None, 1: 1}
    assert carol.file is not None and "/" not in carol.file.split("participants/", 1)[1]


def test_compact_layout_removes_pauses_and_gaps_and_maps_back(tmp_path: Path) -> None:
    truth = Truth(tmp_path / "in")
    process(tmp_path / "in", tmp_path / "out", ProcessOptions(layout="compact"), jobs=1)
    report = report_of(tmp_path / "out")
    for person, expected in truth.compact.items():
        data, _ = soundfile.read(track_file(tmp_path / "out", report, person), dtype="int16")
        np.testing.assert_array_equal(data, expected)
    assert report.compact_map is not None
    spans = [
        (s.track_start_s, s.wall_start_s, s.duration_s, s.chunk_index) for s in report.compact_map
    ]
    assert spans == [(0.0, 0.0, 1.0, 0), (1.0, 1.5, 1.5, 0), (2.5, 3.75, 2.0, 1)]


def test_aligned_blocks_api_matches_the_written_track(tmp_path: Path) -> None:
    truth = Truth(tmp_path / "in")
    recording = open_recording(tmp_path / "in")
    for person, expected in truth.tracks.items():
        blocks = list(aligned_blocks(recording, person, block_frames=5000))
        starts = [start for start, _ in blocks]
        joined = np.concatenate([block for _, block in blocks])[:, 0]
        assert all(len(b) <= 5000 for _, b in blocks)
        assert starts == list(np.cumsum([0] + [len(b) for _, b in blocks[:-1]]))
        np.testing.assert_array_equal(joined, expected)


def burst_chunk(
    rng: np.random.Generator, seconds: float, bursts: list[tuple[float, float]]
) -> np.ndarray:
    """Quiet noise (-70 dBFS) with loud noise bursts (-20 dBFS) at media times."""
    x = rng.standard_normal(int(seconds * RATE)) * 10 ** (-70 / 20)
    for a, b in bursts:
        x[int(a * RATE) : int(b * RATE)] += rng.standard_normal(int(b * RATE) - int(a * RATE)) * 0.1
    return np.round(x * 32767).astype(np.int16)


def test_speech_segments_land_within_50_ms_of_the_true_edges(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    # Chunk 0: 4 s wall clock, paused 2.0-2.5 s. ALICE bursts at media 0.5-1.5 and 2.6-3.2
    # (wall 3.1-3.7); BOB at media 1.2-1.9. Chunk 1 at 5 s: ALICE 0.4-1.0 (wall 5.4-6.0).
    alice0 = burst_chunk(rng, 3.5, [(0.5, 1.5), (2.6, 3.2)])
    bob0 = burst_chunk(rng, 3.5, [(1.2, 1.9)])
    write_wav_chunk(
        tmp_path / "in",
        meta(0, start=stamp(0), duration_ms=4000, pauses=[(stamp(2.0), 500)], channels=2),
        np.stack([alice0, bob0], 1),
    )
    write_wav_chunk(
        tmp_path / "in",
        meta(1, start=stamp(5.0), duration_ms=1500, participants=[(ALICE, 0)], channels=1),
        burst_chunk(rng, 1.5, [(0.4, 1.0)])[:, None],
    )
    process(tmp_path / "in", tmp_path / "out", jobs=1)
    report = report_of(tmp_path / "out")
    found = {p.participant_id: p.speech_segments for p in report.participants}
    expected = {ALICE: [(0.5, 1.5), (3.1, 3.7), (5.4, 6.0)], BOB: [(1.2, 1.9)]}
    for person, edges in expected.items():
        assert len(found[person]) == len(edges), found[person]
        for (a, b), (ta, tb) in zip(found[person], edges, strict=True):
            assert abs(a - ta) <= 0.05 and abs(b - tb) <= 0.05
    overlap = report.conversation.overlap_s
    assert overlap == pytest.approx(0.3, abs=0.05)  # ALICE 0.5-1.5 against BOB 1.2-1.9
    assert report.conversation.non_talk_time_s == pytest.approx(
        3.5 + 1.5 - (1.9 - 0.5) - 0.6 - 0.6, abs=0.1
    )
    bob = next(t for t in report.conversation.participants if t.participant_id == BOB)
    assert bob.interruptions == 0  # 0.3 s of overlap is under the 0.5 s minimum


def test_talk_time_within_5_percent_on_espeak_speech(tmp_path: Path) -> None:
    speech, rate = soundfile.read(MEDIA / "speech-16k.wav", dtype="int16")
    truth = json.loads((MEDIA / "speech-16k.json").read_text())
    voiced = sum(b - a for a, b in (p["voiced"] for p in truth["phrases"])) / rate
    silent = np.zeros_like(speech)
    write_wav_chunk(
        tmp_path / "in",
        meta(0, start=T0, duration_ms=1000 * len(speech) / rate, channels=2),
        np.stack([speech, silent], 1),
    )
    process(tmp_path / "in", tmp_path / "out", jobs=1)
    alice = next(p for p in report_of(tmp_path / "out").participants if p.participant_id == ALICE)
    assert alice.talk_time_s == pytest.approx(voiced, rel=0.05)


def test_report_validates_against_the_committed_schema_and_loads_back(tmp_path: Path) -> None:
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    assert schema == Report.model_json_schema(), "docs/report.schema.json is out of date"
    process(SAMPLES, tmp_path / "out", ProcessOptions(trim=True), jobs=1)
    for path in (tmp_path / "out").glob("*/report.json"):
        document = json.loads(path.read_text())
        jsonschema.validate(document, schema)
        assert document["start_time"].endswith("Z")
        loaded = load_report(path)
        assert loaded.model_dump(mode="json") == document


def test_outputs_of_the_samples(tmp_path: Path) -> None:
    result = process(SAMPLES, tmp_path / "out", ProcessOptions(trim=True), jobs=2)
    assert result.ok and [o.status for o in result.outcomes] == ["done"] * 3
    for folder in (tmp_path / "out").iterdir():
        if not folder.is_dir():
            continue
        report = load_report(folder / "report.json")
        rows = (folder / "segments.csv").read_text().splitlines()
        rttm = (folder / "speech.rttm").read_text().splitlines()
        segments = sum(len(t.speech_segments) for _, t in report.tracks())
        assert len(rows) == segments + 1 and len(rttm) == segments and segments > 0
        assert all(line.startswith(f"SPEAKER {folder.name} 1 ") for line in rttm)
        for _, track in report.tracks():
            assert track.file is not None and track.trim is not None
            info = soundfile.info(folder / track.file)
            assert info.frames == round(report.duration_s * report.sample_rate)
            trimmed = soundfile.info(folder / track.trim.file)
            assert trimmed.frames == round(
                (track.trim.end_s - track.trim.start_s) * info.samplerate
            )
        if report.channel_type == "mixed":
            assert report.mix is not None and report.participants == []
            assert report.conversation.overlap_s is None
        else:
            talks = {t.participant_id: t for t in report.conversation.participants}
            assert report.conversation.overlap_s and report.conversation.overlap_s > 0.5
            assert sum(t.interruptions for t in talks.values()) >= 1
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"errors.json"}


def test_rerun_skips_and_force_or_a_changed_input_redoes(tmp_path: Path) -> None:
    Truth(tmp_path / "in")
    first = process(tmp_path / "in", tmp_path / "out", jobs=1)
    report_path = next((tmp_path / "out").glob("*/report.json"))
    stamp_before = report_path.stat().st_mtime_ns
    second = process(tmp_path / "in", tmp_path / "out", jobs=1)
    assert [o.status for o in first.outcomes] == ["done"]
    assert [o.status for o in second.outcomes] == ["skipped"]
    assert report_path.stat().st_mtime_ns == stamp_before
    assert [
        o.status for o in process(tmp_path / "in", tmp_path / "out", jobs=1, force=True).outcomes
    ] == ["done"]
    media = next((tmp_path / "in").glob("*.wav"))
    os.utime(media, ns=(media.stat().st_atime_ns, media.stat().st_mtime_ns + 10**9))
    assert [o.status for o in process(tmp_path / "in", tmp_path / "out", jobs=1).outcomes] == [
        "done"
    ]
    # Other options are other outputs.
    again = process(tmp_path / "in", tmp_path / "out", ProcessOptions(trim=True), jobs=1)
    assert [o.status for o in again.outcomes] == ["done"]


def test_a_run_killed_midway_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Truth(tmp_path / "in")
    out = tmp_path / "out"
    original = TrackFile.add
    calls = {"n": 0}

    def dies(self: TrackFile, at: int, samples: np.ndarray, columns: Any = None) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # what Ctrl-C does in the middle of a track
        original(self, at, samples, columns)

    monkeypatch.setattr(TrackFile, "add", dies)
    with pytest.raises(KeyboardInterrupt):
        process(tmp_path / "in", out, ProcessOptions(block_frames=4000), jobs=1)
    left = [p for p in out.rglob("*") if p.is_file()]
    assert left == [], left
    # A hard kill leaves its temporary files behind; they are hidden, and the next run clears them.
    folder = next(p for p in out.iterdir() if p.is_dir())
    (folder / "participants" / ".x.wav.k3j2.partial").write_bytes(b"RIFF")
    monkeypatch.setattr(TrackFile, "add", original)
    result = process(tmp_path / "in", out, jobs=1)
    assert result.ok and [o.status for o in result.outcomes] == ["done"]
    assert not list(out.rglob("*.partial"))
    assert (folder / "report.json").is_file()


def test_a_broken_tree_processes_the_good_and_lists_the_bad(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    Truth(tree / "good")
    # zero-byte media
    (tree / "empty").mkdir()
    document = meta(0, call_id="aaaaaaaa-0000-0000-0000-000000000001", doc="0-eus-d1-empty")
    (tree / "empty" / "0-eus-d1-empty.json").write_text(json.dumps(document))
    (tree / "empty" / "0-eus-d1-empty.wav").write_bytes(b"")
    # truncated media: the header promises more than the file holds
    document = meta(
        0, call_id="aaaaaaaa-0000-0000-0000-000000000002", doc="0-eus-d1-cut", duration_ms=2000
    )
    write_wav_chunk(tree / "cut", document, np.ones((2 * RATE, 2), np.int16))
    cut = tree / "cut" / "0-eus-d1-cut.wav"
    cut.write_bytes(cut.read_bytes()[: 44 + 4 * RATE])
    # malformed JSON
    (tree / "junk").mkdir()
    (tree / "junk" / "0-eus-d1-junk.json").write_text('{"callId": ')
    # a channel that does not exist
    document = meta(
        0,
        call_id="aaaaaaaa-0000-0000-0000-000000000003",
        doc="0-eus-d1-chan",
        participants=[(ALICE, 0), (BOB, 3)],
        channels=2,
    )
    write_wav_chunk(tree / "chan", document, np.ones((RATE, 2), np.int16))
    # a participant id that tries to leave the output folder
    document = meta(
        0, call_id="../../escape", doc="0-eus-d1-evil", participants=[("../../x", 0), ("/etc/y", 1)]
    )
    write_wav_chunk(tree / "evil", document, np.ones((RATE, 2), np.int16))

    out = tmp_path / "out"
    before = {p for p in tmp_path.rglob("*")}
    code = cli.main(["process", str(tree), "--out", str(out), "--jobs", "1", "--quiet"])
    assert code == 1
    created = {p for p in tmp_path.rglob("*")} - before
    assert all(out in p.parents or p == out for p in created), created
    errors = json.loads((out / "errors.json").read_text())
    failed = {e["call_id"]: e for e in errors["failed"]}
    assert set(failed) == {"aaaaaaaa-0000-0000-0000-000000000003"}
    assert failed["aaaaaaaa-0000-0000-0000-000000000003"]["error"] == "ChannelConflictError"
    assert "channel 3" in failed["aaaaaaaa-0000-0000-0000-000000000003"]["message"]
    assert any(p["file"].endswith("0-eus-d1-junk.json") for p in errors["problems"])
    done = {r.parent.name: load_report(r) for r in out.glob("*/report.json")}
    assert len(done) == 4  # good, empty and truncated (silence where audio is lost), evil
    incomplete = {i["call_id"]: i["missing_audio"] for i in errors["incomplete"]}
    assert "zero bytes" in " ".join(incomplete["aaaaaaaa-0000-0000-0000-000000000001"])
    truncated = next(r for r in done.values() if r.call_id.endswith("0002"))
    assert any(w.code == "truncated-media" for w in truncated.warnings)
    assert any(i["call_id"].endswith("0002") for i in errors["incomplete"])
    evil = next(r for r in done.values() if r.call_id == "../../escape")
    assert all(p.file and ".." not in Path(p.file).parts for p in evil.participants)


def test_cli_progress_lines_and_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Truth(tmp_path / "in")
    assert cli.main(["process", str(tmp_path / "in"), "-o", str(tmp_path / "a"), "-j", "1"]) == 0
    captured = capsys.readouterr()
    assert "[1/1]" in captured.err and "1 processed" in captured.out
    assert cli.main(["process", str(tmp_path / "in"), "-o", str(tmp_path / "a"), "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "1 already done" in captured.out


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert cli.main(["process", str(SAMPLES), "--out", str(tmp_path), "--jobs", "0"]) == 2
    assert cli.main(["process", str(SAMPLES)]) == 2  # --out is required


def test_process_recording_in_python_returns_arrays(tmp_path: Path) -> None:
    truth = Truth(tmp_path / "in")
    recording = open_recording(tmp_path / "in")
    result = process_recording(recording, tmp_path / "one")
    assert set(result.speech) == set(truth.tracks)
    for intervals in result.speech.values():
        assert intervals.dtype == np.int64 and intervals.shape[1] == 2
    assert result.analysis[ALICE].frames == int(2.5 * RATE) + 2 * RATE
    assert (tmp_path / "one" / "report.json").is_file()


def test_mixed_mp4_recording_gives_a_float_mix(tmp_path: Path) -> None:
    source = MEDIA / "tone-16k-1.5s.mp4"
    info = soundfile.info(MEDIA / "tone-16k-1.5s.mp3")  # the same tone; MP4 has no soundfile view
    folder = tmp_path / "in"
    folder.mkdir()
    document = meta(
        0,
        start=T0,
        duration_ms=1500,
        participants=[(ALICE, None), (BOB, None)],
        channel_type="mixed",
        fmt="mp4",
        channels=1,
        doc="0-eus-d1-mp4",
    )
    (folder / "0-eus-d1-mp4.json").write_text(json.dumps(document))
    (folder / "0-eus-d1-mp4.mp4").write_bytes(source.read_bytes())
    result = process(folder, tmp_path / "out", jobs=1)
    assert result.ok
    report = report_of(tmp_path / "out")
    assert report.mix is not None and report.mix.file == "mixed.wav"
    written = soundfile.info(tmp_path / "out" / report_folder(tmp_path / "out") / "mixed.wav")
    assert written.subtype == "FLOAT" and written.frames == 24000 and info.samplerate == RATE
    assert report.mix.peak_dbfs is not None and report.mix.talk_time_s > 1.0


def test_only_files_a_previous_report_lists_are_ever_deleted(tmp_path: Path) -> None:
    Truth(tmp_path / "in")
    folder = tmp_path / "one"
    (folder / "participants").mkdir(parents=True)
    (folder / "mine.wav").write_bytes(b"keep")
    (folder / "participants" / "notes.wav").write_bytes(b"keep")
    recording = open_recording(tmp_path / "in")
    process_recording(recording, folder, ProcessOptions(trim=True))
    assert len(list(folder.rglob("*.trimmed.wav"))) == 3
    process_recording(recording, folder)  # without --trim the trimmed tracks go
    assert not list(folder.rglob("*.trimmed.wav"))
    assert (folder / "mine.wav").read_bytes() == b"keep"
    assert (folder / "participants" / "notes.wav").read_bytes() == b"keep"


def test_an_event_file_brings_the_chunks_it_names(tmp_path: Path) -> None:
    event = SAMPLES / "unmixed-call" / "recording-file-status-updated.json"
    result = process(event, tmp_path / "out", jobs=1)
    assert result.ok and [o.status for o in result.outcomes] == ["done"]
    report = report_of(tmp_path / "out")
    assert report.recording_id is not None and [c.index for c in report.chunks] == [0, 1]
    assert [c.end_reason for c in report.chunks] == ["ChunkMaximumTimeExceeded", "SessionEnded"]


def test_a_report_of_an_earlier_callrec_loads_and_a_rerun_redoes_it(tmp_path: Path) -> None:
    process(SAMPLES / "unmixed-call", tmp_path, jobs=1)
    (path,) = tmp_path.glob("*/report.json")
    document = json.loads(path.read_text())
    document["provenance"]["callrec_version"] = "0.1.0"
    for person in document["participants"]:  # what 0.1.0 wrote
        del person["keys"], person["track_speech_segments"]
    path.write_text(json.dumps(document))
    (path.parent / "keys.csv").unlink()
    old = load_report(path)
    assert [p.track_speech_segments for p in old.participants] == [
        p.speech_segments for p in old.participants
    ]
    assert [o.status for o in process(SAMPLES / "unmixed-call", tmp_path, jobs=1).outcomes] == [
        "done"
    ]
    assert (path.parent / "keys.csv").is_file()
    # A missing table alone is enough to redo a folder.
    (path.parent / "speech.rttm").unlink()
    assert [o.status for o in process(SAMPLES / "unmixed-call", tmp_path, jobs=1).outcomes] == [
        "done"
    ]
